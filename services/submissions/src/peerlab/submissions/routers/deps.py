"""Request dependencies shared by the routers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from peerlab.chassis.clock import request_now
from peerlab.chassis.requests import MAX_IDS, settings_dep, split_ids
from peerlab.submissions.service.runtime import Runtime
from peerlab.submissions.service import idempotency
from peerlab.submissions.settings import SubmissionsSettings


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def idempotency_key(key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> str | None:
    return idempotency.check_key(key)


def id_list(
    ids: Annotated[str | None, Query(description=f"Comma-separated ids (at most {MAX_IDS})")] = None,
) -> list[str] | None:
    return None if ids is None else split_ids(ids)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = settings_dep(SubmissionsSettings)
# When this request reached the handler (headers in, body not yet read): the clock's request time.
ReceivedAt = Annotated[datetime, Depends(request_now)]
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
IdList = Annotated[list[str] | None, Depends(id_list)]
