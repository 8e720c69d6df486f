"""Transactional outbox: events are rows written in the same transaction as the state change.

The relay (``peerlab.chassis.relay``) later publishes them to Kafka and marks them sent, so a
broker outage delays events but loses none. On PostgreSQL the writing transaction also sends
``NOTIFY peerlab_outbox``, which wakes the relay at commit instead of at its next poll.

``enqueue`` collects the rows on the session and writes them with one multi-row INSERT when the
transaction commits (or when ``flush_outbox`` is called): an allocation that emits thousands of
events costs one statement, not thousands of ORM objects. A rollback discards them with the rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, LargeBinary, String, Text, event, insert, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel

from peerlab.chassis.clock import UTCDateTime, now
from peerlab.contracts import Envelope, EventData
from peerlab.chassis.observability import current_correlation_id
from peerlab.chassis.tracing import stamp as stamp_trace_context


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_unsent", "sent_at", "seq"),)

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    event_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    topic: str = Field(sa_column=Column(String(200), nullable=False))
    key: str = Field(sa_column=Column(String(200), nullable=False))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


def enqueue(
    session: Session,
    event: EventData,
    *,
    source: str,
    subject: str,
    course_id: str,
    correlation_id: str | None = None,
) -> Envelope:
    """Add ``event`` to the outbox in the caller's transaction; keyed by ``subject``."""
    envelope = Envelope.wrap(
        event,
        source=source,
        subject=subject,
        course_id=course_id,
        correlation_id=correlation_id or current_correlation_id(),
        time=now(),
    )
    stamp_trace_context(envelope)
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any SQL, discards the pending rows
    session.info.setdefault(_PENDING, []).append(
        {
            "event_id": envelope.id,
            "topic": event.TOPIC,
            "key": subject,
            "event_type": envelope.type,
            "payload": envelope.to_bytes(),
            "created_at": envelope.time,
            "attempts": 0,
        }
    )
    return envelope


_PENDING = "peerlab.outbox.pending"


# PostgreSQL: the relay LISTENs on this channel; a transaction that wrote outbox rows NOTIFYs it,
# and PostgreSQL delivers the notification when (and only if) that transaction commits.
NOTIFY_CHANNEL = "peerlab_outbox"


def flush_outbox(session: OrmSession) -> None:
    """Write the events enqueued on ``session`` so far (commit does this by itself)."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.execute(insert(OutboxEvent.__table__), pending)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


@event.listens_for(OrmSession, "before_commit")
def _write_pending_on_commit(session: OrmSession) -> None:
    flush_outbox(session)


@event.listens_for(OrmSession, "after_soft_rollback")
def _drop_pending_on_rollback(session: OrmSession, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)
