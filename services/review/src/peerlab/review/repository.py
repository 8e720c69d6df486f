"""Queries. Functions take a session and return rows; no domain rules, no commits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import func, select
from sqlmodel import Session

from peerlab.review.models import (
    AllocationRow,
    AllocationRunRow,
    AssignmentRow,
    AuditEntryRow,
    EligibilityRow,
    ExclusionMemberRow,
    FlagRow,
    ReactionRow,
    ReviewRow,
    RoundRow,
    RubricRow,
    StudentRow,
    SubmissionRow,
    TeacherItemRow,
    VerdictRow,
)

T = TypeVar("T")
CHUNK = 500


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _where_in(session: Session, model, column, values: Iterable[str], *extra) -> list:
    out: list = []
    for batch in _chunks(sorted(set(values))):
        out.extend(session.execute(select(model).where(column.in_(batch), *extra)).scalars())
    return out


# --- assignments, submissions, students --------------------------------------------------------
def get_assignment(session: Session, assignment_id: str) -> AssignmentRow | None:
    return session.get(AssignmentRow, assignment_id)


def lab_assignments(session: Session) -> dict[int, AssignmentRow]:
    """Lab number -> its lab assignment (the one with the latest deadline if there are several)."""
    rows = session.execute(
        select(AssignmentRow).where(AssignmentRow.kind == "lab", AssignmentRow.lab_number.is_not(None))
    ).scalars()
    out: dict[int, AssignmentRow] = {}
    for row in rows:
        have = out.get(row.lab_number)
        if have is None or (row.deadline or row.updated_at) > (have.deadline or have.updated_at):
            out[row.lab_number] = row
    return out


def get_submission(session: Session, submission_id: str) -> SubmissionRow | None:
    return session.get(SubmissionRow, submission_id)


def submissions_by_ids(session: Session, ids: Iterable[str]) -> list[SubmissionRow]:
    return _where_in(session, SubmissionRow, SubmissionRow.submission_id, ids)


def submissions_of_assignment(session: Session, assignment_id: str) -> list[SubmissionRow]:
    return list(session.execute(select(SubmissionRow).where(SubmissionRow.assignment_id == assignment_id)).scalars())


def on_time_hand_ins(session: Session, assignment_id: str) -> dict[str, SubmissionRow]:
    """Owner -> their final, on-time, not withdrawn hand-in of a closed assignment."""
    rows = session.execute(
        select(SubmissionRow).where(
            SubmissionRow.assignment_id == assignment_id,
            SubmissionRow.final.is_(True),
            SubmissionRow.on_time.is_(True),
            SubmissionRow.withdrawn.is_(False),
            SubmissionRow.owner_type == "student",
        )
    ).scalars()
    return {row.owner_id: row for row in rows}


def review_pool(session: Session, assignment_id: str) -> dict[str, SubmissionRow]:
    """The on-time hand-ins still under peer review (not withdrawn from it after flags)."""
    return {o: s for o, s in on_time_hand_ins(session, assignment_id).items() if not s.withdrawn_from_review}


def lab_submissions_of(session: Session, student_ids: Iterable[str]) -> list[SubmissionRow]:
    """Lab and resubmission hand-ins of these students."""
    return _where_in(
        session,
        SubmissionRow,
        SubmissionRow.owner_id,
        student_ids,
        SubmissionRow.assignment_kind.in_(("lab", "resubmission")),
    )


def get_student(session: Session, student_id: str) -> StudentRow | None:
    return session.get(StudentRow, student_id)


def student_ids(session: Session) -> list[str]:
    return list(session.execute(select(StudentRow.student_id).order_by(StudentRow.student_id)).scalars())


# --- rounds --------------------------------------------------------------------------------------
def get_round(session: Session, round_id: str) -> RoundRow | None:
    return session.get(RoundRow, round_id)


def round_for_assignment(session: Session, assignment_id: str) -> RoundRow | None:
    return session.execute(select(RoundRow).where(RoundRow.assignment_id == assignment_id)).scalar_one_or_none()


def rounds_by_ids(session: Session, ids: Iterable[str]) -> list[RoundRow]:
    return _where_in(session, RoundRow, RoundRow.id, ids)


def list_rounds(session: Session) -> list[RoundRow]:
    return list(session.execute(select(RoundRow).order_by(RoundRow.lab_number, RoundRow.created_at)).scalars())


def rounds_with_ended_windows(session: Session, *, now, limit: int) -> list[RoundRow]:
    return list(
        session.execute(
            select(RoundRow)
            .where(
                RoundRow.review_closes_at.is_not(None),
                RoundRow.review_closes_at <= now,
                RoundRow.window_closed_at.is_(None),
                RoundRow.status.in_(("allocated", "allocation_failed")),
            )
            .order_by(RoundRow.review_closes_at)
            .limit(limit)
        ).scalars()
    )


def rubric(session: Session, round_id: str, version: int) -> RubricRow | None:
    return session.get(RubricRow, (round_id, version))


def rubrics(session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], RubricRow]:
    """The rubric versions named by ``(round_id, version)``, in one query per chunk of rounds."""
    wanted = set(keys)
    round_ids = sorted({round_id for round_id, _ in wanted})
    out: dict[tuple[str, int], RubricRow] = {}
    for chunk in _chunks(round_ids):
        query = select(RubricRow).where(RubricRow.round_id.in_(chunk))
        for row in session.execute(query).scalars():
            if (row.round_id, row.version) in wanted:
                out[(row.round_id, row.version)] = row
    return out


def exclusion_members(session: Session, round_id: str) -> list[ExclusionMemberRow]:
    return exclusion_members_of(session, [round_id]).get(round_id, [])


def exclusion_members_of(session: Session, round_ids: Sequence[str]) -> dict[str, list[ExclusionMemberRow]]:
    """The exclusion-group members of each of ``round_ids``, in one query per chunk."""
    ids = sorted(set(round_ids))
    out: dict[str, list[ExclusionMemberRow]] = {}
    for chunk in _chunks(ids):
        query = select(ExclusionMemberRow).where(ExclusionMemberRow.round_id.in_(chunk))
        for row in session.execute(query).scalars():
            out.setdefault(row.round_id, []).append(row)
    return out


def allocation_runs(session: Session, round_id: str) -> list[AllocationRunRow]:
    return list(
        session.execute(
            select(AllocationRunRow).where(AllocationRunRow.round_id == round_id).order_by(AllocationRunRow.run_no)
        ).scalars()
    )


# --- allocations and reviews ---------------------------------------------------------------------
def allocations_of_round(session: Session, round_id: str, statuses: Sequence[str] | None = None) -> list[AllocationRow]:
    query = select(AllocationRow).where(AllocationRow.round_id == round_id)
    if statuses is not None:
        query = query.where(AllocationRow.status.in_(tuple(statuses)))
    return list(session.execute(query).scalars())


def allocation_by_token(session: Session, token: str) -> AllocationRow | None:
    return session.execute(select(AllocationRow).where(AllocationRow.task_token == token)).scalar_one_or_none()


def allocations_of_reviewer(session: Session, reviewer_id: str) -> list[AllocationRow]:
    return list(
        session.execute(
            select(AllocationRow).where(AllocationRow.reviewer_id == reviewer_id).order_by(AllocationRow.created_at)
        ).scalars()
    )


def allocations_to_reviewees(session: Session, reviewee_ids: Iterable[str]) -> list[AllocationRow]:
    return _where_in(session, AllocationRow, AllocationRow.reviewee_id, reviewee_ids)


def allocations_of_reviewers(session: Session, reviewer_ids: Iterable[str]) -> list[AllocationRow]:
    return _where_in(session, AllocationRow, AllocationRow.reviewer_id, reviewer_ids)


def reviews_by_allocation(session: Session, allocation_ids: Iterable[str]) -> dict[str, ReviewRow]:
    rows = _where_in(session, ReviewRow, ReviewRow.allocation_id, allocation_ids)
    return {row.allocation_id: row for row in rows}


def reviews_by_ids(session: Session, ids: Iterable[str]) -> list[ReviewRow]:
    return _where_in(session, ReviewRow, ReviewRow.id, ids)


def get_review(session: Session, review_id: str) -> ReviewRow | None:
    return session.get(ReviewRow, review_id)


def reviews_of_round(session: Session, round_id: str) -> list[ReviewRow]:
    return list(session.execute(select(ReviewRow).where(ReviewRow.round_id == round_id)).scalars())


def submitted_reviews_of_reviewee(session: Session, reviewee_id: str) -> list[ReviewRow]:
    return list(
        session.execute(
            select(ReviewRow)
            .where(ReviewRow.reviewee_id == reviewee_id, ReviewRow.status == "submitted")
            .order_by(ReviewRow.submitted_at)
        ).scalars()
    )


def reactions(session: Session, review_ids: Iterable[str]) -> dict[str, ReactionRow]:
    return {row.review_id: row for row in _where_in(session, ReactionRow, ReactionRow.review_id, review_ids)}


# --- flags, verdicts, eligibility, teacher queue -------------------------------------------------
def flag_by_key(session: Session, dedupe_key: str) -> FlagRow | None:
    return session.execute(select(FlagRow).where(FlagRow.dedupe_key == dedupe_key)).scalar_one_or_none()


def flags_of_round(session: Session, round_id: str) -> list[FlagRow]:
    return list(
        session.execute(select(FlagRow).where(FlagRow.round_id == round_id).order_by(FlagRow.created_at)).scalars()
    )


def review_flags_by(session: Session, flagged_by: str) -> set[str]:
    rows = session.execute(
        select(FlagRow.review_id).where(FlagRow.kind == "review", FlagRow.flagged_by == flagged_by)
    ).scalars()
    return {r for r in rows if r}


def submission_flaggers(session: Session, submission_id: str) -> int:
    return session.execute(
        select(func.count(func.distinct(FlagRow.flagged_by))).where(
            FlagRow.kind == "submission", FlagRow.submission_id == submission_id
        )
    ).scalar_one()


def verdicts_of(session: Session, student_ids: Iterable[str]) -> list[VerdictRow]:
    rows = _where_in(session, VerdictRow, VerdictRow.student_id, student_ids)
    return sorted(rows, key=lambda r: r.seq or 0)


def audit_entries(session: Session, student_ids: Iterable[str] | None = None) -> list[AuditEntryRow]:
    """Audit entries of these students (all when None), oldest first."""
    if student_ids is None:
        rows = list(session.execute(select(AuditEntryRow)).scalars())
    else:
        rows = _where_in(session, AuditEntryRow, AuditEntryRow.student_id, student_ids)
    return sorted(rows, key=lambda r: (r.created_at, r.id))


def eligibility_rows(session: Session, student_ids: Iterable[str]) -> dict[str, EligibilityRow]:
    rows = _where_in(session, EligibilityRow, EligibilityRow.student_id, student_ids)
    return {row.student_id: row for row in rows}


def teacher_item_by_key(session: Session, dedupe_key: str) -> TeacherItemRow | None:
    return session.execute(select(TeacherItemRow).where(TeacherItemRow.dedupe_key == dedupe_key)).scalar_one_or_none()


def teacher_items(
    session: Session, *, open_only: bool, kind: str | None = None, lab_number: int | None = None, limit: int = 500
) -> list[TeacherItemRow]:
    query = select(TeacherItemRow)
    if open_only:
        query = query.where(TeacherItemRow.resolved_at.is_(None))
    if kind:
        query = query.where(TeacherItemRow.kind == kind)
    if lab_number is not None:
        query = query.where(TeacherItemRow.lab_number == lab_number)
    return list(session.execute(query.order_by(TeacherItemRow.created_at).limit(limit)).scalars())


def open_teacher_items_for(session: Session, *, kind: str, student_id: str, lab_number: int) -> list[TeacherItemRow]:
    return list(
        session.execute(
            select(TeacherItemRow).where(
                TeacherItemRow.kind == kind,
                TeacherItemRow.student_id == student_id,
                TeacherItemRow.lab_number == lab_number,
                TeacherItemRow.resolved_at.is_(None),
            )
        ).scalars()
    )
