"""The course calendar's dates (scheduling's ``term.dates_changed.v1``): the selection deadline and the
end of the labs come from here, never from a setting or a copy of the week rule. Each event carries
every date with a revision; an older or repeated revision changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from peerlab.contracts.events.term import DatedRule
from peerlab.projects.models import CourseDateRow

SELECTION = "selection"
LABS_END = "labs-end"


def apply_dates(session: Session, *, course_id: str, revision: int, dates: Sequence[DatedRule]) -> bool:
    """Store a revision of the course's dates; False when a newer or the same one was applied already."""
    newest = session.scalar(select(func.max(CourseDateRow.revision)).where(CourseDateRow.course_id == course_id))
    if newest is not None and newest >= revision:
        return False
    known = {r.key: r for r in session.scalars(select(CourseDateRow).where(CourseDateRow.course_id == course_id))}
    for rule in dates:
        row = known.pop(rule.key, None) or CourseDateRow(
            course_id=course_id, key=rule.key, at=rule.at, revision=revision
        )
        row.at, row.revision = rule.at, revision
        session.add(row)
    for stale in known.values():  # a key the calendar no longer has
        session.delete(stale)
    session.flush()
    return True


def date_of(session: Session, course_id: str, key: str) -> datetime | None:
    row = session.get(CourseDateRow, (course_id, key))
    return row.at if row else None
