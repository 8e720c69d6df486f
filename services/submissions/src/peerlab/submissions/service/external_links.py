"""External supervisors' read links: one group's synopsis and report, no account needed.

A teacher creates a link for a group (expiry, note); the answer carries the token once. Only its
SHA-256 is stored, so a database leak does not give working links. ``GET /v1/external/{token}``
lists the group's current synopsis and report versions with short-lived presigned GETs. An
unknown, expired or revoked token all answer the same 404 (existence is not revealed). The links
live here, beside the documents, so a revocation takes effect at once: no event, no window in
which another service still trusts a revoked link.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError, not_found
from peerlab.submissions import repository
from peerlab.submissions.models import ExternalLink
from peerlab.submissions.service.access import SUPERVISED_KINDS

MAX_LIFETIME = timedelta(days=366)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    session: Session,
    *,
    course_id: str,
    group_id: str,
    expires_at: datetime,
    note: str,
    principal: Principal,
    now: datetime,
) -> tuple[ExternalLink, str]:
    """A new link for ``group_id``; returns (row, token). The token is not kept."""
    if not repository.group_known(session, group_id):
        raise not_found("group")
    if expires_at <= now:
        raise ProblemError(422, "expiry_in_past", "The link must expire in the future.")
    if expires_at - now > MAX_LIFETIME:
        raise ProblemError(422, "expiry_too_far", "A link lives at most a year.")
    token = secrets.token_urlsafe(32)
    row = ExternalLink(
        id=str(uuid.uuid4()),
        course_id=course_id,
        group_id=group_id,
        token_sha256=token_hash(token),
        note=note,
        created_by=principal.sub,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, token


def revoke(session: Session, *, course_id: str, link_id: str, principal: Principal, now: datetime) -> ExternalLink:
    """Revoke (idempotent: a second revocation keeps the first time)."""
    row = session.get(ExternalLink, link_id)
    if row is None or row.course_id != course_id:
        raise not_found("link")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = now, principal.sub
        session.add(row)
    return row


def listed(session: Session, *, course_id: str, group_id: str) -> list[ExternalLink]:
    return [r for r in repository.external_links_of(session, group_id) if r.course_id == course_id]


def is_active(row: ExternalLink, now: datetime) -> bool:
    return row.revoked_at is None and row.expires_at > now


@dataclass(frozen=True)
class SharedDocument:
    assignment_id: str
    kind: str
    title: str
    version: int
    object_key: str
    file_name: str
    size: int
    sha256: str
    accepted_at: datetime


def documents(
    session: Session, *, course_id: str, token: str, now: datetime
) -> tuple[ExternalLink, list[SharedDocument]]:
    """The link's group's current synopsis and report versions; 404 unless the link is active."""
    row = repository.external_link_by_hash(session, token_hash(token))
    if row is None or row.course_id != course_id or not is_active(row, now):
        raise not_found("link")
    submissions = repository.submissions_for(session, owner_ids=[row.group_id])
    assignments = {
        a.id: a for a in repository.assignments_by_ids(session, list({s.assignment_id for s in submissions}))
    }
    out = []
    for submission in submissions:
        assignment = assignments.get(submission.assignment_id)
        if (
            assignment is None
            or assignment.course_id != course_id
            or assignment.kind not in SUPERVISED_KINDS
            or submission.owner_type != "group"
            or submission.current_version is None
        ):
            continue
        version = repository.get_version(session, submission.id, submission.current_version)
        if version is not None:
            out.append(
                SharedDocument(
                    assignment_id=assignment.id,
                    kind=assignment.kind,
                    title=assignment.title,
                    version=version.version,
                    object_key=version.object_key,
                    file_name=version.file_name,
                    size=version.size,
                    sha256=version.sha256,
                    accepted_at=version.accepted_at,
                )
            )
    return row, out
