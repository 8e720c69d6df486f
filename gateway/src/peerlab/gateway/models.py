"""The gateway's own tables: identity and roster, and the LMS webhook endpoints and delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from peerlab.chassis.clock import UTCDateTime


def _ts(nullable: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable)


class Person(SQLModel, table=True):
    """A human (or integration) known to Peerlab; ``id`` is the identity provider's ``sub``."""

    __tablename__ = "gateway_person"

    id: str = Field(sa_column=Column(String(100), primary_key=True))
    name: str = Field(sa_column=Column(String(300), nullable=False))
    email: str | None = Field(default=None, sa_column=Column(String(320), nullable=True))
    programme: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())


class Enrolment(SQLModel, table=True):
    """A person's place in one course: roles there (comma-separated) and whether still enrolled."""

    __tablename__ = "gateway_enrolment"

    course_id: str = Field(sa_column=Column(String(100), primary_key=True))
    person_id: str = Field(sa_column=Column(String(100), primary_key=True))
    roles: str = Field(sa_column=Column(String(200), nullable=False))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    enrolled_at: datetime = Field(sa_column=_ts())
    unenrolled_at: datetime | None = Field(default=None, sa_column=_ts(True))


class WebhookEndpoint(SQLModel, table=True):
    """An LMS receiver registered by an admin. An empty ``event_types`` means every type."""

    __tablename__ = "gateway_webhook_endpoint"

    id: str = Field(sa_column=Column(String(40), primary_key=True))
    url: str = Field(sa_column=Column(String(2000), nullable=False))
    description: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    event_types: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    secret: str = Field(sa_column=Column(String(200), nullable=False))
    previous_secret: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    previous_secret_until: datetime | None = Field(default=None, sa_column=_ts(True))
    enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))
    disabled_reason: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    failing_since: datetime | None = Field(default=None, sa_column=_ts(True))
    created_by: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime = Field(sa_column=_ts())


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint; ``webhook_id`` is sent on every attempt and redelivery."""

    __tablename__ = "gateway_webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_gateway_webhook_delivery_event"),
        Index("ix_gateway_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: str = Field(sa_column=Column(String(40), primary_key=True))
    endpoint_id: str = Field(sa_column=Column(String(40), nullable=False, index=True))
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    webhook_id: str = Field(sa_column=Column(String(80), nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    # pending | held (a grade waiting for the course's release) | succeeded | failed | cancelled
    status: str = Field(sa_column=Column(String(20), nullable=False))
    course_id: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_ts(True))
    created_at: datetime = Field(sa_column=_ts())
    last_attempt_at: datetime | None = Field(default=None, sa_column=_ts(True))


class GradesRelease(SQLModel, table=True):
    """The course's grades were released (``grades.released.v1``): from then on final grades go out
    to webhooks and the LTI gradebook; until then they are held."""

    __tablename__ = "gateway_grades_release"

    course_id: str = Field(sa_column=Column(String(100), primary_key=True))
    released_at: datetime = Field(sa_column=_ts())


class WebhookAttempt(SQLModel, table=True):
    """Every try of a delivery, kept for the delivery log."""

    __tablename__ = "gateway_webhook_attempt"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    delivery_id: str = Field(sa_column=Column(String(40), nullable=False, index=True))
    attempt_no: int = Field(sa_column=Column(Integer, nullable=False))
    started_at: datetime = Field(sa_column=_ts())
    duration_ms: int = Field(sa_column=Column(Integer, nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    outcome: str = Field(sa_column=Column(String(30), nullable=False))
    response_snippet: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class AdminNotice(SQLModel, table=True):
    """Something admins must act on (an endpoint was disabled, ...); listed in the admin API."""

    __tablename__ = "gateway_admin_notice"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    kind: str = Field(sa_column=Column(String(60), nullable=False))
    ref: str = Field(sa_column=Column(String(100), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    acknowledged_at: datetime | None = Field(default=None, sa_column=_ts(True))
