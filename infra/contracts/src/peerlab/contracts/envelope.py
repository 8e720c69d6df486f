"""The event envelope: CloudEvents 1.0 attribute names plus Peerlab's course and correlation ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class EventData(BaseModel):
    """Base of every event payload. ``TYPE`` is ``<aggregate>.<verb>.v<N>``; ``TOPIC`` its topic."""

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    model_config = ConfigDict(extra="ignore", frozen=True)


_TRACE_FIELDS = ("traceparent", "tracestate")


class Envelope(BaseModel):
    """One event as it travels on Kafka and in webhooks.

    ``id`` is stable across retries (the outbox row keeps it), so consumers deduplicate on it.
    Unknown fields are ignored so producers may add fields within a version.
    """

    model_config = ConfigDict(extra="ignore")

    specversion: str = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))  # services pass their clock's time
    datacontenttype: str = "application/json"
    course_id: str
    correlation_id: str | None = None
    traceparent: str | None = Field(
        default=None,
        description="CloudEvents distributed-tracing extension: W3C trace context of the producing span.",
    )
    tracestate: str | None = Field(
        default=None, description="CloudEvents distributed-tracing extension: W3C tracestate, if any."
    )
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: EventData,
        *,
        source: str,
        subject: str,
        course_id: str,
        correlation_id: str | None = None,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> "Envelope":
        return cls(
            id=event_id or str(uuid.uuid4()),
            **({"time": time} if time is not None else {}),
            type=event.TYPE,
            source=source,
            subject=subject,
            course_id=course_id,
            correlation_id=correlation_id,
            data=event.model_dump(mode="json"),
        )

    def to_bytes(self) -> bytes:
        # The tracing extension is left out when unset: untraced events keep their old bytes.
        unset = {name for name in _TRACE_FIELDS if getattr(self, name) is None}
        return self.model_dump_json(exclude=unset or None).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)
