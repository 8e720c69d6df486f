"""Reviewers' anonymised copies by task token: all a reviewer holds in the anonymous review flow."""

from __future__ import annotations

from fastapi import APIRouter

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.submissions.service.runtime import Runtime, in_transaction
from peerlab.submissions.routers.deps import RuntimeDep
from peerlab.submissions.schemas import DownloadLink
from peerlab.submissions.service import review_copies

router = APIRouter(prefix="/v1/review-copies", tags=["review copies"])


@router.get("/{task_token}", response_model=DownloadLink)
async def review_copy(task_token: str, principal: CurrentPrincipal, rt: RuntimeDep) -> DownloadLink:
    """The anonymised notebook of a review task (presigned GET, short expiry, named
    ``EXE_<token>.ipynb``) for the reviewer holding the token, and for staff. Anyone else gets
    404 whether or not the token exists. The answer names neither the submission nor its author
    (``size`` and ``sha256`` are null: the original's would identify it)."""
    source = await in_transaction(
        rt.engine,
        lambda session: review_copies.for_task_token(
            session, principal=principal, task_token=task_token, course_id=rt.settings.course_id
        ),
    )
    return await serve(rt, source)


async def serve(rt: Runtime, source: review_copies.CopySource) -> DownloadLink:
    """The copy's link; a copy made now is recorded with the identities it masks."""
    link, made = await review_copies.link(rt=rt, source=source)
    if made:
        await in_transaction(rt.engine, lambda session: review_copies.record_made(session, source=source))
    return link
