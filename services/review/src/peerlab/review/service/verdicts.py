"""Verdicts: teachers (and TAs if allowed) judge a student's lab; the window-end rule judges the rest.

The latest verdict is the effective one. A verdict given while a resubmission awaits judgement
has origin ``resubmission`` and closes the resubmission's teacher-queue item; any verdict closes
the ``submission_withdrawn`` item of a hand-in withdrawn from peer review (it waited for one).

Guards against rules broken by accident: the student must be known and enrolled; a pass needs
something to judge (an on-time hand-in or a resubmission), else 409 ``not_handed_in``. A teacher
who means it passes with ``without_hand_in`` and an ``override_reason``: the verdict carries reason
``without_hand_in`` and an audit entry records who, when and why.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, conflict
from peerlab.review import repository as repo
from peerlab.review.events import publish
from peerlab.review.models import AuditEntryRow, VerdictRow
from peerlab.review.schemas import VerdictUpdate
from peerlab.review.service import eligibility, lab_status, teacher_queue
from peerlab.review.service.common import new_id
from peerlab.review.service.lab_status import WITHOUT_HAND_IN, LabState
from peerlab.review.settings import ReviewSettings

PASS_WITHOUT_HAND_IN = "pass_without_hand_in"


def set_verdict(
    session: Session,
    *,
    student_id: str,
    lab_number: int,
    data: VerdictUpdate,
    set_by: str,
    settings: ReviewSettings,
    course_id: str,
    now: datetime,
) -> VerdictRow:
    if not 1 <= lab_number <= settings.total_labs:
        raise ProblemError(422, "unknown_lab", f"Labs are numbered 1 to {settings.total_labs}.")
    student = repo.get_student(session, student_id)
    if student is None:
        raise ProblemError(404, "unknown_student", f"No student {student_id} is known to the review service.")
    if not student.enrolled:
        raise conflict("student_not_enrolled", f"{student_id} is no longer enrolled in the course.")
    state = lab_status.compute(session, student_ids=[student_id], total_labs=settings.total_labs, now=now)
    lab = state[student_id][lab_number - 1]
    reason = _check_override(lab, data)
    origin = "resubmission" if lab.status == "resubmitted" else "teacher"
    row = record(
        session,
        student_id=student_id,
        lab_number=lab_number,
        assignment_id=lab.assignment.assignment_id if lab.assignment else None,
        verdict=data.verdict,
        origin=origin,
        reason=WITHOUT_HAND_IN if reason else None,
        comment=data.comment,
        set_by=set_by,
        course_id=course_id,
        now=now,
    )
    if reason:
        session.add(
            AuditEntryRow(
                id=new_id(),
                action=PASS_WITHOUT_HAND_IN,
                actor=set_by,
                student_id=student_id,
                lab_number=lab_number,
                reason=reason,
                created_at=now,
            )
        )
    if origin == "resubmission":
        teacher_queue.resolve_open(
            session,
            kind="resubmission",
            student_id=student_id,
            lab_number=lab_number,
            resolved_by=set_by,
            resolution=f"verdict: {data.verdict}",
            now=now,
        )
    # a hand-in withdrawn from peer review waited for exactly this verdict
    teacher_queue.resolve_open(
        session,
        kind="submission_withdrawn",
        student_id=student_id,
        lab_number=lab_number,
        resolved_by=set_by,
        resolution=f"verdict: {data.verdict}",
        now=now,
    )
    eligibility.refresh(session, student_ids=[student_id], settings=settings, course_id=course_id, now=now)
    return row


def _check_override(lab: LabState, data: VerdictUpdate) -> str | None:
    """The audited reason when this is a deliberate pass without a hand-in; raises on a rule break."""
    reason = (data.override_reason or "").strip()
    if not data.without_hand_in:
        if reason:
            raise ProblemError(
                422, "unexpected_override_reason", "override_reason goes with without_hand_in: true only."
            )
        if data.verdict == "pass" and not lab.handed_in:
            why = "was handed in late (deadlines are strict)" if lab.late else "was not handed in"
            raise conflict(
                "not_handed_in",
                f"Lab {lab.lab_number} of {lab.student_id} {why}; to pass it anyway, send "
                "without_hand_in: true with an override_reason (it is audited).",
            )
        return None
    if data.verdict != "pass":
        raise ProblemError(
            422, "override_only_for_pass", "without_hand_in is for passing a lab; a fail needs no override."
        )
    if not reason:
        raise ProblemError(
            422, "override_reason_required", "Say why the lab passes without a hand-in (override_reason)."
        )
    if lab.handed_in:
        raise conflict(
            "handed_in", f"Lab {lab.lab_number} of {lab.student_id} was handed in; pass it without the override."
        )
    return reason


def record(
    session: Session,
    *,
    student_id: str,
    lab_number: int,
    assignment_id: str | None,
    verdict: str,
    origin: str,
    reason: str | None,
    comment: str,
    set_by: str,
    course_id: str,
    now: datetime,
) -> VerdictRow:
    """Store a verdict and publish ``lab.verdict_set.v1``; eligibility is the caller's to refresh."""
    row = VerdictRow(
        student_id=student_id,
        lab_number=lab_number,
        assignment_id=assignment_id,
        verdict=verdict,
        origin=origin,
        reason=reason,
        comment=comment,
        set_by=set_by,
        set_at=now,
    )
    session.add(row)
    publish.verdict_set(session, verdict=row, course_id=course_id)
    return row
