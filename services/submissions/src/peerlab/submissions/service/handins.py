"""Hand-ins: staging an upload, accepting a validated one as the owner's new current version,
withdrawing. Both upload paths (streamed and presigned) end in ``accept_upload``.

Locks, in this order, so the closer and concurrent uploads serialise correctly:
1. the assignment row ``FOR SHARE`` (hand-ins run side by side; the closer's ``FOR UPDATE`` waits
   for them, and they wait for the closer — after which they see its closed marker);
2. the (assignment, owner) submission row ``FOR UPDATE`` (one owner's uploads one at a time, so
   version numbers are dense and ordered and exactly one version is current).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.submissions import repository
from peerlab.chassis.clock import now
from peerlab.submissions.events import publish
from peerlab.submissions.models import Assignment, Submission, Upload, Version
from peerlab.submissions.service import access, project_handins, projections


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def object_key(assignment_id: str, upload_id: str) -> str:
    """Where an upload's bytes arrive: one key per upload, never reused, never derived from a file name."""
    return f"uploads/{assignment_id}/{upload_id}"


def accepted_key(upload: Upload) -> str:
    """Where an accepted upload's bytes are kept. A streamed upload stays where the service wrote
    it; a presigned one is copied out of the key its URL can still write to until it expires, so
    nobody can change an accepted hand-in through that URL."""
    if upload.channel == "presigned":
        return f"versions/{upload.assignment_id}/{upload.id}"
    return upload.object_key


@dataclass(frozen=True)
class HandInContext:
    assignment: Assignment
    owner_type: str
    owner_id: str
    closed: bool


def is_closed(session: Session, assignment: Assignment, *, at: datetime, close_grace_s: int) -> bool:
    """Closed by the marker, or past ``deadline + grace`` (the closer is about to write the marker);
    ``close_grace_s`` is the service default, used when the assignment has no grace of its own."""
    return past_close(
        assignment,
        marked=repository.closed_marker(session, assignment.id) is not None,
        at=at,
        close_grace_s=close_grace_s,
    )


def past_close(assignment: Assignment, *, marked: bool, at: datetime, close_grace_s: int) -> bool:
    """``is_closed`` for a caller that read the closed marker with the assignment."""
    return marked or at >= closes_at(assignment, default_grace_s=close_grace_s)


def closes_at(assignment: Assignment, *, default_grace_s: int) -> datetime:
    """When the assignment closes: its deadline plus its own grace, else the service's default."""
    grace = default_grace_s if assignment.close_grace_s is None else assignment.close_grace_s
    return assignment.deadline + timedelta(seconds=grace)


def prepare(
    session: Session,
    *,
    assignment_id: str,
    course_id: str,
    principal: Principal,
    received_at: datetime,
    close_grace_s: int,
    group_id: str | None = None,
) -> HandInContext:
    """Everything decidable before a byte is read: assignment, owner, window, resubmission right."""
    assignment, marked = repository.assignment_and_closed(session, assignment_id)
    if assignment is None or assignment.course_id != course_id:
        raise not_found("assignment")
    owner_type, owner_id = access.resolve_owner(session, assignment=assignment, principal=principal, group_id=group_id)
    closed = past_close(assignment, marked=marked, at=received_at, close_grace_s=close_grace_s)
    access.check_window(assignment, received_at=received_at, closed=closed)
    access.check_resubmission(session, assignment=assignment, owner_id=owner_id)
    return HandInContext(assignment, owner_type, owner_id, closed)


def stage_upload(
    session: Session,
    *,
    ctx: HandInContext,
    principal: Principal,
    channel: str,
    received_at: datetime,
    file_name: str | None = None,
    declared_size: int | None = None,
    declared_sha256: str | None = None,
    expires_at: datetime | None = None,
) -> Upload:
    """Record an object about to be written, so nothing in the bucket is ever untracked; remember
    the names the caller's token gives them (masked in anonymised copies of what they hand in)."""
    upload_id = new_id("up")
    upload = Upload(
        id=upload_id,
        assignment_id=ctx.assignment.id,
        owner_id=ctx.owner_id,
        owner_type=ctx.owner_type,
        principal=principal.sub,
        channel=channel,
        object_key=object_key(ctx.assignment.id, upload_id),
        file_name=file_name,
        declared_size=declared_size,
        declared_sha256=declared_sha256,
        status="staged",
        received_at=received_at,
        created_at=now(),
        expires_at=expires_at,
    )
    session.add(upload)
    projections.record_aliases(
        session,
        person_id=principal.sub,
        source="token",
        at=upload.created_at,
        names=[principal.name, *(principal.claims.get(c) for c in projections.TOKEN_IDENTITY_CLAIMS)],
    )
    return upload


def discard_upload(session: Session, *, upload_id: str) -> str | None:
    """Mark a staged upload discarded; returns the upload's status now (None if unknown)."""
    upload = repository.get_upload(session, upload_id, lock=True)
    if upload is None:
        return None
    if upload.status == "staged":
        upload.status = "discarded"
        session.add(upload)
    return upload.status


def accept_upload(
    session: Session,
    *,
    upload_id: str,
    file_name: str,
    size: int,
    sha256: str,
    warnings: list[dict],
    close_grace_s: int,
) -> tuple[Assignment, Submission, Version]:
    """Make a validated upload the owner's new current version and publish ``submission.received.v1``.

    Four statements: the upload marked accepted (``UPDATE .. RETURNING``, its row lock), the
    assignment (``FOR SHARE``), the owner's submission with its next number and the closed marker
    (``INSERT .. ON CONFLICT DO UPDATE .. RETURNING``, the owner's lock), the version; then the
    outbox row at commit. Idempotent per upload: accepting an accepted upload returns its version.
    ``submission.updated_at`` is the time the owner's lock was asked for; ``accepted_at`` the
    time it was held.
    """
    version_id = new_id("ver")
    upload = repository.accept_staged_upload(session, upload_id=upload_id, version_id=version_id, file_name=file_name)
    if upload is None:
        return _accepted_before(session, upload_id=upload_id)
    assignment = repository.get_assignment(session, upload.assignment_id, lock="share")
    assert assignment is not None  # uploads are only staged for existing assignments
    submission, marked = repository.next_version_of(
        session,
        submission_id=new_id("sub"),
        assignment_id=assignment.id,
        owner_type=upload.owner_type,
        owner_id=upload.owner_id,
        at=now(),
    )
    stamp = now()  # taken under the owner's lock: versions are numbered in acceptance order
    closed = past_close(assignment, marked=marked, at=stamp, close_grace_s=close_grace_s)
    access.check_window(assignment, received_at=upload.received_at, closed=closed)
    warnings = warnings + project_handins.extra_warnings(
        session, assignment=assignment, owner_type=submission.owner_type, owner_id=submission.owner_id
    )
    version = Version(
        id=version_id,
        submission_id=submission.id,
        assignment_id=assignment.id,
        owner_id=submission.owner_id,
        version=submission.latest_version,
        object_key=accepted_key(upload),
        file_name=file_name,
        size=size,
        sha256=sha256,
        channel=upload.channel,
        submitted_by=upload.principal,
        received_at=upload.received_at,
        accepted_at=stamp,
        warnings=warnings,
    )
    session.add(version)
    session.flush()
    publish.submission_received(session, assignment=assignment, submission=submission, version=version)
    project_handins.announce(session, assignment=assignment, submission=submission, version=version)
    return assignment, submission, version


def _accepted_before(session: Session, *, upload_id: str) -> tuple[Assignment, Submission, Version]:
    """Accepting an upload that is no longer staged: its version if it was accepted already."""
    upload = repository.get_upload(session, upload_id)
    if upload is None:
        raise not_found("upload")
    if upload.status != "accepted":
        raise ProblemError(410, "upload_gone", "This upload was discarded; upload again.")
    version = session.get(Version, upload.version_id)
    submission = repository.get_submission(session, version.submission_id)
    assignment = repository.get_assignment(session, upload.assignment_id)
    return assignment, submission, version


def withdraw(
    session: Session,
    *,
    submission_id: str,
    principal: Principal,
    course_id: str,
    close_grace_s: int,
) -> tuple[Submission, int]:
    """The owner withdraws the current version before the deadline; history stays readable."""
    found = repository.get_submission(session, submission_id)
    if found is None:
        raise not_found("submission")
    assignment = repository.get_assignment(session, found.assignment_id, lock="share")
    if assignment is None or assignment.course_id != course_id:
        raise not_found("submission")
    if not access.is_owner(session, principal, found):
        if access.can_read(session, principal, found, assignment):
            raise ProblemError(403, "forbidden", "Only the owner may withdraw a hand-in.")
        raise not_found("submission")
    stamp = now()
    closed = is_closed(session, assignment, at=stamp, close_grace_s=close_grace_s)
    access.check_window(assignment, received_at=stamp, closed=closed)
    submission = repository.find_submission(
        session, assignment_id=found.assignment_id, owner_id=found.owner_id, lock=True
    )
    if submission.current_version is None:
        raise conflict("nothing_to_withdraw", "There is no current hand-in to withdraw.")
    version = repository.get_version(session, submission.id, submission.current_version)
    version.withdrawn_at = stamp
    withdrawn = submission.current_version
    submission.current_version = None
    submission.updated_at = stamp
    session.add_all([version, submission])
    session.flush()
    publish.submission_withdrawn(
        session, assignment=assignment, submission=submission, withdrawn_by=principal.sub, at=stamp, version=withdrawn
    )
    return submission, withdrawn
