"""Assignments: create, replace, edit, read. Every change writes ``assignment.upserted.v1``.

A course has at most one lab of each number (review's lab status is per number): a create, PUT or
PATCH that would give a second lab the number answers 409 ``lab_number_taken``. The check here
gives the answer; the partial unique index decides between two concurrent requests.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.submissions import repository
from peerlab.chassis.clock import in_zone, now
from peerlab.submissions.events import publish
from peerlab.submissions.service import calendar_dates
from peerlab.submissions.models import Assignment
from peerlab.submissions.schemas import AssignmentPublic, AssignmentPut, AssignmentUpdate, FileRulesIn
from peerlab.submissions.validation import AssignmentFileRules, NotebookLimits, default_rules_for

OWNER_DEFAULT = {"lab": "student", "resubmission": "student", "synopsis": "group", "report": "group", "poster": "group"}


def file_rules(
    kind: str,
    overrides: FileRulesIn | None = None,
    *,
    report_soft_max_pages: int = 6,
    synopsis_max_pages: int = 1,
) -> AssignmentFileRules:
    """The kind's course defaults with the teacher's overrides applied; raises 422 if inconsistent."""
    base = default_rules_for(kind)  # type: ignore[arg-type]
    data: dict[str, Any] = base.model_dump()
    if kind == "report":
        data["soft_max_pages"] = report_soft_max_pages
    if kind == "synopsis":
        data["max_pages"] = synopsis_max_pages
    for field, value in (overrides.model_dump(exclude_none=True) if overrides else {}).items():
        data[field] = tuple(value) if field == "allowed_extensions" else value
    if base.notebook is not None:
        data["notebook"] = NotebookLimits(**{**base.notebook.model_dump(), "max_bytes": data["max_bytes"]})
    try:
        return AssignmentFileRules.model_validate(data)
    except ValueError as exc:
        raise ProblemError(422, "invalid_file_rules", str(exc)) from exc


def rules_of(assignment: Assignment) -> AssignmentFileRules:
    return AssignmentFileRules.model_validate(assignment.file_rules)


def to_public(assignment: Assignment, *, time_zone: str, closed: bool) -> AssignmentPublic:
    return AssignmentPublic(
        id=assignment.id,
        course_id=assignment.course_id,
        kind=assignment.kind,  # type: ignore[arg-type]
        lab_number=assignment.lab_number,
        title=assignment.title,
        owner_type=assignment.owner_type,  # type: ignore[arg-type]
        opens_at=assignment.opens_at,
        opens_at_local=in_zone(assignment.opens_at, time_zone),
        deadline=assignment.deadline,
        deadline_local=in_zone(assignment.deadline, time_zone),
        time_zone=time_zone,
        file_rules=dict(assignment.file_rules),
        resubmits_assignment_id=assignment.resubmits_assignment_id,
        date_key=assignment.date_key,
        closed=closed,
        revision=assignment.revision,
        close_grace_s=assignment.close_grace_s,
    )


def _course_time(value: datetime) -> datetime:
    """``value`` in UTC, refused unless it falls in a plausible course year: a time near year 1 or
    9999 with an offset cannot even be converted (OverflowError, which was a 500)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not 2000 <= utc.year <= 2100:
        raise ProblemError(422, "invalid_time", "Opening times and deadlines must fall between 2000 and 2100.")
    return utc


def _check_times(opens_at: datetime, deadline: datetime) -> None:
    if _course_time(deadline) <= _course_time(opens_at):
        raise ProblemError(422, "invalid_deadline", "The deadline must be after the opening time.")


def _check_resubmission(session: Session, kind: str, resubmits: str | None) -> None:
    if kind != "resubmission":
        if resubmits is not None:
            raise ProblemError(422, "invalid_assignment", "Only a resubmission names the lab it re-submits.")
        return
    if resubmits is None:
        raise ProblemError(422, "invalid_assignment", "A resubmission must name the lab it re-submits.")
    lab = repository.get_assignment(session, resubmits)
    if lab is None or lab.kind != "lab":
        raise ProblemError(422, "invalid_assignment", f"{resubmits!r} is not a lab assignment.")


def _ensure_lab_number_free(
    session: Session, *, course_id: str, kind: str, lab_number: int | None, assignment_id: str | None
) -> None:
    if kind != "lab" or lab_number is None:
        return
    holder = repository.lab_with_number(session, course_id=course_id, lab_number=lab_number)
    if holder is not None and holder.id != assignment_id:
        raise _lab_number_taken(lab_number, holder.id)


def _lab_number_taken(lab_number: int | None, holder_id: str | None = None) -> ProblemError:
    held = f" by {holder_id!r}" if holder_id else ""
    return conflict("lab_number_taken", f"Lab number {lab_number} is taken{held} in this course.")


def _flush(session: Session, assignment: Assignment) -> None:
    """Flush; a concurrent request that took the lab number first surfaces here, on the index."""
    try:
        session.flush()
    except IntegrityError as exc:
        if "lab_number" in str(exc.orig):
            raise _lab_number_taken(assignment.lab_number) from exc
        raise


def _ensure_deadline_editable(session: Session, assignment: Assignment, new_deadline: datetime | None) -> None:
    if new_deadline is None or new_deadline == assignment.deadline:
        return
    if repository.closed_marker(session, assignment.id) is not None:
        raise conflict("assignment_closed", "The assignment has closed; its deadline can no longer change.")


def put_assignment(
    session: Session,
    *,
    assignment_id: str | None,
    body: AssignmentPut,
    course_id: str,
    report_soft_max_pages: int = 6,
    synopsis_max_pages: int = 1,
) -> tuple[Assignment, bool]:
    """Create, or replace all fields of, an assignment. Returns (assignment, changed).

    Unchanged replacements write nothing and publish nothing, so the seeder may call it again.
    With ``date_key`` the deadline (and, if not given, the opening) is the calendar's date.
    """
    opens_at, deadline = body.opens_at, body.deadline
    if body.date_key:
        dated = calendar_dates.calendar_date(session, course_id=course_id, key=body.date_key)
        deadline = dated.at
        opens_at = opens_at or dated.opens_at
        if opens_at is None:
            raise ProblemError(
                422, "invalid_deadline", f"The calendar's {body.date_key!r} has no opening time; give opens_at."
            )
    assert opens_at is not None and deadline is not None  # the schema requires them without date_key
    _check_times(opens_at, deadline)
    _check_resubmission(session, body.kind, body.resubmits_assignment_id)
    rules = file_rules(
        body.kind, body.file_rules, report_soft_max_pages=report_soft_max_pages, synopsis_max_pages=synopsis_max_pages
    ).model_dump(mode="json")
    fields = {
        "kind": body.kind,
        "title": body.title,
        "lab_number": body.lab_number,
        "owner_type": body.owner_type or OWNER_DEFAULT[body.kind],
        "opens_at": opens_at,
        "deadline": deadline,
        "file_rules": rules,
        "resubmits_assignment_id": body.resubmits_assignment_id,
        "date_key": body.date_key,
        "close_grace_s": body.close_grace_s,
    }
    existing = repository.get_assignment(session, assignment_id, lock="update") if assignment_id else None
    stamp = now()
    if existing is None:
        _ensure_lab_number_free(
            session, course_id=course_id, kind=body.kind, lab_number=body.lab_number, assignment_id=assignment_id
        )
        assignment = Assignment(
            id=assignment_id or f"a-{uuid.uuid4().hex[:12]}",
            course_id=course_id,
            created_at=stamp,
            updated_at=stamp,
            revision=1,
            **fields,
        )
        session.add(assignment)
        _flush(session, assignment)
        publish.assignment_upserted(session, assignment)
        return assignment, True
    if existing.course_id != course_id:
        raise not_found("assignment")
    if existing.kind != body.kind:
        raise conflict("kind_immutable", "An assignment's kind cannot change.")
    current = {k: getattr(existing, k) for k in fields}
    if current == fields:
        return existing, False
    _ensure_deadline_editable(session, existing, fields["deadline"])
    _ensure_lab_number_free(
        session, course_id=course_id, kind=body.kind, lab_number=body.lab_number, assignment_id=existing.id
    )
    for key, value in fields.items():
        setattr(existing, key, value)
    existing.updated_at = stamp
    existing.revision += 1
    session.add(existing)
    _flush(session, existing)
    publish.assignment_upserted(session, existing)
    return existing, True


def update_assignment(
    session: Session,
    *,
    assignment_id: str,
    body: AssignmentUpdate,
    course_id: str,
    report_soft_max_pages: int = 6,
    synopsis_max_pages: int = 1,
) -> Assignment:
    assignment = repository.get_assignment(session, assignment_id, lock="update")
    if assignment is None or assignment.course_id != course_id:
        raise not_found("assignment")
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        return assignment
    if body.deadline is not None and _course_time(body.deadline) != assignment.deadline:
        calendar_dates.refuse_manual_deadline(assignment)
    opens_at = _course_time(body.opens_at or assignment.opens_at)
    deadline = _course_time(body.deadline or assignment.deadline)
    _check_times(opens_at, deadline)
    _ensure_deadline_editable(session, assignment, body.deadline)
    if "lab_number" in changes:
        _ensure_lab_number_free(
            session, course_id=course_id, kind=assignment.kind, lab_number=body.lab_number, assignment_id=assignment.id
        )
        assignment.lab_number = body.lab_number
    if body.title is not None:
        assignment.title = body.title
    if body.owner_type is not None:
        assignment.owner_type = body.owner_type
    if "close_grace_s" in changes:
        assignment.close_grace_s = body.close_grace_s
    if "file_rules" in changes:
        assignment.file_rules = file_rules(
            assignment.kind,
            body.file_rules,
            report_soft_max_pages=report_soft_max_pages,
            synopsis_max_pages=synopsis_max_pages,
        ).model_dump(mode="json")
    assignment.opens_at, assignment.deadline = opens_at, deadline
    assignment.updated_at = now()
    assignment.revision += 1
    session.add(assignment)
    _flush(session, assignment)
    publish.assignment_upserted(session, assignment)
    return assignment


def get_assignment(session: Session, *, assignment_id: str, course_id: str) -> Assignment:
    assignment = repository.get_assignment(session, assignment_id)
    if assignment is None or assignment.course_id != course_id:
        raise not_found("assignment")
    return assignment


def publics(session: Session, assignments: list[Assignment], *, time_zone: str) -> list[AssignmentPublic]:
    closed = repository.closed_ids(session, (a.id for a in assignments))
    return [to_public(a, time_zone=time_zone, closed=a.id in closed) for a in assignments]
