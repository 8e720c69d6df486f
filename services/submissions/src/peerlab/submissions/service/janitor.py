"""Removes staged objects that will never be accepted (crashed streams, unconfirmed tickets)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session

from peerlab.chassis.storage import ObjectStore
from peerlab.submissions import repository
from peerlab.submissions.clock import now

log = logging.getLogger("peerlab.submissions.janitor")


def sweep_stale_uploads(session: Session, *, store: ObjectStore, stale_after_s: int, limit: int = 200) -> int:
    """Delete the objects of uploads staged longer than ``stale_after_s`` ago; mark them discarded."""
    stamp = now()
    stale = repository.stale_uploads(session, created_before=stamp - timedelta(seconds=stale_after_s), limit=limit)
    for upload in stale:
        store.delete(upload.object_key)
        upload.status = "discarded"
        session.add(upload)
    if stale:
        log.info("discarded %d stale uploads", len(stale))
    return len(stale)
