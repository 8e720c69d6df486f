"""The gateway's LTI tables: registered platforms, one-time launch states, the contexts (courses)
and accounts seen in launches and roster pulls, AGS line items, and the grade passback log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Text, UniqueConstraint
from peerlab.chassis.clock import UTCDateTime
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable)


class LtiPlatform(SQLModel, table=True):
    """An LMS registered by staff: who it is (issuer, our client id there) and its endpoints."""

    __tablename__ = "gateway_lti_platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_gateway_lti_platform"),)

    id: str = Field(sa_column=Column(String(40), primary_key=True))
    issuer: str = Field(sa_column=Column(String(500), nullable=False))
    client_id: str = Field(sa_column=Column(String(200), nullable=False))
    deployment_ids: str = Field(sa_column=Column(Text, nullable=False))  # comma-separated
    auth_login_url: str = Field(sa_column=Column(String(2000), nullable=False))
    auth_token_url: str = Field(sa_column=Column(String(2000), nullable=False))
    jwks_url: str = Field(sa_column=Column(String(2000), nullable=False))
    enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    created_by: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime = Field(sa_column=_ts())


class LtiLaunchState(SQLModel, table=True):
    """One OIDC login: the state and nonce we sent, used at most once by the launch that follows."""

    __tablename__ = "gateway_lti_launch_state"

    state: str = Field(sa_column=Column(String(64), primary_key=True))
    nonce: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    platform_id: str = Field(sa_column=Column(String(40), nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    used_at: datetime | None = Field(default=None, sa_column=_ts(True))


class LtiContext(SQLModel, table=True):
    """A platform course (LTI context) this gateway was launched from, with its service endpoints."""

    __tablename__ = "gateway_lti_context"

    platform_id: str = Field(sa_column=Column(String(40), primary_key=True))
    context_id: str = Field(sa_column=Column(String(255), primary_key=True))
    deployment_id: str = Field(sa_column=Column(String(255), nullable=False))
    title: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    lineitems_url: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))
    ags_scopes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    memberships_url: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))
    updated_at: datetime = Field(sa_column=_ts())


class LtiAccount(SQLModel, table=True):
    """A platform user (its LTI ``sub``) is this roster person."""

    __tablename__ = "gateway_lti_account"
    __table_args__ = (Index("ix_gateway_lti_account_person", "platform_id", "person_id"),)

    platform_id: str = Field(sa_column=Column(String(40), primary_key=True))
    lti_user_id: str = Field(sa_column=Column(String(255), primary_key=True))
    person_id: str = Field(sa_column=Column(String(100), nullable=False))


class LtiLineItem(SQLModel, table=True):
    """A gradebook column we created (or found) in a platform course: ``key`` is ``lab-<n>`` or ``final``."""

    __tablename__ = "gateway_lti_line_item"

    platform_id: str = Field(sa_column=Column(String(40), primary_key=True))
    context_id: str = Field(sa_column=Column(String(255), primary_key=True))
    key: str = Field(sa_column=Column(String(40), primary_key=True))
    url: str = Field(sa_column=Column(String(2000), nullable=False))


class LtiPassback(SQLModel, table=True):
    """One score to send to one platform course. ``status``: held (a final grade before release),
    pending, succeeded, failed (gave up), unmapped (the student has no account on that platform)."""

    __tablename__ = "gateway_lti_passback"
    __table_args__ = (
        UniqueConstraint("event_id", "platform_id", "context_id", name="uq_gateway_lti_passback_event"),
        Index("ix_gateway_lti_passback_due", "status", "next_attempt_at"),
    )

    id: str = Field(sa_column=Column(String(40), primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    platform_id: str = Field(sa_column=Column(String(40), nullable=False))
    context_id: str = Field(sa_column=Column(String(255), nullable=False))
    person_id: str = Field(sa_column=Column(String(100), nullable=False))
    key: str = Field(sa_column=Column(String(40), nullable=False))
    label: str = Field(sa_column=Column(String(200), nullable=False))
    score_given: float = Field(sa_column=Column(Float, nullable=False))
    score_maximum: float = Field(sa_column=Column(Float, nullable=False))
    comment: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_ts(True))
    occurred_at: datetime = Field(sa_column=_ts())
    created_at: datetime = Field(sa_column=_ts())


class LtiPassbackAttempt(SQLModel, table=True):
    """Every try of a passback: what the platform answered."""

    __tablename__ = "gateway_lti_passback_attempt"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    passback_id: str = Field(sa_column=Column(String(40), nullable=False, index=True))
    attempt_no: int = Field(sa_column=Column(Integer, nullable=False))
    started_at: datetime = Field(sa_column=_ts())
    status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    outcome: str = Field(sa_column=Column(String(30), nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
