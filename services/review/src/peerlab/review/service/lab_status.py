"""Lab status per student per lab: not handed in / pending / passed / failed / resubmitted.

Rules (RULES.md): only an on-time final hand-in counts; the latest verdict is the effective one
(a teacher's verdict replaces the window-end default, a resubmission verdict replaces a fail); a
resubmission newer than the latest verdict puts the lab back to ``resubmitted`` until judged.

A pass counts only for a lab that was handed in (on time, or resubmitted to the teacher), or when a
teacher passed it explicitly without a hand-in (verdict reason ``without_hand_in``, audited). A
pass whose hand-in is gone (withdrawn afterwards) no longer counts: the lab is ``not_handed_in``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from peerlab.review import repository as repo
from peerlab.review.models import AssignmentRow, SubmissionRow, VerdictRow

WITHOUT_HAND_IN = "without_hand_in"
"""The reason of a pass a teacher gave although the lab was not handed in (see service.verdicts)."""


@dataclass(frozen=True)
class LabState:
    student_id: str
    lab_number: int
    assignment: AssignmentRow | None
    status: str
    hand_in: SubmissionRow | None
    late: bool
    verdict: VerdictRow | None
    open: bool
    """Still undecided for eligibility: pending, resubmitted, or the deadline has not passed."""
    handed_in: bool = False
    """An on-time hand-in that counts, or a resubmission to the teacher: something a pass can judge."""
    without_hand_in: bool = False
    """Passed by a teacher's audited decision although nothing was handed in (on time)."""


def is_closed(assignment: AssignmentRow | None, now: datetime) -> bool:
    if assignment is None:
        return False
    if assignment.closed_at is not None:
        return True
    deadline = assignment.deadline
    return deadline is not None and deadline <= now


def compute(
    session: Session, *, student_ids: Iterable[str], total_labs: int, now: datetime
) -> dict[str, list[LabState]]:
    students = sorted(set(student_ids))
    labs = repo.lab_assignments(session)
    lab_of_assignment = {a.assignment_id: n for n, a in labs.items()}
    hand_ins: dict[tuple[str, int], SubmissionRow] = {}
    resubs: dict[tuple[str, int], SubmissionRow] = {}
    for sub in repo.lab_submissions_of(session, students):
        if sub.withdrawn or sub.owner_type != "student":
            continue
        if sub.assignment_kind == "lab":
            number = lab_of_assignment.get(sub.assignment_id)
            if number is None:
                continue
            key = (sub.owner_id, number)
            have = hand_ins.get(key)
            if have is None or (sub.final, sub.version) > (have.final, have.version):
                hand_ins[key] = sub
        elif sub.lab_number is not None:
            key = (sub.owner_id, sub.lab_number)
            have = resubs.get(key)
            if have is None or _when(sub) > _when(have):
                resubs[key] = sub
    verdicts: dict[tuple[str, int], VerdictRow] = {}
    for verdict in repo.verdicts_of(session, students):  # ordered by seq: the last one wins
        verdicts[(verdict.student_id, verdict.lab_number)] = verdict

    out: dict[str, list[LabState]] = {}
    for student in students:
        states = []
        for number in range(1, total_labs + 1):
            assignment = labs.get(number)
            states.append(
                _state(
                    student,
                    number,
                    assignment,
                    hand_ins.get((student, number)),
                    resubs.get((student, number)),
                    verdicts.get((student, number)),
                    now,
                )
            )
        out[student] = states
    return out


def _when(sub: SubmissionRow) -> datetime:
    return sub.received_at or sub.updated_at


def _state(
    student: str,
    number: int,
    assignment: AssignmentRow | None,
    sub: SubmissionRow | None,
    resub: SubmissionRow | None,
    verdict: VerdictRow | None,
    now: datetime,
) -> LabState:
    closed = is_closed(assignment, now)
    counts = sub is not None and sub.on_time and (sub.final or not closed)
    late = sub is not None and not counts
    without_hand_in = False
    if verdict is not None and verdict.verdict == "pass" and not counts and resub is None:
        without_hand_in = verdict.reason == WITHOUT_HAND_IN
        if not without_hand_in:
            verdict = None  # its hand-in is gone: a pass of nothing counts for nothing
    if verdict is not None:
        if resub is not None and _when(resub) > verdict.set_at:
            status = "resubmitted"
        else:
            status = "passed" if verdict.verdict == "pass" else "failed"
    elif resub is not None:
        status = "resubmitted"
    elif counts:
        status = "pending"
    else:
        status = "not_handed_in"
    is_open = status in ("pending", "resubmitted") or (status == "not_handed_in" and not closed)
    return LabState(
        student_id=student,
        lab_number=number,
        assignment=assignment,
        status=status,
        hand_in=sub if counts or late else None,
        late=late,
        verdict=verdict,
        open=is_open,
        handed_in=counts or resub is not None,
        without_hand_in=without_hand_in,
    )
