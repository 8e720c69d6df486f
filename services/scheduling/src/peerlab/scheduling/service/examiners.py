"""Examiners and their availability; who supervises a group; the people projection.

Supervision comes from two places: the supervisor e-mails of the group's project in the catalogue
(``project.assigned.v1``, matched against the examiner's e-mail, case-insensitively) and person ids
that staff record by hand (for supervisors whose e-mail is missing from the catalogue or differs).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, not_found
from peerlab.scheduling import repository as repo
from peerlab.scheduling.exam_models import Examiner, GroupSupervision, PersonRow
from peerlab.scheduling.exam_schemas import AvailabilityIn, ExaminerPublic, ExaminerPut, SupervisionPublic
from peerlab.scheduling.service import plan_staleness


def put_examiner(session: Session, *, course_id: str, person_id: str, body: ExaminerPut, now: datetime) -> Examiner:
    for window in body.availability:
        day = repo.get_exam_day(session, course_id, window.exam_day_id)
        if day is None:
            raise ProblemError(422, "unknown_exam_day", f"No exam day {window.exam_day_id!r} in {course_id}.")
        if window.starts_at < day.starts_at or window.ends_at > day.ends_at:
            raise ProblemError(
                422, "window_outside_exam_day", f"A window of {person_id} lies outside exam day {window.exam_day_id}."
            )
    availability = [
        {"exam_day_id": w.exam_day_id, "starts_at": w.starts_at.isoformat(), "ends_at": w.ends_at.isoformat()}
        for w in body.availability
    ]
    row = session.get(Examiner, (course_id, person_id))
    before = list(row.availability) if row is not None else []
    if row is None:
        row = Examiner(course_id=course_id, person_id=person_id, availability=availability, updated_at=now)
    plan_staleness.availability_changed(
        session, course_id=course_id, examiner_id=person_id, before=before, after=availability, now=now
    )
    row.name, row.email, row.availability, row.updated_at = body.name, body.email, availability, now
    session.add(row)
    return row


def get_examiner(session: Session, *, course_id: str, person_id: str) -> Examiner:
    row = session.get(Examiner, (course_id, person_id))
    if row is None:
        raise not_found("Examiner")
    return row


def list_examiners(session: Session, *, course_id: str) -> list[Examiner]:
    return list(session.scalars(select(Examiner).where(Examiner.course_id == course_id).order_by(Examiner.person_id)))


def delete_examiner(session: Session, *, course_id: str, person_id: str, now: datetime) -> None:
    row = get_examiner(session, course_id=course_id, person_id=person_id)
    plan_staleness.availability_changed(
        session, course_id=course_id, examiner_id=person_id, before=row.availability, after=[], now=now, removed=True
    )
    session.delete(row)


def windows_on(examiner: Examiner, exam_day_id: str) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.fromisoformat(w["starts_at"]), datetime.fromisoformat(w["ends_at"]))
        for w in examiner.availability
        if w["exam_day_id"] == exam_day_id
    ]


def to_public(row: Examiner) -> ExaminerPublic:
    return ExaminerPublic(
        course_id=row.course_id,
        person_id=row.person_id,
        name=row.name,
        email=row.email,
        availability=[AvailabilityIn.model_validate(w) for w in row.availability],
        updated_at=row.updated_at,
    )


# --- supervision ------------------------------------------------------------------------------
def _supervision(session: Session, course_id: str, group_id: str) -> GroupSupervision:
    row = session.get(GroupSupervision, (course_id, group_id))
    return row or GroupSupervision(course_id=course_id, group_id=group_id, supervisor_emails=[], supervisor_ids=[])


def apply_project_assigned(
    session: Session, *, course_id: str, group_id: str, project_id: str, supervisor_emails: list[str], at: datetime
) -> bool:
    """Record the group's project and its supervisors' e-mails; an older assignment never wins."""
    row = _supervision(session, course_id, group_id)
    if row.assigned_at is not None and row.assigned_at > at:
        return False
    emails = sorted({e.strip().lower() for e in supervisor_emails if e.strip()})
    if emails != row.supervisor_emails:
        plan_staleness.group_changed(
            session, course_id=course_id, group_id=group_id, code="supervision_changed", now=at
        )
    row.project_id, row.assigned_at, row.supervisor_emails = project_id, at, emails
    session.add(row)
    return True


def put_supervisors(
    session: Session, *, course_id: str, group_id: str, supervisor_ids: list[str], now: datetime
) -> GroupSupervision:
    row = _supervision(session, course_id, group_id)
    if sorted(set(supervisor_ids)) != row.supervisor_ids:
        plan_staleness.group_changed(
            session, course_id=course_id, group_id=group_id, code="supervision_changed", now=now
        )
    row.supervisor_ids = sorted(set(supervisor_ids))
    session.add(row)
    return row


def supervision_public(session: Session, *, course_id: str, group_id: str) -> SupervisionPublic:
    row = _supervision(session, course_id, group_id)
    return SupervisionPublic(
        course_id=course_id,
        group_id=group_id,
        project_id=row.project_id,
        supervisor_emails=row.supervisor_emails,
        supervisor_ids=row.supervisor_ids,
    )


def supervisors_among(session: Session, *, course_id: str, group_id: str, examiners: list[Examiner]) -> set[str]:
    """The ids of the examiners who supervise the group."""
    row = _supervision(session, course_id, group_id)
    emails, ids = set(row.supervisor_emails), set(row.supervisor_ids)
    return {e.person_id for e in examiners if e.person_id in ids or (e.email and e.email.strip().lower() in emails)}


# --- people projection ------------------------------------------------------------------------
def apply_person(
    session: Session,
    *,
    course_id: str,
    person_id: str,
    name: str | None,
    email: str | None,
    programme: str | None,
    at: datetime,
) -> bool:
    row = session.get(PersonRow, (course_id, person_id))
    if row is not None and row.changed_at > at:
        return False
    row = row or PersonRow(course_id=course_id, person_id=person_id, changed_at=at)
    row.programme, row.changed_at = programme, at
    row.name = name if name is not None else row.name
    row.email = email if email is not None else row.email
    session.add(row)
    return True


def people(session: Session, *, course_id: str, person_ids: list[str]) -> dict[str, PersonRow]:
    if not person_ids:
        return {}
    stmt = select(PersonRow).where(PersonRow.course_id == course_id, PersonRow.person_id.in_(person_ids))
    return {row.person_id: row for row in session.scalars(stmt)}


def presenting_members(session: Session, *, course_id: str, member_ids: list[str]) -> list[str]:
    """Members who present a poster: everyone but PhD students (an unknown programme presents)."""
    known = people(session, course_id=course_id, person_ids=member_ids)
    return [m for m in member_ids if not (m in known and known[m].programme == "phd")]
