"""Deadlines from the course calendar (scheduling's ``term.dates_changed.v1``).

Each event carries every dated rule of the course with a revision: an older or repeated revision
changes nothing. An assignment linked to a rule by ``date_key`` follows it: its deadline (and its
opening, if not yet open) moves, with an audit entry and ``assignment.upserted.v1`` — unless the
deadline has passed or the assignment has closed, which never move.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, conflict
from peerlab.contracts.events.term import DatedRule
from peerlab.submissions import repository
from peerlab.submissions.events import publish
from peerlab.submissions.models import Assignment, CourseDate, CourseDatesRevision, DeadlineChange


def apply_dates(
    session: Session, *, course_id: str, revision: int, dates: Sequence[DatedRule], changed_by: str, now: datetime
) -> list[str]:
    """Apply a revision of the course's dates; returns the ids of the assignments whose deadline moved."""
    seen = session.get(CourseDatesRevision, course_id, with_for_update=True)
    if seen is not None and seen.revision >= revision:
        return []  # a redelivery or an older revision arriving late
    if seen is None:
        session.add(CourseDatesRevision(course_id=course_id, revision=revision, applied_at=now))
    else:
        seen.revision, seen.applied_at = revision, now
        session.add(seen)
    known = {r.key: r for r in session.scalars(select(CourseDate).where(CourseDate.course_id == course_id))}
    for rule in dates:
        row = known.get(rule.key) or CourseDate(course_id=course_id, key=rule.key, at=rule.at, revision=revision)
        row.at, row.opens_at, row.revision = rule.at, rule.opens_at, revision
        session.add(row)
    session.flush()
    by_key = {rule.key: rule for rule in dates}
    moved = []
    for assignment in linked_assignments(session, course_id=course_id, keys=list(by_key)):
        if follow(
            session,
            assignment,
            rule=by_key[assignment.date_key or ""],
            revision=revision,
            changed_by=changed_by,
            now=now,
        ):
            moved.append(assignment.id)
    return moved


def linked_assignments(session: Session, *, course_id: str, keys: list[str]) -> list[Assignment]:
    if not keys:
        return []
    return list(
        session.scalars(
            select(Assignment).where(Assignment.course_id == course_id, Assignment.date_key.in_(keys)).with_for_update()
        )
    )


def follow(
    session: Session, assignment: Assignment, *, rule: DatedRule, revision: int, changed_by: str, now: datetime
) -> bool:
    """Move one assignment's dates to the rule's; False when nothing moved (or it may not)."""
    old_deadline, new_deadline = assignment.deadline, rule.at
    new_opens = rule.opens_at
    opens_moves = (
        new_opens is not None
        and new_opens != assignment.opens_at
        and assignment.opens_at > now
        and new_opens < new_deadline
    )
    if old_deadline == new_deadline and not opens_moves:
        return False
    if old_deadline <= now or repository.closed_marker(session, assignment.id) is not None:
        return False  # a deadline that has passed never moves
    if new_deadline <= assignment.opens_at and not opens_moves:
        return False  # would close before it opens; the next revision will say more
    if opens_moves:
        assignment.opens_at = new_opens
    assignment.deadline = new_deadline
    assignment.updated_at = now
    assignment.revision += 1
    session.add(assignment)
    if old_deadline != new_deadline:
        session.add(
            DeadlineChange(
                assignment_id=assignment.id,
                date_key=rule.key,
                old_deadline=old_deadline,
                new_deadline=new_deadline,
                revision=revision,
                changed_by=changed_by,
                changed_at=now,
            )
        )
    session.flush()
    publish.assignment_upserted(session, assignment)
    return True


def calendar_date(session: Session, *, course_id: str, key: str) -> CourseDate:
    """The date an assignment linked to ``key`` takes; 409 when the calendar has not published it."""
    row = session.get(CourseDate, (course_id, key))
    if row is None:
        raise conflict(
            "calendar_date_unknown", f"The course calendar has no date {key!r} (yet): set the term in scheduling first."
        )
    return row


def refuse_manual_deadline(assignment: Assignment) -> None:
    if assignment.date_key:
        raise ProblemError(
            409,
            "deadline_from_calendar",
            f"This assignment's deadline follows the calendar's {assignment.date_key!r}; "
            "change the term in scheduling instead.",
        )


def changes(session: Session, assignment_id: str) -> list[DeadlineChange]:
    return list(
        session.scalars(
            select(DeadlineChange)
            .where(DeadlineChange.assignment_id == assignment_id)
            .order_by(DeadlineChange.changed_at, DeadlineChange.id)
        )
    )


def lab_keys(session: Session, course_id: str) -> list[tuple[int, CourseDate]]:
    """The calendar's ``lab-k`` dates of a course, by lab number."""
    out = []
    for row in session.scalars(select(CourseDate).where(CourseDate.course_id == course_id)):
        prefix, _, number = row.key.partition("-")
        if prefix == "lab" and number.isdigit():
            out.append((int(number), row))
    return sorted(out, key=lambda item: item[0])
