"""Request dependencies shared by the routers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from peerlab.chassis.clock import request_now
from peerlab.submissions.service.runtime import Runtime
from peerlab.submissions.service import idempotency
from peerlab.submissions.settings import SubmissionsSettings


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_settings(request: Request) -> SubmissionsSettings:
    return request.app.state.settings


def idempotency_key(key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> str | None:
    return idempotency.check_key(key)


def id_list(ids: Annotated[str | None, Query(description="Comma-separated ids (at most 500)")] = None) -> list[str] | None:
    if ids is None:
        return None
    return [i for i in (part.strip() for part in ids.split(",")) if i][:500]


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[SubmissionsSettings, Depends(get_settings)]
# When this request reached the handler (headers in, body not yet read): the clock's request time.
ReceivedAt = Annotated[datetime, Depends(request_now)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
IdList = Annotated[list[str] | None, Depends(id_list)]
