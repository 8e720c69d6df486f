"""Review rounds: one per lab assignment, with k, window, versioned rubric, seed and exclusion groups."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.review import repository as repo
from peerlab.review.models import AssignmentRow, ExclusionMemberRow, RoundRow, RubricRow
from peerlab.review.schemas import RoundCreate, RoundUpdate, RubricPublic, RubricUpdate, default_rubric
from peerlab.review.service.common import new_id
from peerlab.review.settings import ReviewSettings

FIXED_AFTER_ALLOCATION = ("reviews_per_person", "seed", "exclusion_groups")


def window_open(round_row: RoundRow, now: datetime) -> bool:
    """Reviews, drafts and flags are accepted until the window closes (deadline + window days)."""
    closes = round_row.review_closes_at
    return round_row.window_closed_at is None and (closes is None or now <= closes)


def closes_at(deadline: datetime | None, window_days: int) -> datetime | None:
    return None if deadline is None else deadline + timedelta(days=window_days)


def ensure_round(session: Session, *, assignment: AssignmentRow, settings: ReviewSettings, now: datetime) -> RoundRow:
    """The round of a lab assignment, created with the service defaults if nobody configured one."""
    existing = repo.round_for_assignment(session, assignment.assignment_id)
    if existing is not None:
        return existing
    return _insert_round(
        session,
        assignment=assignment,
        k=settings.default_reviews_per_person,
        window_days=settings.default_review_window_days,
        seed=None,
        peer_grading_required=settings.default_peer_grading_required,
        rubric=None,
        created_by="system",
        now=now,
    )


def _insert_round(
    session: Session,
    *,
    assignment: AssignmentRow,
    k: int,
    window_days: int,
    seed: str | None,
    peer_grading_required: bool,
    rubric: RubricUpdate | None,
    created_by: str,
    now: datetime,
) -> RoundRow:
    row = RoundRow(
        id=new_id(),
        assignment_id=assignment.assignment_id,
        lab_number=assignment.lab_number,
        k=k,
        window_days=window_days,
        review_closes_at=closes_at(assignment.deadline, window_days),
        seed=seed or secrets.token_hex(8),
        peer_grading_required=peer_grading_required,
        rubric_version=1,
        status="configured",
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    _add_rubric(session, round_id=row.id, version=1, rubric=rubric or default_rubric(), created_by=created_by, now=now)
    session.flush()
    return row


def configure_round(
    session: Session, *, data: RoundCreate, created_by: str, settings: ReviewSettings, now: datetime
) -> tuple[RoundRow, bool]:
    """Create the round of a lab assignment, or update it if it exists; returns (round, created)."""
    assignment = repo.get_assignment(session, data.assignment_id)
    if assignment is None:
        raise not_found("assignment")
    if assignment.kind != "lab":
        raise conflict("not_a_lab", "Peer review rounds exist for lab assignments only.")
    existing = repo.round_for_assignment(session, data.assignment_id)
    if existing is not None:
        update = RoundUpdate(**data.model_dump(exclude={"assignment_id", "rubric"}, exclude_unset=True))
        round_row = update_round(session, round_id=existing.id, data=update, now=now)
        if data.rubric is not None:
            set_rubric(session, round_id=existing.id, rubric=data.rubric, created_by=created_by, now=now)
        return round_row, False
    row = _insert_round(
        session,
        assignment=assignment,
        k=data.reviews_per_person or settings.default_reviews_per_person,
        window_days=settings.default_review_window_days if data.window_days is None else data.window_days,
        seed=data.seed,
        peer_grading_required=(
            settings.default_peer_grading_required if data.peer_grading_required is None else data.peer_grading_required
        ),
        rubric=data.rubric,
        created_by=created_by,
        now=now,
    )
    if data.exclusion_groups:
        _replace_groups(session, round_id=row.id, groups=data.exclusion_groups)
    return row, True


def update_round(session: Session, *, round_id: str, data: RoundUpdate, now: datetime) -> RoundRow:
    row = get_round_or_404(session, round_id)
    changes = data.model_dump(exclude_unset=True)
    if row.status == "allocated":
        fixed = [name for name in FIXED_AFTER_ALLOCATION if name in changes]
        if fixed:
            raise conflict("round_allocated", f"{', '.join(fixed)} cannot change once the round is allocated.")
    if "reviews_per_person" in changes and data.reviews_per_person is not None:
        row.k = data.reviews_per_person
    if "seed" in changes and data.seed is not None:
        row.seed = data.seed
    if "peer_grading_required" in changes and data.peer_grading_required is not None:
        row.peer_grading_required = data.peer_grading_required
    if "window_days" in changes and data.window_days is not None:
        if row.window_closed_at is not None:
            raise conflict("review_window_closed", "The review window of this round has already been closed.")
        row.window_days = data.window_days
        assignment = repo.get_assignment(session, row.assignment_id)
        row.review_closes_at = closes_at(assignment.deadline if assignment else None, row.window_days)
    if "exclusion_groups" in changes:
        _replace_groups(session, round_id=row.id, groups=data.exclusion_groups or [])
    row.updated_at = now
    return row


def set_rubric(session: Session, *, round_id: str, rubric: RubricUpdate, created_by: str, now: datetime) -> RubricRow:
    """A new rubric version; reviews already started keep the version they began with."""
    row = get_round_or_404(session, round_id)
    row.rubric_version += 1
    row.updated_at = now
    return _add_rubric(
        session, round_id=row.id, version=row.rubric_version, rubric=rubric, created_by=created_by, now=now
    )


def follow_deadline(session: Session, *, round_row: RoundRow, deadline: datetime | None) -> None:
    """Keep the window end at deadline + window while the window is still open."""
    if round_row.window_closed_at is None:
        round_row.review_closes_at = closes_at(deadline, round_row.window_days)


def _add_rubric(
    session: Session, *, round_id: str, version: int, rubric: RubricUpdate, created_by: str, now: datetime
) -> RubricRow:
    dumped = rubric.model_dump(mode="json")
    row = RubricRow(
        round_id=round_id,
        version=version,
        criteria=dumped["criteria"],
        questions=dumped["questions"],
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    return row


def _replace_groups(session: Session, *, round_id: str, groups: list[list[str]]) -> None:
    session.execute(delete(ExclusionMemberRow).where(ExclusionMemberRow.round_id == round_id))
    for index, members in enumerate(groups):
        for student_id in sorted(set(members)):
            session.add(ExclusionMemberRow(round_id=round_id, student_id=student_id, group_label=f"g{index}"))
    session.flush()


def get_round_or_404(session: Session, round_id: str) -> RoundRow:
    row = repo.get_round(session, round_id)
    if row is None:
        raise not_found("round")
    return row


def exclusion_groups(session: Session, round_id: str) -> list[list[str]]:
    return group_lists(repo.exclusion_members(session, round_id))


def group_lists(members: list[ExclusionMemberRow]) -> list[list[str]]:
    """Exclusion-group members as sorted lists of student ids, in the groups' label order."""
    groups: dict[str, list[str]] = {}
    for member in members:
        groups.setdefault(member.group_label, []).append(member.student_id)
    return [sorted(v) for _, v in sorted(groups.items(), key=lambda kv: int(kv[0][1:]) if kv[0][1:].isdigit() else 0)]


def group_of(session: Session, round_id: str) -> dict[str, str]:
    return {m.student_id: m.group_label for m in repo.exclusion_members(session, round_id)}


def rubric_public(session: Session, round_id: str, version: int) -> RubricPublic:
    row = repo.rubric(session, round_id, version)
    if row is None:
        raise ProblemError(500, "rubric_missing", "The rubric version of this round is missing.")
    return rubric_from_row(row)


def rubric_from_row(row: RubricRow) -> RubricPublic:
    return RubricPublic.model_validate(row, from_attributes=True)
