"""The course's labs as assignments ``lab-1`` .. ``lab-k`` following the calendar (idempotent).

One lab per ``lab-k`` date the scheduling calendar has published; each is linked by ``date_key``,
so its deadline is the calendar's and moves with it.
"""

from __future__ import annotations

from sqlmodel import Session

from peerlab.chassis.errors import conflict
from peerlab.submissions.models import Assignment
from peerlab.submissions.schemas import AssignmentPut
from peerlab.submissions.service import calendar_dates
from peerlab.submissions.service.assignments import put_assignment


def lab_id(lab_number: int) -> str:
    return f"lab-{lab_number}"


def seed_labs(session: Session, *, course_id: str) -> tuple[list[Assignment], list[str]]:
    """Create or update the labs the calendar dates. Returns (labs, changed ids); 409
    ``calendar_date_unknown`` while the calendar has published no lab dates for the course."""
    labs = calendar_dates.lab_keys(session, course_id)
    if not labs:
        raise conflict("calendar_date_unknown", "The course calendar has published no lab dates (yet).")
    rows, changed = [], []
    for number, dated in labs:
        body = AssignmentPut(
            kind="lab", title=f"Lab {number}", lab_number=number, owner_type="student", date_key=dated.key
        )
        assignment, did_change = put_assignment(session, assignment_id=lab_id(number), body=body, course_id=course_id)
        rows.append(assignment)
        if did_change:
            changed.append(assignment.id)
    return rows, changed
