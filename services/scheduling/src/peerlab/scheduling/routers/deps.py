"""Shared router dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from peerlab.chassis.clock import NowDep
from peerlab.chassis.requests import settings_dep

from peerlab.scheduling.schemas import ID_PATTERN
from peerlab.scheduling.settings import SchedulingSettings


SettingsDep = settings_dep(SchedulingSettings)
CourseId = Annotated[str, Path(pattern=ID_PATTERN, description="e.g. 02456-2021")]
NaturalId = Annotated[str, Path(pattern=ID_PATTERN)]


# The server clock, or the one a test injected with ``create_app(clock=...)``.
Now = NowDep
