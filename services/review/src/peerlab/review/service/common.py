"""Small helpers shared by the domain functions: ids and tokens."""

from __future__ import annotations

import secrets
import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def new_task_token() -> str:
    """144 random bits, URL-safe: the only handle a reviewer (and the submissions service) has on a task."""
    return secrets.token_urlsafe(18)
