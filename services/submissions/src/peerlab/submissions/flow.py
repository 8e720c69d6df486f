"""The asynchronous steps of a hand-in, shared by both upload paths.

    begin (short transaction: replay an idempotent retry, or check the window and stage the upload)
 -> bytes reach the store under the upload's own key (streamed, or PUT by the client to a
    presigned URL)
 -> validation in a worker process that reads the staged object (time- and memory-bounded)
 -> accept (one transaction: version, current pointer, receipt source, idempotency record, outbox row)

Every failure after staging deletes the staged object and marks the upload discarded (best
effort; the janitor finishes the job if the store or database is down at that moment), so a
rejected upload leaves no record, no event and no object.

The database steps run in the thread pool, each in its own ``unit_of_work``: a request never
holds a connection (or a transaction) while bytes are still arriving.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from prometheus_client import Histogram
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from peerlab.chassis.auth import Principal
from peerlab.chassis.db import unit_of_work
from peerlab.chassis.errors import ProblemError, unavailable
from peerlab.chassis.storage import ObjectStore, StorageUnavailable
from peerlab.submissions.receipts import ReceiptSigner
from peerlab.submissions.service import handins, idempotency, views
from peerlab.submissions.settings import SubmissionsSettings
from peerlab.submissions.stored import StoredOutcome, store_config, validate_stored_upload
from peerlab.submissions.validation import AssignmentFileRules, ValidationFailure, ValidationResult, ValidatorPool

log = logging.getLogger("peerlab.submissions.flow")
STAGE_SECONDS = Histogram(
    "peerlab_submissions_handin_stage_seconds", "Time spent in each step of a hand-in",
    ["stage"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        STAGE_SECONDS.labels(stage).observe(time.perf_counter() - started)
T = TypeVar("T")
SQLITE_RETRIES = 20


def _run(engine: Engine, fn: Callable[[Session], T]) -> T:
    """``fn`` in one transaction; SQLite's "database is locked" (a concurrent writer) is retried."""
    for attempt in range(SQLITE_RETRIES):
        try:
            with unit_of_work(engine) as session:
                return fn(session)
        except OperationalError as exc:
            if engine.dialect.name != "sqlite" or "locked" not in str(exc) or attempt == SQLITE_RETRIES - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


async def in_transaction(engine: Engine, fn: Callable[[Session], T]) -> T:
    return await run_in_threadpool(_run, engine, fn)


@dataclass
class Runtime:
    """What a hand-in needs from the app (``app.state.runtime``)."""

    settings: SubmissionsSettings
    engine: Engine
    store: ObjectStore
    signer: ReceiptSigner
    pool: ValidatorPool
    in_flight: int = 0
    put_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(8))

    def admit(self) -> None:
        if self.in_flight >= self.settings.max_uploads_in_flight:
            raise unavailable("too_busy", "Too many uploads in progress; try again shortly.", retry_after_s=2)
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1


@dataclass(frozen=True)
class Begun:
    """A staged upload: ``object_key`` holds the bytes to validate and keep; ``staging_key`` (presigned
    uploads) is where the client's URL writes."""

    upload_id: str
    object_key: str
    rules: AssignmentFileRules
    extra: dict[str, Any]
    staging_key: str | None = None


@dataclass(frozen=True)
class KeySeen:
    """An Idempotency-Key already holds a result: whether this request may have it depends on its
    file's bytes, so the body is hashed (not stored) before the stored fingerprint is compared."""

    record_fingerprint: str
    status_code: int
    body: dict[str, Any]
    max_bytes: int


@dataclass(frozen=True)
class Replayed:
    """A response body; ``ours`` is False when it is another request's stored first result."""

    status_code: int
    body: dict[str, Any]
    ours: bool = True


def validation_problem(failure: ValidationFailure) -> ProblemError:
    return ProblemError(failure.status, failure.code, failure.message, extra={"details": failure.details})


async def validate_staged(rt: Runtime, *, key: str, rules: AssignmentFileRules, file_name: str) -> ValidationResult:
    with timed("validate"):
        outcome: StoredOutcome = await rt.pool.run(
            validate_stored_upload, timeout_s=rt.settings.validation_timeout_s,
            config=store_config(rt.settings), key=key, kind_rules=rules, file_name=file_name)
    if outcome.status == "storage_unavailable":
        raise StorageUnavailable(outcome.detail)
    if outcome.status == "missing":
        raise ProblemError(409, "upload_missing", "No uploaded bytes were found; upload the file first.")
    return outcome.result


async def discard(rt: Runtime, *, upload_id: str, object_key: str, staging_key: str | None = None) -> None:
    """Mark a rejected upload discarded and remove its objects; failures are left to the janitor.

    ``object_key`` is kept when the upload turns out to be accepted: two confirmations of one
    presigned upload share its ``versions/`` key, and the one that lost the race (a concurrent
    retry with the same Idempotency-Key) must not delete the winner's accepted copy. A streamed
    upload's key belongs to this request alone.
    """
    status: str | None = None
    try:
        status = await in_transaction(rt.engine, lambda s: handins.discard_upload(s, upload_id=upload_id))
    except Exception as exc:  # noqa: BLE001 - the janitor retries
        log.warning("could not mark upload %s discarded: %s", upload_id, exc)
    # Unknown status (database down): a presigned upload's copy is left to the janitor, which
    # removes both keys of an upload still staged after ``stale_upload_after_s``.
    keep_object = status == "accepted" or (status is None and staging_key is not None)
    keys = [k for k in (None if keep_object else object_key, staging_key) if k]
    for key in dict.fromkeys(keys):
        try:
            await run_in_threadpool(rt.store.delete, key)
        except Exception as exc:  # noqa: BLE001 - the janitor retries
            log.warning("could not delete staged object %s: %s", key, exc)


async def accept(
    rt: Runtime, *, upload_id: str, principal: Principal, result: ValidationResult,
    idem_key: str | None, idem_fingerprint: str,
) -> Replayed:
    """The accepting transaction; a concurrent request that won the same Idempotency-Key wins."""

    def work(session: Session) -> Replayed:
        record = None
        if idem_key:  # claimed first: a concurrent request with the same key waits here, then fails
            record = idempotency.remember(session, principal=principal.sub, key=idem_key,
                                          request_fingerprint=idem_fingerprint, status_code=201, response={})
        warnings = [w.model_dump(mode="json") for w in result.warnings]
        assignment, submission, version = handins.accept_upload(
            session, upload_id=upload_id, file_name=result.file_name, size=result.size, sha256=result.sha256,
            warnings=warnings, close_grace_s=rt.settings.close_grace_s)
        body = views.accepted_body(session, signer=rt.signer, submission=submission, version=version,
                                   kind=assignment.kind)
        if record is not None:
            record.response = body
            session.add(record)
        return Replayed(201, body)

    try:
        with timed("accept"):
            return await in_transaction(rt.engine, work)
    except IntegrityError:
        if not idem_key:
            raise
        hit = await in_transaction(rt.engine, lambda s: idempotency.replay(
            s, principal=principal.sub, key=idem_key, request_fingerprint=idem_fingerprint))
        if hit is None:
            raise
        return Replayed(*hit, ours=False)


async def finish(
    rt: Runtime, *, begun: Begun, principal: Principal, file_name: str, expected_sha256: str | None,
    expected_size: int | None, idem_key: str | None, idem_fingerprint: str,
) -> Replayed:
    """Validate the staged bytes and accept them; any failure discards the upload."""
    accepted = False
    try:
        result = await validate_staged(rt, key=begun.object_key, rules=begun.rules, file_name=file_name)
        if expected_size is not None and result.size != expected_size:
            raise ProblemError(422, "size_mismatch", f"The stored file has {result.size} bytes, not {expected_size}.")
        if expected_sha256 is not None and result.sha256 != expected_sha256:
            raise ProblemError(422, "sha256_mismatch", "The stored file's SHA-256 is not the one declared.")
        outcome = await accept(rt, upload_id=begun.upload_id, principal=principal, result=result,
                               idem_key=idem_key, idem_fingerprint=idem_fingerprint)
        accepted = outcome.ours
        return outcome
    except ValidationFailure as failure:
        raise validation_problem(failure) from None
    finally:
        if not accepted:
            await asyncio.shield(discard(rt, upload_id=begun.upload_id, object_key=begun.object_key,
                                         staging_key=begun.staging_key))

