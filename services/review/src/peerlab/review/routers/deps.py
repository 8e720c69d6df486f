"""Dependencies shared by the routers: settings, the clock, id lists, verdict permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from peerlab.chassis.auth import CurrentPrincipal, Principal, Role
from peerlab.chassis import clock
from peerlab.chassis.errors import forbidden
from peerlab.chassis.requests import settings_dep
from peerlab.chassis.requests import split_ids as chassis_split_ids
from peerlab.review.settings import ReviewSettings


SettingsDep = settings_dep(ReviewSettings)


NowDep = clock.NowDep

# Lab numbers are small (submissions accepts 1..50); bounding them here turns an absurd number into
# a 422 instead of an out-of-range integer reaching the database (a 500 on PostgreSQL and SQLite).
MAX_LAB_NUMBER = 50
LabNumberPath = Annotated[int, Path(ge=1, le=MAX_LAB_NUMBER)]
LabNumberQuery = Annotated[int | None, Query(ge=1, le=MAX_LAB_NUMBER)]


def split_ids(raw: list[str], settings: ReviewSettings) -> list[str]:
    """``?ids=a,b&ids=c`` -> ``[a, b, c]`` (deduplicated, order kept), at most ``batch_read_limit``."""
    return chassis_split_ids(raw, limit=settings.batch_read_limit)


IdsQuery = Annotated[list[str], Query(description="Comma-separated or repeated ids.")]


def require_verdict_setter(principal: CurrentPrincipal, settings: SettingsDep) -> Principal:
    """Teachers judge labs; TAs too when ``tas_may_set_verdicts`` is on; students never."""
    if principal.is_teacher or (settings.tas_may_set_verdicts and principal.has(Role.TA)):
        return principal
    raise forbidden("Only teachers may set verdicts.")


VerdictSetter = Annotated[Principal, Depends(require_verdict_setter)]
