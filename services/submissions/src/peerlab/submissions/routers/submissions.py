"""Reading hand-ins (batch reads for the gateway's loaders), downloads, withdrawal."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import Session

from peerlab.chassis.auth import CurrentPrincipal, Principal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import ProblemError, not_found
from peerlab.chassis.requests import split_ids
from peerlab.submissions import repository
from peerlab.submissions.service.runtime import in_transaction
from peerlab.chassis.clock import now
from peerlab.submissions.models import Assignment, Submission, Version
from peerlab.submissions.routers.deps import IdList, RuntimeDep, SettingsDep
from peerlab.submissions.routers.review_copies import serve as serve_review_copy
from peerlab.submissions.schemas import DownloadLink, Receipt, SubmissionPage, SubmissionPublic, WithdrawResult
from peerlab.submissions.service import access, handins, review_copies, views

router = APIRouter(prefix="/v1/submissions", tags=["submissions"])

# Versions count from 1 and are stored in an INTEGER column: a larger number is a 422, not a query
# that the database refuses (integer out of range, which was a 500).
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _visible(session: Session, principal: Principal, submission: Submission, course_id: str) -> Assignment | None:
    assignment = repository.get_assignment(session, submission.assignment_id)
    if assignment is None or assignment.course_id != course_id:
        return None
    return assignment if access.can_read(session, principal, submission, assignment) else None


def _readable(
    session: Session, principal: Principal, submission_id: str, course_id: str
) -> tuple[Submission, Assignment]:
    """The submission if the caller may read it; 404 otherwise (existence is not revealed)."""
    submission = repository.get_submission(session, submission_id)
    assignment = _visible(session, principal, submission, course_id) if submission else None
    if assignment is None:
        raise not_found("submission")
    return submission, assignment


@router.get("", response_model=SubmissionPage)
def list_submissions(
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    ids: IdList,
    owner_ids: Annotated[str | None, Query(description="Comma-separated owner ids (students or groups)")] = None,
    assignment_id: Annotated[str | None, Query()] = None,
) -> SubmissionPage:
    """Batch reads: ``?ids=a,b`` (in that order), or by ``owner_ids`` and/or ``assignment_id``.

    A student sees only their own and their groups' hand-ins; others are silently left out.
    """
    if ids is not None:
        rows = repository.submissions_by_ids(session, ids)
        order = {i: n for n, i in enumerate(ids)}
        rows.sort(key=lambda s: order[s.id])
    else:
        owners = split_ids(owner_ids) or None
        if not principal.is_staff:
            mine = access.owner_ids_visible_to(session, principal)
            owners = [o for o in owners if o in mine] if owners else mine
        if owners is None and assignment_id is None:
            raise ProblemError(422, "filter_required", "Give ids, owner_ids or assignment_id.")
        rows = repository.submissions_for(session, owner_ids=owners, assignment_id=assignment_id)
    visible = access.readable(session, principal, rows, course_id=settings.course_id)
    return SubmissionPage(items=views.submissions_public(session, visible))


@router.get("/{submission_id}", response_model=SubmissionPublic)
def get_submission(
    submission_id: str, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> SubmissionPublic:
    submission, _ = _readable(session, principal, submission_id, settings.course_id)
    return views.submissions_public(session, [submission])[0]


def _version(session: Session, submission: Submission, number: int) -> Version:
    version = repository.get_version(session, submission.id, number)
    if version is None:
        raise not_found("version")
    return version


@router.get("/{submission_id}/versions/{version}/download", response_model=DownloadLink)
def download_version(
    submission_id: str,
    version: VersionNumber,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    rt: RuntimeDep,
) -> DownloadLink:
    """A presigned GET (short expiry) for the owner or staff; any version, current or not."""
    submission, _ = _readable(session, principal, submission_id, settings.course_id)
    row = _version(session, submission, version)
    expiry = settings.download_url_expiry_s
    url = rt.store.presigned_get(row.object_key, expires_s=expiry, download_name=row.file_name)
    return DownloadLink(
        url=url, file_name=row.file_name, expires_at=now() + timedelta(seconds=expiry), size=row.size, sha256=row.sha256
    )


@router.get("/{submission_id}/versions/{version}/receipt", response_model=Receipt)
def version_receipt(
    submission_id: str,
    version: VersionNumber,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    rt: RuntimeDep,
) -> Receipt:
    """The signed receipt of a version again (for a client that lost the first response)."""
    submission, _ = _readable(session, principal, submission_id, settings.course_id)
    return views.receipt_for(_version(session, submission, version), rt.signer)


@router.post("/{submission_id}/withdraw", response_model=WithdrawResult)
def withdraw(
    submission_id: str, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal
) -> WithdrawResult:
    """Withdraw the current version before the deadline (``submission.withdrawn.v1``)."""
    submission, number = handins.withdraw(
        session,
        submission_id=submission_id,
        principal=principal,
        course_id=settings.course_id,
        close_grace_s=settings.close_grace_s,
    )
    return WithdrawResult(submission=views.submissions_public(session, [submission])[0], withdrawn_version=number)


@router.get("/{submission_id}/anonymised", response_model=DownloadLink)
async def anonymised_copy(submission_id: str, principal: CurrentPrincipal, rt: RuntimeDep) -> DownloadLink:
    """For a reviewer the submission is allocated to: the current version, anonymised, named
    ``EXE_<token>.ipynb`` (presigned GET, short expiry). ``/v1/review-copies/{token}`` gives the
    same copy by task token."""
    source = await in_transaction(
        rt.engine,
        lambda session: review_copies.for_submission(
            session, principal=principal, submission_id=submission_id, course_id=rt.settings.course_id
        ),
    )
    return await serve_review_copy(rt, source)
