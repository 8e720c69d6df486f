"""Reviewers' anonymised copies: who may have which notebook anonymised, and the copy's link.

Two ways in, one copy: by submission id for the allocated reviewer (``GET
/v1/submissions/{id}/anonymised``), and by task token (``GET /v1/review-copies/{token}``), which
is all a reviewer holds in the anonymous review flow. The copy is made once per allocation token
(in a validation worker, from the current version) and stored under
``anonymised/<token>/v<n>.r<revision>``: neither the key nor the link names the submission, the
version's id or the author. ``ANONYMISER_REVISION`` is raised whenever the anonymiser learns to
remove more, so a copy made by an older one is never served again (it is made anew).

The authors' identity comes from this service's projections: the owner (or every member of the
owning group), whoever uploaded the version, and what names them (``PersonAlias``: roster names
and e-mails, the names their tokens carried). ``ReviewCopy`` remembers a digest of the identities
a stored copy masks; when they have changed since (a name learnt later), the copy is made anew.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import not_found
from peerlab.chassis.storage import StorageUnavailable
from peerlab.submissions import repository
from peerlab.submissions.anonymise import anonymised_file_name
from peerlab.chassis.clock import now
from peerlab.submissions.models import Assignment, Submission
from peerlab.submissions.schemas import DownloadLink
from peerlab.submissions.service import access
from peerlab.submissions.service.assignments import rules_of
from peerlab.submissions.stored import anonymise_stored
from peerlab.submissions.service.runtime import Runtime
from peerlab.submissions.validation import NotebookLimits

COPY_PREFIX = "anonymised/"
ANONYMISER_REVISION = 2  # 2: authors' names and e-mails masked, image metadata removed


@dataclass(frozen=True)
class CopySource:
    """What making and linking one anonymised copy needs (plain values, read in one transaction)."""

    src_key: str
    version: int
    task_token: str
    limits: NotebookLimits
    identities: tuple[str, ...] = ()
    made_for: str | None = None  # the identities digest of the stored copy, if one was made

    @property
    def identities_digest(self) -> str:
        return hashlib.sha256("\x1f".join(sorted(self.identities)).encode()).hexdigest()

    @property
    def copy_key(self) -> str:
        return f"{COPY_PREFIX}{self.task_token}/v{self.version}.r{ANONYMISER_REVISION}"

    @property
    def file_name(self) -> str:
        return anonymised_file_name(self.task_token)


def _source(session: Session, *, submission: Submission, assignment: Assignment, task_token: str) -> CopySource | None:
    """The current version of a lab notebook; None for other kinds or a withdrawn hand-in."""
    if assignment.kind != "lab" or submission.current_version is None:
        return None
    version = repository.get_version(session, submission.id, submission.current_version)
    if version is None:
        return None
    source = CopySource(
        src_key=version.object_key,
        version=version.version,
        task_token=task_token,
        limits=rules_of(assignment).notebook,
        identities=authors_identities(session, submission=submission, submitted_by=version.submitted_by),
    )
    return replace(source, made_for=repository.review_copy_digest(session, source.copy_key))


def authors_identities(session: Session, *, submission: Submission, submitted_by: str) -> tuple[str, ...]:
    """Every string that names an author of ``submission``: the person ids of the owner (or of
    every member of the owning group) and of whoever uploaded any of its versions, and their
    known names and e-mails."""
    versions = repository.versions_of(session, [submission.id])[submission.id]
    people = {submitted_by, *(v.submitted_by for v in versions)}
    if submission.owner_type == "group":
        people.update(m.member_id for m in repository.group_members(session, submission.owner_id))
    else:
        people.add(submission.owner_id)
    people.discard("")
    return tuple(sorted(people)) + tuple(repository.aliases_of(session, sorted(people)))


def for_submission(session: Session, *, principal: Principal, submission_id: str, course_id: str) -> CopySource:
    """For the reviewer the submission is allocated to: 404 if unknown, 403 if not allocated to
    the caller (or a resubmission), 404 if there is no notebook to copy."""
    submission = repository.get_submission(session, submission_id)
    assignment = repository.get_assignment(session, submission.assignment_id) if submission else None
    if submission is None or assignment is None or assignment.course_id != course_id:
        raise not_found("submission")
    allocation = access.reviewer_allocation(session, principal=principal, submission=submission, assignment=assignment)
    source = _source(session, submission=submission, assignment=assignment, task_token=allocation.task_token)
    if source is None:
        raise not_found("notebook")
    return source


def for_task_token(session: Session, *, principal: Principal, task_token: str, course_id: str) -> CopySource:
    """For the reviewer holding ``task_token``, and for staff (a teacher handling a flag sees
    exactly what the reviewer saw). Everyone else, an unknown token, a resubmission (teachers
    only, and never anonymised) or a withdrawn hand-in: the same 404, so a token's existence is
    not revealed."""
    missing = not_found("review copy")
    allocation = repository.allocation_by_token(
        session, task_token=task_token, reviewer_id=None if principal.is_staff else principal.sub
    )
    submission = repository.get_submission(session, allocation.submission_id) if allocation else None
    assignment = repository.get_assignment(session, submission.assignment_id) if submission else None
    if (
        allocation is None
        or submission is None
        or assignment is None
        or assignment.course_id != course_id
        or assignment.kind == "resubmission"
    ):
        raise missing
    source = _source(session, submission=submission, assignment=assignment, task_token=allocation.task_token)
    if source is None:
        raise missing
    return source


def record_made(session: Session, *, source: CopySource) -> None:
    """Remember which identities the copy just made masks (the caller commits)."""
    repository.record_review_copy(
        session, copy_key=source.copy_key, identities_digest=source.identities_digest, at=now()
    )


async def link(*, rt: Runtime, source: CopySource) -> tuple[DownloadLink, bool]:
    """Make the copy if it is not stored yet, or was made to mask other identities than the
    authors' known now (in a validation worker: the API process never holds the notebook), then
    a presigned GET with a short expiry, named ``EXE_<token>.ipynb``. Also returns whether the
    copy was made now (then ``record_made`` it)."""
    settings = rt.settings
    made = False
    if source.made_for != source.identities_digest or await run_in_threadpool(rt.store.stat, source.copy_key) is None:
        outcome = await rt.pool.run(
            anonymise_stored,
            timeout_s=settings.validation_timeout_s,
            config=rt.store_config,
            src_key=source.src_key,
            dst_key=source.copy_key,
            token=source.task_token,
            limits=source.limits,
            identities=source.identities,
        )
        if outcome.status == "storage_unavailable":
            raise StorageUnavailable(outcome.detail)
        if outcome.status != "ok":
            raise not_found("notebook")
        made = True
    expiry = settings.download_url_expiry_s
    expires_at = now() + timedelta(seconds=expiry)
    url = await run_in_threadpool(
        rt.store.presigned_get, source.copy_key, expires_s=expiry, download_name=source.file_name
    )
    return DownloadLink(url=url, file_name=source.file_name, expires_at=expires_at), made
