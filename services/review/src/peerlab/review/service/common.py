"""Small helpers shared by the domain functions: ids, tokens, time."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime


def new_id() -> str:
    return str(uuid.uuid4())


def new_task_token() -> str:
    """144 random bits, URL-safe: the only handle a reviewer (and the submissions service) has on a task."""
    return secrets.token_urlsafe(18)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
