"""The review service's view of hand-ins (its projection of the submissions events)."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.review import repository as repo
from peerlab.review.routers.deps import IdsQuery, SettingsDep, split_ids
from peerlab.review.schemas import SubmissionPublic

router = APIRouter(prefix="/v1", tags=["submissions"])


@router.get("/submissions", response_model=list[SubmissionPublic])
def submissions_batch(
    session: SessionDep, _: StaffPrincipal, settings: SettingsDep, ids: IdsQuery = []
) -> list[SubmissionPublic]:
    rows = repo.submissions_by_ids(session, split_ids(ids, settings))
    return [SubmissionPublic.model_validate(r, from_attributes=True) for r in rows]


@router.get("/submissions/{submission_id}", response_model=SubmissionPublic)
def get_submission(submission_id: str, session: SessionDep, principal: CurrentPrincipal) -> SubmissionPublic:
    """A hand-in as this service knows it; its owner or staff only (others get 404)."""
    row = repo.get_submission(session, submission_id)
    if row is None or (row.owner_id != principal.sub and not principal.is_staff):
        raise not_found("submission")
    return SubmissionPublic.model_validate(row, from_attributes=True)
