"""Verdicts: teachers (and TAs if allowed) judge a student's lab; the window-end rule judges the rest.

The latest verdict is the effective one. A verdict given while a resubmission awaits judgement
has origin ``resubmission`` and closes the resubmission's teacher-queue item.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.errors import ProblemError
from peerlab.review.events import publish
from peerlab.review.models import VerdictRow
from peerlab.review.schemas import VerdictUpdate
from peerlab.review.service import eligibility, lab_status, teacher_queue
from peerlab.review.settings import ReviewSettings


def set_verdict(session: Session, *, student_id: str, lab_number: int, data: VerdictUpdate, set_by: str,
                settings: ReviewSettings, course_id: str, now: datetime) -> VerdictRow:
    if not 1 <= lab_number <= settings.total_labs:
        raise ProblemError(422, "unknown_lab", f"Labs are numbered 1 to {settings.total_labs}.")
    state = lab_status.compute(session, student_ids=[student_id], total_labs=settings.total_labs, now=now)
    lab = state[student_id][lab_number - 1]
    origin = "resubmission" if lab.status == "resubmitted" else "teacher"
    row = record(session, student_id=student_id, lab_number=lab_number,
                 assignment_id=lab.assignment.assignment_id if lab.assignment else None, verdict=data.verdict,
                 origin=origin, reason=None, comment=data.comment, set_by=set_by, course_id=course_id, now=now)
    if origin == "resubmission":
        teacher_queue.resolve_open(session, kind="resubmission", student_id=student_id, lab_number=lab_number,
                                   resolved_by=set_by, resolution=f"verdict: {data.verdict}", now=now)
    eligibility.refresh(session, student_ids=[student_id], settings=settings, course_id=course_id, now=now)
    return row


def record(session: Session, *, student_id: str, lab_number: int, assignment_id: str | None, verdict: str,
           origin: str, reason: str | None, comment: str, set_by: str, course_id: str, now: datetime) -> VerdictRow:
    """Store a verdict and publish ``lab.verdict_set.v1``; eligibility is the caller's to refresh."""
    row = VerdictRow(student_id=student_id, lab_number=lab_number, assignment_id=assignment_id, verdict=verdict,
                     origin=origin, reason=reason, comment=comment, set_by=set_by, set_at=now)
    session.add(row)
    publish.verdict_set(session, verdict=row, course_id=course_id)
    return row
