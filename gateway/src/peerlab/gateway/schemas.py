"""REST request/response models of the gateway's own API (roster and webhook administration)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

Programme = Literal["msc", "phd", "other"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(value: str) -> str:
    """No control characters (PostgreSQL refuses NUL in text; none belongs in these fields)."""
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


Printable = AfterValidator(_printable)


class PersonUpdate(BaseModel):
    name: Annotated[str, Printable] = Field(min_length=1, max_length=300)
    email: Annotated[str, Printable] | None = Field(default=None, max_length=320)
    roles: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=lambda: ["student"], min_length=1, max_length=10
    )
    programme: Programme | None = None


class PersonPublic(BaseModel):
    id: str
    name: str
    email: str | None
    programme: str | None
    roles: list[str]
    enrolled: bool


class RosterPage(BaseModel):
    items: list[PersonPublic]
    next_after: str | None


class ImportReport(BaseModel):
    enrolled: int
    updated: int
    unchanged: int
    unenrolled: int
    errors: list[dict]


class LmsAck(BaseModel):
    outcome: str


EventTypes = list[Annotated[str, Field(max_length=200)]]
Secret = Annotated[str, Field(max_length=200, description="whsec_...; generated when omitted.")]


class EndpointCreate(BaseModel):
    url: Annotated[str, Printable] = Field(max_length=2000)
    event_types: EventTypes = Field(default_factory=list, max_length=100, description="Empty: every event type.")
    description: Annotated[str, Printable] = Field(default="", max_length=500)
    secret: Secret | None = None


class EndpointUpdate(BaseModel):
    url: Annotated[str, Printable] | None = Field(default=None, max_length=2000)
    event_types: EventTypes | None = Field(default=None, max_length=100)
    description: Annotated[str, Printable] | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class SecretRotate(BaseModel):
    secret: Secret | None = None


class EndpointPublic(BaseModel):
    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    rotating: bool = False


class EndpointSecret(BaseModel):
    id: str
    secret: str
    previous_secret_until: datetime | None


class AttemptPublic(BaseModel):
    attempt_no: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    outcome: str
    response_snippet: str


class DeliveryPublic(BaseModel):
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    webhook_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    last_attempt_at: datetime | None
    attempt_log: list[AttemptPublic] = Field(default_factory=list)


class RecoverRequest(BaseModel):
    since: datetime


class RecoverResult(BaseModel):
    queued: int


class NoticePublic(BaseModel):
    id: int
    kind: str
    ref: str
    message: str
    created_at: datetime
