"""REST request/response models of the gateway's own API (roster and webhook administration)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Programme = Literal["msc", "phd", "other"]


class PersonUpdate(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    email: str | None = Field(default=None, max_length=320)
    roles: list[str] = Field(default_factory=lambda: ["student"], min_length=1)
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


class EndpointCreate(BaseModel):
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, description="Empty: every event type.")
    description: str = ""
    secret: str | None = Field(default=None, description="whsec_...; generated when omitted.")


class EndpointUpdate(BaseModel):
    url: str | None = Field(default=None, max_length=2000)
    event_types: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None


class SecretRotate(BaseModel):
    secret: str | None = None


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
