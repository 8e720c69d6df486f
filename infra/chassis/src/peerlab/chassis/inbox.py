"""Inbox: the processed-event key, written in the handler's transaction, makes redelivery harmless."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, select
from sqlmodel import Field, Session, SQLModel

from peerlab.chassis.clock import UTCDateTime, now


class InboxEntry(SQLModel, table=True):
    __tablename__ = "inbox_entry"

    consumer: str = Field(sa_column=Column(String(100), primary_key=True))
    event_id: str = Field(sa_column=Column(String(64), primary_key=True))
    event_type: str = Field(sa_column=Column(String(200), nullable=False))
    processed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def seen(session: Session, *, consumer: str, event_id: str) -> bool:
    row = session.execute(
        select(InboxEntry.event_id).where(InboxEntry.consumer == consumer, InboxEntry.event_id == event_id)
    ).first()
    return row is not None


def record(session: Session, *, consumer: str, event_id: str, event_type: str) -> None:
    """Insert the key; a concurrent duplicate fails the transaction on the primary key."""
    session.add(InboxEntry(consumer=consumer, event_id=event_id, event_type=event_type, processed_at=now()))
