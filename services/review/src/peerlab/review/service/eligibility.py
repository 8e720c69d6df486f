"""Eligibility for the project: labs passed against the threshold (6 of 8 by default).

``eligible`` once enough labs passed; ``not_eligible`` once even passing every open lab would not
be enough; ``undecided`` otherwise. ``eligibility.changed.v1`` is published only when the status
changes (a student nobody computed yet is ``undecided``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from peerlab.review import repository as repo
from peerlab.review.events import publish
from peerlab.review.models import EligibilityRow
from peerlab.review.service import lab_status
from peerlab.review.service.lab_status import LabState
from peerlab.review.settings import ReviewSettings


@dataclass(frozen=True)
class Eligibility:
    student_id: str
    status: str
    labs_passed: int
    labs_open: int
    threshold: int
    total_labs: int


def decide(student_id: str, states: list[LabState], *, threshold: int) -> Eligibility:
    passed = sum(1 for s in states if s.status == "passed")
    still_open = sum(1 for s in states if s.open)
    if passed >= threshold:
        status = "eligible"
    elif passed + still_open < threshold:
        status = "not_eligible"
    else:
        status = "undecided"
    return Eligibility(
        student_id=student_id,
        status=status,
        labs_passed=passed,
        labs_open=still_open,
        threshold=threshold,
        total_labs=len(states),
    )


def compute(
    session: Session, *, student_ids: Iterable[str], settings: ReviewSettings, now: datetime
) -> dict[str, Eligibility]:
    states = lab_status.compute(session, student_ids=student_ids, total_labs=settings.total_labs, now=now)
    return {s: decide(s, st, threshold=settings.eligibility_threshold) for s, st in states.items()}


def refresh(
    session: Session, *, student_ids: Iterable[str], settings: ReviewSettings, course_id: str, now: datetime
) -> int:
    """Recompute and store; publish for every student whose status changed. Returns how many changed."""
    computed = compute(session, student_ids=student_ids, settings=settings, now=now)
    stored = repo.eligibility_rows(session, computed)
    changed = 0
    for student_id, result in computed.items():
        row = stored.get(student_id)
        before = row.status if row is not None else "undecided"
        if row is None:
            row = EligibilityRow(
                student_id=student_id,
                status=result.status,
                labs_passed=result.labs_passed,
                labs_open=result.labs_open,
                threshold=result.threshold,
                updated_at=now,
            )
            session.add(row)
        elif (row.status, row.labs_passed, row.labs_open, row.threshold) != (
            result.status,
            result.labs_passed,
            result.labs_open,
            result.threshold,
        ):
            row.status, row.labs_passed, row.labs_open = result.status, result.labs_passed, result.labs_open
            row.threshold, row.updated_at = result.threshold, now
        if result.status != before:
            publish.eligibility_changed(session, row=row, course_id=course_id)
            changed += 1
    return changed
