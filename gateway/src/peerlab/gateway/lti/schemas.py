"""REST models of the LTI administration API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from peerlab.gateway.schemas import Printable

Text = Annotated[str, Printable, Field(min_length=1, max_length=500)]
Url = Annotated[str, Printable, Field(min_length=1, max_length=2000)]


class PlatformIn(BaseModel):
    issuer: Text
    client_id: Annotated[str, Printable, Field(min_length=1, max_length=200)]
    deployment_ids: list[Annotated[str, Printable, Field(min_length=1, max_length=255)]] = Field(
        min_length=1, max_length=50
    )
    auth_login_url: Url
    auth_token_url: Url
    jwks_url: Url


class PlatformOut(BaseModel):
    id: str
    issuer: str
    client_id: str
    deployment_ids: list[str]
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    enabled: bool
    created_at: datetime
    # What the LMS admin enters on the platform's side.
    tool_login_url: str
    tool_launch_url: str
    tool_jwks_url: str


class RosterSyncOut(BaseModel):
    contexts: int
    members: int
    outcomes: dict[str, int]
    skipped: list[dict]


class PassbackAttemptOut(BaseModel):
    attempt_no: int
    started_at: datetime
    status_code: int | None
    outcome: str
    detail: str


class PassbackOut(BaseModel):
    id: str
    event_id: str
    platform_id: str
    context_id: str
    person_id: str
    key: str
    score_given: float
    score_maximum: float
    status: str
    attempts: list[PassbackAttemptOut]
