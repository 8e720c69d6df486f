"""``Idempotency-Key``: the first result of a request is stored with the key, the caller and a
fingerprint of the request; a retry gets that result back, a different request under the same key
is refused. Only successful results are stored: a retry after an error is processed anew."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlmodel import Session

from peerlab.chassis.errors import ProblemError
from peerlab.submissions import repository
from peerlab.chassis.clock import now
from peerlab.submissions.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ProblemError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 printable ASCII characters.")
    return key


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def replay(session: Session, *, principal: str, key: str, request_fingerprint: str) -> tuple[int, dict[str, Any]] | None:
    record = repository.get_idempotency(session, principal=principal, key=key)
    if record is None:
        return None
    if record.fingerprint != request_fingerprint:
        raise ProblemError(422, "idempotency_key_reused",
                           "This Idempotency-Key was used for a different request.")
    return record.status_code, dict(record.response)


def remember(session: Session, *, principal: str, key: str, request_fingerprint: str, status_code: int,
             response: dict[str, Any]) -> IdempotencyRecord:
    """Claim the key (a concurrent first request with the same key fails its transaction here);
    set ``record.response`` once the result is known, in the same transaction."""
    record = IdempotencyRecord(principal=principal, key=key, fingerprint=request_fingerprint,
                               status_code=status_code, response=response, created_at=now())
    session.add(record)
    session.flush()
    return record
