"""Request dependencies every service shares: the app's settings and batch id lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Depends, Request

from peerlab.chassis.errors import ProblemError
from peerlab.chassis.settings import ServiceSettings

MAX_IDS = 500  # ids per batch read, unless a service configures its own limit


def app_settings(request: Request) -> ServiceSettings:
    """The settings the app was created with."""
    return request.app.state.settings


def settings_dep(settings_type: type[ServiceSettings]) -> Any:
    """``SettingsDep`` typed as the service's own settings: ``SettingsDep = settings_dep(ReviewSettings)``."""
    return Annotated[settings_type, Depends(app_settings)]


SettingsDep = settings_dep(ServiceSettings)


def split_ids(raw: str | Iterable[str] | None, *, limit: int = MAX_IDS) -> list[str]:
    """``"a,b"`` or ``["a,b", "c"]`` (a repeated query parameter) -> ``[a, b, c]``, blanks dropped,
    duplicates once, order kept. More than ``limit`` ids is a 422 ``too_many_ids``, never a cut list."""
    chunks = [raw] if isinstance(raw, str) else list(raw or [])
    out: dict[str, None] = {}
    for chunk in chunks:
        for item in chunk.split(","):
            if item := item.strip():
                out[item] = None
    if len(out) > limit:
        raise ProblemError(422, "too_many_ids", f"Ask for at most {limit} ids at a time.")
    return list(out)
