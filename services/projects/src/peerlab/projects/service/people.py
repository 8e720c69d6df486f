"""The people projection: roster enrolments (roles, programme) and eligibility from review."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.projects import repository as repo
from peerlab.projects.models import PersonRow
from peerlab.projects.service.supervision import may_supervise


def _person(session: Session, course_id: str, person_id: str, now: datetime) -> PersonRow:
    row = repo.get_person(session, course_id, person_id)
    if row is None:
        row = PersonRow(course_id=course_id, person_id=person_id, roles=[], enrolled=False, updated_at=now)
        session.add(row)
    return row


def record_enrolment(
    session: Session,
    *,
    course_id: str,
    person_id: str,
    roles: list[str],
    programme: str | None,
    now: datetime,
    email: str | None = None,
) -> PersonRow:
    row = _person(session, course_id, person_id, now)
    row.roles, row.programme, row.enrolled, row.updated_at = sorted(set(roles)), programme, True, now
    row.email = email.strip().lower() if email and email.strip() else None
    session.add(row)
    return row


def record_unenrolment(session: Session, *, course_id: str, person_id: str, now: datetime) -> PersonRow:
    row = _person(session, course_id, person_id, now)
    row.enrolled, row.updated_at = False, now
    session.add(row)
    return row


def record_eligibility(
    session: Session, *, course_id: str, person_id: str, status: str, at: datetime, now: datetime
) -> None:
    """Keep the newest status (events may be redelivered late)."""
    row = _person(session, course_id, person_id, now)
    if row.eligibility_at is not None and row.eligibility_at > at:
        return
    row.eligibility, row.eligibility_at, row.updated_at = status, at, now
    session.add(row)


def supervision_key(session: Session, *, course_id: str, person_id: str) -> tuple | None:
    """What of a person decides whether they supervise: (may supervise, e-mail, enrolled)."""
    row = repo.get_person(session, course_id, person_id)
    if row is None:
        return None
    return (may_supervise(row), row.email, row.enrolled)
