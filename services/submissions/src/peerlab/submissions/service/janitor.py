"""Removes staged objects that will never be accepted (crashed streams, unconfirmed tickets)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session

from peerlab.chassis.storage import ObjectStore
from peerlab.submissions import repository
from peerlab.chassis.clock import now
from peerlab.submissions.service import handins

log = logging.getLogger("peerlab.submissions.janitor")


def sweep_stale_uploads(session: Session, *, store: ObjectStore, stale_after_s: int, limit: int = 200) -> int:
    """Delete the objects of uploads staged longer than ``stale_after_s`` ago and mark them
    discarded; remove presigned staging objects once their URL has expired. Returns the count."""
    stamp = now()
    stale = repository.stale_uploads(session, created_before=stamp - timedelta(seconds=stale_after_s), limit=limit)
    for upload in stale:
        for key in {upload.object_key, handins.accepted_key(upload)}:
            store.delete(key)
        upload.status = "discarded"
        upload.staging_removed_at = stamp
        session.add(upload)
    expired = repository.expired_staging(session, now=stamp, limit=limit)
    for upload in expired:  # accepted or discarded: the URL may have written a new object meanwhile
        store.delete(upload.object_key)
        upload.staging_removed_at = stamp
        session.add(upload)
    if stale or expired:
        log.info("discarded %d stale uploads, removed %d expired staging objects", len(stale), len(expired))
    return len(stale) + len(expired)
