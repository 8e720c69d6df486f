"""A group's ranked project choices, open to students until the selection deadline."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.projects import repository as repo
from peerlab.projects.models import SelectionRow
from peerlab.projects.schemas import Choice, SelectionPublic, SelectionPut
from peerlab.projects.service.groups import GroupPolicy, ensure_students_may_change, require_visible


def validate_choices(session: Session, *, choices: list[Choice], year: int, max_choices: int) -> None:
    if len(choices) > max_choices:
        raise ProblemError(422, "too_many_choices", f"At most {max_choices} choices.")
    seen = set()
    for choice in choices:
        key = (choice.project_id, choice.subproject)
        if key in seen:
            raise ProblemError(422, "duplicate_choice", f"{choice.project_id} {choice.subproject or ''} twice.")
        seen.add(key)
        project = repo.get_project(session, choice.project_id)
        if project is None or project.year != year:
            raise ProblemError(422, "unknown_project", f"{choice.project_id} is not in the {year} catalogue.")
        if choice.subproject is not None:
            letters = {s.letter for s in repo.subprojects_of(session, [project.project_id])[project.project_id]}
            if choice.subproject not in letters:
                raise ProblemError(
                    422, "unknown_subproject", f"{choice.project_id} has no sub-project {choice.subproject})."
                )


def put_selection(
    session: Session,
    *,
    group_id: str,
    body: SelectionPut,
    principal: Principal,
    policy: GroupPolicy,
    year: int,
    max_choices: int,
    now: datetime,
) -> tuple[SelectionRow, bool]:
    """Replace the group's choices; returns (selection, created)."""
    group = require_visible(session, group_id=group_id, principal=principal, policy=policy)
    ensure_students_may_change(principal, policy, now)
    if group.state == "dissolved":
        raise conflict("group_dissolved", "The group was dissolved.")
    validate_choices(session, choices=body.choices, year=year, max_choices=max_choices)
    choices = [c.model_dump() for c in body.choices]
    row = repo.get_selection(session, group_id)
    if row is None:
        row = SelectionRow(
            group_id=group_id, course_id=group.course_id, choices=choices, submitted_by=principal.sub, submitted_at=now
        )
        session.add(row)
        return row, True
    if row.choices != choices:
        row.choices, row.submitted_by, row.submitted_at = choices, principal.sub, now
        session.add(row)
    return row, False


def get_selection(session: Session, *, group_id: str, principal: Principal, policy: GroupPolicy) -> SelectionRow:
    require_visible(session, group_id=group_id, principal=principal, policy=policy)
    row = repo.get_selection(session, group_id)
    if row is None:
        raise not_found("Selection")
    return row


def to_public(row: SelectionRow) -> SelectionPublic:
    return SelectionPublic(
        group_id=row.group_id,
        choices=[Choice(**c) for c in row.choices],
        submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
    )
