"""Server time and time-zone helpers. Every deadline or window decision reads this clock, never a
client-supplied time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; naive values (SQLite returns them) are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def in_zone(value: datetime, zone: str) -> datetime:
    return as_utc(value).astimezone(ZoneInfo(zone))
