"""The projects service's HTTP API: ``uvicorn peerlab.projects.main:app``."""

from __future__ import annotations

from fastapi import FastAPI

from peerlab.chassis.app import create_service_app
from peerlab.projects.routers import audit, catalogue, groups, people, selection, supervision
from peerlab.projects.settings import ProjectsSettings, get_settings

DESCRIPTION = """The project catalogue per year (projects, supervisors, sub-projects, capacities),
project groups (size rule with staff exemptions, the eligibility gate, PhD and MSc students mixed),
ranked project selection until the selection deadline, and the teachers' allocation of projects."""


def create_app(settings: ProjectsSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings(),
        title="Peerlab projects",
        description=DESCRIPTION,
        routers=[catalogue.router, groups.router, selection.router, people.router, audit.router, supervision.router],
    )


app = create_app()
