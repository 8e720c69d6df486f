"""``Idempotency-Key``: the first result of a request is stored with the key, the caller and a
fingerprint of the request; a retry gets that result back, a different request under the same key
is refused (``422 idempotency_key_reused``, as the IETF Idempotency-Key draft asks). Only
successful results are stored: a retry after an error is processed anew.

The fingerprint covers the payload, not only the request line: for a hand-in it is the method,
path, parameters, the file's name *and the SHA-256 of the file's bytes* (of the file itself, not
of the HTTP body, so a multipart retry with a new boundary is still the same request). The same
key with other bytes is therefore refused, never answered with the first file's result."""

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


def handin_fingerprint(*, path: str, file_name: str, group_id: str | None, sha256: str) -> str:
    """A streamed hand-in: path, file name, group and the file's SHA-256."""
    return fingerprint("POST", path, file_name, group_id or "", sha256)


def confirm_fingerprint(*, path: str, sha256: str | None) -> str:
    """A presigned confirmation: path (it names the upload) and the SHA-256 declared for it."""
    return fingerprint("POST", path, sha256 or "")


def reused() -> ProblemError:
    return ProblemError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was used for a different request or different file; use a new key for a new hand-in.",
    )


def find(session: Session, *, principal: str, key: str) -> IdempotencyRecord | None:
    return repository.get_idempotency(session, principal=principal, key=key)


def replay_of(record: IdempotencyRecord, *, request_fingerprint: str) -> tuple[int, dict[str, Any]]:
    """The stored result if ``request_fingerprint`` is the stored one; else ``idempotency_key_reused``."""
    if record.fingerprint != request_fingerprint:
        raise reused()
    return record.status_code, dict(record.response)


def replay(
    session: Session, *, principal: str, key: str, request_fingerprint: str
) -> tuple[int, dict[str, Any]] | None:
    record = find(session, principal=principal, key=key)
    if record is None:
        return None
    return replay_of(record, request_fingerprint=request_fingerprint)


def remember(
    session: Session, *, principal: str, key: str, request_fingerprint: str, status_code: int, response: dict[str, Any]
) -> IdempotencyRecord:
    """Claim the key (a concurrent first request with the same key fails its transaction here);
    set ``record.response`` once the result is known, in the same transaction."""
    record = IdempotencyRecord(
        principal=principal,
        key=key,
        fingerprint=request_fingerprint,
        status_code=status_code,
        response=response,
        created_at=now(),
    )
    session.add(record)
    session.flush()
    return record
