"""The window-end rule, run periodically by the worker: "if you hear nothing, you have passed".

For every round whose review window has ended, each on-time hand-in still under review and
without any verdict is judged by the rule: passed; or, when the round requires peer grading and
the student did not submit every review task they held, failed (reason ``peer_grading_missing``).
Hand-ins withdrawn from review after flags wait for a teacher. The round is then marked, so the
rule runs once per round.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from peerlab.review import repository as repo
from peerlab.review.models import RoundRow
from peerlab.review.service import eligibility, verdicts
from peerlab.review.settings import ReviewSettings

RULE = "window_end_rule"


def close_ended_windows(session: Session, *, settings: ReviewSettings, course_id: str, now: datetime) -> int:
    """Close up to ``window_job_batch`` ended windows; returns how many verdicts were set."""
    judged: set[str] = set()
    count = 0
    for round_row in repo.rounds_with_ended_windows(session, now=now, limit=settings.window_job_batch):
        students = close_window(session, round_row=round_row, course_id=course_id, now=now)
        judged |= students
        count += len(students)
    if judged:
        eligibility.refresh(session, student_ids=judged, settings=settings, course_id=course_id, now=now)
    return count


def close_window(session: Session, *, round_row: RoundRow, course_id: str, now: datetime) -> set[str]:
    claimed = session.execute(
        update(RoundRow)
        .where(RoundRow.id == round_row.id, RoundRow.window_closed_at.is_(None))
        .values(window_closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:  # another worker closed it first
        return set()
    round_row.window_closed_at, round_row.updated_at = now, now
    if round_row.lab_number is None:
        return set()
    pool = repo.review_pool(session, round_row.assignment_id)
    already = {v.student_id for v in repo.verdicts_of(session, pool) if v.lab_number == round_row.lab_number}
    missing_reviews = _owing_reviews(session, round_row) if round_row.peer_grading_required else set()
    judged: set[str] = set()
    for student_id in sorted(set(pool) - already):
        owes = student_id in missing_reviews
        verdicts.record(
            session,
            student_id=student_id,
            lab_number=round_row.lab_number,
            assignment_id=round_row.assignment_id,
            verdict="fail" if owes else "pass",
            origin="default_pass",
            reason="peer_grading_missing" if owes else "no_news_is_a_pass",
            comment="",
            set_by=RULE,
            course_id=course_id,
            now=now,
        )
        judged.add(student_id)
    return judged


def _owing_reviews(session: Session, round_row: RoundRow) -> set[str]:
    """Reviewers holding an active task of this round without a submitted review."""
    active = repo.allocations_of_round(session, round_row.id, ("active",))
    reviews = repo.reviews_by_allocation(session, [a.id for a in active])
    return {a.reviewer_id for a in active if not (a.id in reviews and reviews[a.id].status == "submitted")}
