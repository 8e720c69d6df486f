"""A visit plan goes stale when the day changes under it: a group books, moves or cancels its slot,
an examiner's availability on that day changes (or the examiner is removed), or a booked group's
supervisors or members change (who may visit it, how long a visit takes).

The draft and the published plan of the day both record the change (a draft published later stays
stale: it was made before the change). A change to a published plan also publishes
``visit_plan.stale.v1`` in the change's transaction. Planning again makes a fresh draft, and
publishing a fresh draft makes a fresh published plan: that is how staleness ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from peerlab.scheduling import repository as repo
from peerlab.scheduling.events import exam_publish
from peerlab.scheduling.exam_models import VisitPlan

STATES = ("published", "draft")  # the order ``visit_plans.publish`` locks them in


def mark_stale(
    session: Session,
    *,
    course_id: str,
    exam_day_id: str,
    code: str,
    now: datetime,
    group_id: str | None = None,
    examiner_id: str | None = None,
) -> None:
    """Record the change on the day's plans, if it has any (a day without a plan costs one read)."""
    reason: dict[str, Any] = {"code": code, "group_id": group_id, "examiner_id": examiner_id, "at": now.isoformat()}
    for state in STATES:
        if session.get(VisitPlan, (course_id, exam_day_id, state)) is None:
            continue
        plan = _locked(session, (course_id, exam_day_id, state))
        if plan is None:
            continue
        plan.stale_since = plan.stale_since or now
        plan.stale_reasons = [*plan.stale_reasons, reason]
        session.add(plan)
        session.flush()
        if state == "published":
            exam_publish.plan_stale(session, plan=plan, reason=reason)


def _locked(session: Session, key: tuple[str, str, str]) -> VisitPlan | None:
    """The plan row, locked. A plan replaced while this waited for the lock (a re-plan or a
    publication committing) is gone; the one that replaced it, read again, was made without this
    change (still uncommitted), so it is the one to mark."""
    for _ in range(2):
        plan = session.get(VisitPlan, key, with_for_update=True, populate_existing=True)
        if plan is not None:
            return plan
    return None


def group_changed(session: Session, *, course_id: str, group_id: str, code: str, now: datetime) -> None:
    """The plan of the day the group is booked on, if it is booked."""
    booking = repo.get_booking(session, course_id, group_id)
    slot = repo.get_slot(session, course_id, booking.slot_id) if booking is not None else None
    if slot is not None:
        mark_stale(session, course_id=course_id, exam_day_id=slot.exam_day_id, code=code, group_id=group_id, now=now)


def availability_changed(
    session: Session,
    *,
    course_id: str,
    examiner_id: str,
    before: Iterable[dict[str, Any]],
    after: Iterable[dict[str, Any]],
    now: datetime,
    removed: bool = False,
) -> None:
    """Every exam day whose windows of this examiner differ before and after the change."""
    old, new = _by_day(before), _by_day(after)
    code = "examiner_removed" if removed else "availability_changed"
    for day in sorted(d for d in old.keys() | new.keys() if old.get(d) != new.get(d)):
        mark_stale(session, course_id=course_id, exam_day_id=day, code=code, examiner_id=examiner_id, now=now)


def _by_day(windows: Iterable[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    days: dict[str, list[tuple[str, str]]] = {}
    for w in windows:
        days.setdefault(w["exam_day_id"], []).append(
            (datetime.fromisoformat(w["starts_at"]).isoformat(), datetime.fromisoformat(w["ends_at"]).isoformat())
        )
    return {day: sorted(spans) for day, spans in days.items()}
