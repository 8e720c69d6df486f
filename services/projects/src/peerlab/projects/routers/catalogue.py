"""The project catalogue per year: everyone signed in reads, teachers edit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from peerlab.chassis.auth import CurrentPrincipal, TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.projects import repository as repo
from peerlab.chassis.clock import NowDep
from peerlab.projects.routers.deps import SettingsDep
from peerlab.projects.schemas import CatalogueSummary, ImportResult, ProjectPublic, ProjectPut
from peerlab.projects.service import catalogue, supervision

router = APIRouter(prefix="/v1/catalogues", tags=["catalogue"])
Year = Annotated[int, Path(ge=2000, le=2100)]
Number = Annotated[int, Path(ge=1, le=999)]


@router.get("", response_model=list[CatalogueSummary])
def list_catalogues(session: SessionDep, _: CurrentPrincipal) -> list[CatalogueSummary]:
    return [CatalogueSummary(year=y, projects=n) for y, n in repo.catalogue_years(session)]


@router.get("/{year}/projects", response_model=list[ProjectPublic])
def list_projects(year: Year, session: SessionDep, settings: SettingsDep, _: CurrentPrincipal) -> list[ProjectPublic]:
    return catalogue.publics(
        session, repo.list_projects(session, year), default_capacity=settings.default_project_capacity
    )


@router.get("/{year}/projects/{number}", response_model=ProjectPublic)
def get_project(
    year: Year, number: Number, session: SessionDep, settings: SettingsDep, _: CurrentPrincipal
) -> ProjectPublic:
    row = repo.get_project(session, repo.project_id(year, number))
    if row is None:
        raise not_found("Project")
    return catalogue.publics(session, [row], default_capacity=settings.default_project_capacity)[0]


@router.put(
    "/{year}/projects/{number}",
    response_model=ProjectPublic,
    responses={201: {"model": ProjectPublic, "description": "Created"}},
)
def put_project(
    year: Year,
    number: Number,
    body: ProjectPut,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    _: TeacherPrincipal,
    now: NowDep,
) -> ProjectPublic:
    """Create or replace project ``number`` of ``year`` (id ``p-<year>-<number:02>``); a repeat changes nothing."""
    row, outcome = catalogue.put_project(session, year=year, number=number, body=body, now=now)
    if outcome == "updated":
        session.flush()
        supervision.refresh_projects(session, course_id=settings.course_id, project_ids=[row.project_id], now=now)
    if outcome == "created":
        response.status_code = 201
    return catalogue.publics(session, [row], default_capacity=settings.default_project_capacity)[0]


@router.delete("/{year}/projects/{number}", status_code=204)
def delete_project(year: Year, number: Number, session: SessionDep, _: TeacherPrincipal) -> None:
    """Remove a project nobody chose or was assigned (409 ``project_in_use``)."""
    catalogue.delete_project(session, year=year, number=number)


@router.post("/{year}/import-bundled", response_model=ImportResult)
def import_bundled(
    year: Year, session: SessionDep, settings: SettingsDep, _: TeacherPrincipal, now: NowDep
) -> ImportResult:
    """Create or update ``year``'s projects from the catalogue parsed from the course plan, shipped
    with the service; running it again changes nothing."""
    result = catalogue.import_bundled(session, year=year, now=now)
    if result.updated:
        session.flush()
        supervision.refresh_projects(
            session,
            course_id=settings.course_id,
            project_ids=[repo.project_id(year, n) for n in result.updated],
            now=now,
        )
    return result
