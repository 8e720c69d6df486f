"""Server time: the one clock and the one time type.

Every deadline or window decision reads ``now()`` (or its request dependency ``NowDep``), never a
client-supplied time; rules take the time as a keyword ``now`` so tests can move it. ``UTCDateTime``
is the column type of every timestamp: it stores and returns aware UTC datetimes on PostgreSQL and
SQLite alike; ``UTCInput`` is the request field that turns a client's aware time into UTC.

A test stack that runs services as processes moves their clock with a test clock file (the setting
``test_clock_file``, env ``PEERLAB_<SERVICE>_TEST_CLOCK_FILE``; refused in production): it holds an offset in
seconds that ``now()`` adds to the wall clock, read on every call.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends
from pydantic import AfterValidator, AwareDatetime
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

_test_clock_file: Path | None = None


def now() -> datetime:
    """The server's time, aware UTC (shifted by the test clock file's offset when one is in use)."""
    current = datetime.now(UTC)
    if _test_clock_file is not None:
        current += timedelta(seconds=_offset_s(_test_clock_file))
    return current


def use_test_clock_file(path: str | None) -> None:
    """Read the clock's offset from ``path`` from now on (None: the wall clock). Settings refuse a
    test clock file in production; this is called with what they allowed."""
    global _test_clock_file
    _test_clock_file = Path(path) if path else None


def _offset_s(path: Path) -> float:
    try:
        return float(path.read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0.0


def request_now() -> datetime:
    """FastAPI dependency: the time a rule of this request compares with (tests override it)."""
    return now()


NowDep = Annotated[datetime, Depends(request_now)]


def in_zone(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone))


def _utc(value: datetime) -> datetime:
    # A naive value can only be one written before this type (SQLite kept no offset): it is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` that always binds and returns aware UTC (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else _utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else _utc(value)


def _utc_if_representable(value: datetime) -> datetime:
    try:
        return _utc(value)
    except OverflowError:  # near year 1 or 9999: left as given for the domain's range check (422)
        return value


UTCInput = Annotated[AwareDatetime, AfterValidator(_utc_if_representable)]
"""A request's time field: must carry an offset; kept as the same instant in UTC."""
