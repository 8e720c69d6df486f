"""The project catalogue per year: idempotent PUT by (year, number), and the bundled catalogues
parsed from the course plan (``peerlab/projects/data/catalogue-<year>.json``)."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources

from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.projects import repository as repo
from peerlab.projects.models import ProjectRow, SubprojectRow, SupervisorRow
from peerlab.projects.schemas import (
    ImportResult,
    LinkIn,
    ProjectPublic,
    ProjectPut,
    SubprojectIn,
    SupervisorIn,
)


def bundled_years() -> list[int]:
    names = [p.name for p in resources.files("peerlab.projects").joinpath("data").iterdir()]
    return sorted(
        int(n.removeprefix("catalogue-").removesuffix(".json"))
        for n in names
        if n.startswith("catalogue-") and n.endswith(".json")
    )


def bundled_catalogue(year: int) -> list[tuple[int, ProjectPut]]:
    path = resources.files("peerlab.projects").joinpath("data", f"catalogue-{year}.json")
    if not path.is_file():
        raise ProblemError(404, "no_bundled_catalogue", f"No bundled catalogue for {year}; have {bundled_years()}.")
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        (p["number"], ProjectPut.model_validate({k: v for k, v in p.items() if k != "number"}))
        for p in document["projects"]
    ]


def _state(row: ProjectRow | None, supervisors: list[SupervisorRow], subprojects: list[SubprojectRow]) -> tuple:
    if row is None:
        return ()
    return (
        row.title,
        row.description,
        row.requirements,
        row.slack_channel,
        row.links,
        row.capacity,
        row.own_project,
        [(s.name, s.email, s.organisation, s.internal) for s in supervisors],
        [(s.letter, s.title, s.description) for s in subprojects],
    )


def put_project(session: Session, *, year: int, number: int, body: ProjectPut, now: datetime) -> tuple[ProjectRow, str]:
    """Create or replace; returns (project, 'created' | 'updated' | 'unchanged')."""
    letters = [s.letter for s in body.subprojects]
    if len(set(letters)) != len(letters):
        raise ProblemError(422, "duplicate_subproject", "Sub-project letters must be unique.")
    pid = repo.project_id(year, number)
    row = repo.get_project(session, pid)
    supervisors = [SupervisorRow(project_id=pid, position=i, **s.model_dump()) for i, s in enumerate(body.supervisors)]
    subprojects = [SubprojectRow(project_id=pid, **s.model_dump()) for s in body.subprojects]
    fields = {
        "title": body.title,
        "description": body.description,
        "requirements": body.requirements,
        "slack_channel": body.slack_channel,
        "links": [link.model_dump() for link in body.links],
        "capacity": body.capacity,
        "own_project": body.own_project,
    }
    before = _state(row, repo.supervisors_of(session, [pid])[pid], repo.subprojects_of(session, [pid])[pid])
    if row is None:
        row = ProjectRow(project_id=pid, year=year, number=number, updated_at=now, **fields)
        session.add(row)
        session.add_all([*supervisors, *subprojects])
        return row, "created"
    if before == _state(
        ProjectRow(project_id=pid, year=year, number=number, updated_at=now, **fields), supervisors, subprojects
    ):
        return row, "unchanged"
    for key, value in fields.items():
        setattr(row, key, value)
    row.revision += 1
    row.updated_at = now
    session.add(row)
    repo.replace_children(session, pid, supervisors, subprojects)
    return row, "updated"


def import_bundled(session: Session, *, year: int, now: datetime) -> ImportResult:
    result = ImportResult(year=year, created=[], updated=[], unchanged=[])
    for number, body in bundled_catalogue(year):
        _row, outcome = put_project(session, year=year, number=number, body=body, now=now)
        getattr(result, outcome).append(number)
    return result


def delete_project(session: Session, *, year: int, number: int) -> None:
    pid = repo.project_id(year, number)
    row = repo.get_project(session, pid)
    if row is None:
        raise not_found("Project")
    if repo.project_in_use(session, pid):
        raise conflict("project_in_use", "Groups chose or were assigned this project.")
    repo.replace_children(session, pid, [], [])
    session.delete(row)


def effective_capacity(row: ProjectRow, default: int) -> int | None:
    """Groups the project can take: its own capacity, unlimited for 'own project', else the default."""
    if row.capacity is not None:
        return row.capacity
    return None if row.own_project else default


def publics(session: Session, rows: list[ProjectRow], *, default_capacity: int) -> list[ProjectPublic]:
    ids = [r.project_id for r in rows]
    supervisors, subprojects = repo.supervisors_of(session, ids), repo.subprojects_of(session, ids)
    return [
        ProjectPublic(
            project_id=r.project_id,
            year=r.year,
            number=r.number,
            title=r.title,
            description=r.description,
            requirements=r.requirements,
            slack_channel=r.slack_channel,
            capacity=r.capacity,
            own_project=r.own_project,
            links=[LinkIn(**link) for link in r.links],
            supervisors=[
                SupervisorIn(name=s.name, email=s.email, organisation=s.organisation, internal=s.internal)
                for s in supervisors[r.project_id]
            ],
            subprojects=[
                SubprojectIn(letter=s.letter, title=s.title, description=s.description)
                for s in subprojects[r.project_id]
            ],
            effective_capacity=effective_capacity(r, default_capacity),
            revision=r.revision,
            updated_at=r.updated_at,
        )
        for r in rows
    ]
