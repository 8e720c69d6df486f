"""Shared router dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from peerlab.chassis.db import SessionDep
from peerlab.chassis.requests import settings_dep

from peerlab.projects.service.groups import GroupPolicy
from peerlab.projects.settings import ProjectsSettings


def _policy(request: Request, session: SessionDep) -> GroupPolicy:
    """The group rules with the course calendar's dates (read in the request's unit of work)."""
    return GroupPolicy.of(request.app.state.settings, session)


SettingsDep = settings_dep(ProjectsSettings)
PolicyDep = Annotated[GroupPolicy, Depends(_policy)]
