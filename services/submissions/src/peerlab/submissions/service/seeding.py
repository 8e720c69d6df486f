"""The course's 8 labs as assignments ``lab-1`` .. ``lab-8`` (idempotent)."""

from __future__ import annotations

from sqlmodel import Session

from peerlab.submissions.course_calendar import LabDates, all_lab_dates
from peerlab.submissions.models import Assignment
from peerlab.submissions.schemas import AssignmentPut
from peerlab.submissions.service.assignments import put_assignment


def lab_id(lab_number: int) -> str:
    return f"lab-{lab_number}"


def seed_labs(session: Session, *, course_id: str, labs: list[LabDates] | None = None) -> tuple[list[Assignment], list[str]]:
    """Create or update the labs (default dates: the course calendar rule). Returns (labs, changed ids)."""
    rows, changed = [], []
    for lab in labs or all_lab_dates():
        body = AssignmentPut(kind="lab", title=f"Lab {lab.lab_number}", lab_number=lab.lab_number,
                             owner_type="student", opens_at=lab.opens_at, deadline=lab.deadline)
        assignment, did_change = put_assignment(session, assignment_id=lab_id(lab.lab_number), body=body,
                                                course_id=course_id)
        rows.append(assignment)
        if did_change:
            changed.append(assignment.id)
    return rows, changed
