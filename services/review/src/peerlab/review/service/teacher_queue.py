"""The teacher queue: what teachers must look at (resubmissions, withdrawn submissions, flagged
reviews, failed allocations, reviewers left without a replacement task)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.errors import not_found
from peerlab.review import repository as repo
from peerlab.review.models import TeacherItemRow
from peerlab.review.service.common import new_id

KINDS = ("resubmission", "submission_withdrawn", "review_flagged", "allocation_failed", "replacement_unavailable")


def add_item(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    now: datetime,
    detail: str = "",
    round_id: str | None = None,
    lab_number: int | None = None,
    student_id: str | None = None,
    submission_id: str | None = None,
    review_id: str | None = None,
) -> TeacherItemRow:
    """Add an item once per ``dedupe_key`` (a redelivered cause does not queue it twice)."""
    assert kind in KINDS, kind
    existing = repo.teacher_item_by_key(session, dedupe_key)
    if existing is not None:
        return existing
    row = TeacherItemRow(
        id=new_id(),
        kind=kind,
        dedupe_key=dedupe_key,
        round_id=round_id,
        lab_number=lab_number,
        student_id=student_id,
        submission_id=submission_id,
        review_id=review_id,
        detail=detail,
        created_at=now,
    )
    session.add(row)
    return row


def resolve_item(session: Session, *, item_id: str, resolved_by: str, resolution: str, now: datetime) -> TeacherItemRow:
    row = session.get(TeacherItemRow, item_id)
    if row is None:
        raise not_found("teacher queue item")
    if row.resolved_at is None:
        row.resolved_at, row.resolved_by, row.resolution = now, resolved_by, resolution
    return row


def resolve_open(
    session: Session, *, kind: str, student_id: str, lab_number: int, resolved_by: str, resolution: str, now: datetime
) -> int:
    rows = repo.open_teacher_items_for(session, kind=kind, student_id=student_id, lab_number=lab_number)
    for row in rows:
        row.resolved_at, row.resolved_by, row.resolution = now, resolved_by, resolution
    return len(rows)
