"""Free poster prints: a limited number (``print_quota``), first come first served, one per group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import conflict
from peerlab.scheduling import repository as repo
from peerlab.scheduling.models import PrintRequest
from peerlab.scheduling.schemas import PrintQuotaPublic, PrintRequestPublic
from peerlab.scheduling.service.bookings import ensure_may_act_for_group


def quota(session: Session, *, course_id: str, quota: int) -> PrintQuotaPublic:
    granted = repo.prints_granted(session, course_id)
    return PrintQuotaPublic(course_id=course_id, quota=quota, granted=granted, remaining=max(0, quota - granted))


def request_print(
    session: Session, *, course_id: str, group_id: str, principal: Principal, quota: int, now: datetime
) -> tuple[PrintRequest, bool]:
    """Grant the group a free print if any are left; asking again returns the same grant."""
    ensure_may_act_for_group(session, course_id=course_id, group_id=group_id, principal=principal)
    existing = repo.get_print_request(session, course_id, group_id)
    if existing is not None:
        return existing, False
    repo.ensure_print_counter(session, course_id)
    position = repo.take_print(session, course_id, quota)
    if position is None:
        raise conflict("print_quota_exhausted", f"All {quota} free poster prints have been given out.")
    row = PrintRequest(
        course_id=course_id, group_id=group_id, position=position, requested_by=principal.sub, requested_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise conflict("print_already_requested", "The group asked at the same moment; try again.") from exc
    return row, True


def to_public(row: PrintRequest) -> PrintRequestPublic:
    return PrintRequestPublic.model_validate(row, from_attributes=True)
