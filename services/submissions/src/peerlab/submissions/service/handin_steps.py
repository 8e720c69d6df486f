"""The steps both hand-in use cases end with, once the file's bytes are in hand:

    validate (a worker process, time- and memory-bounded; it also takes the one SHA-256)
 -> store (one ``put_bytes`` to the upload's own key, its SHA-256 in the object's metadata)
 -> accept (one transaction: version, current pointer, idempotency record, outbox row)

Every failure after staging marks the upload discarded and removes what was stored of it (best
effort; the janitor finishes the job if the store or database is down at that moment), so a
rejected upload leaves no record, no event and no object. A file refused by validation never
reaches the store.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from peerlab.chassis.auth import Principal
from peerlab.submissions.service import handins, idempotency, views
from peerlab.submissions.service.runtime import Runtime, in_transaction, timed
from peerlab.submissions.validation import AssignmentFileRules, ValidationResult, validate_upload

log = logging.getLogger("peerlab.submissions.handins")


@dataclass(frozen=True, kw_only=True)
class StagedUpload:
    """An upload recorded as staged: ``object_key`` is where its accepted bytes are kept;
    ``staging_key`` (presigned uploads) is where the client's URL writes."""

    upload_id: str
    object_key: str
    rules: AssignmentFileRules
    staging_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class DeclaredFile:
    """What a presigned upload's ticket declared about its file."""

    file_name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class HandInOutcome:
    """A response body; ``ours`` is False when it is another request's stored first result."""

    status_code: int
    body: dict[str, Any]
    ours: bool = True


@dataclass(frozen=True, kw_only=True)
class Acceptance:
    """Who accepts, and under which Idempotency-Key and request fingerprint."""

    principal: Principal
    idem_key: str | None
    fingerprint: str


async def validate(*, rt: Runtime, data: bytes, rules: AssignmentFileRules, file_name: str) -> ValidationResult:
    """``validate_upload`` in a worker process; ``ValidationFailure`` is raised as it is (the app
    answers it as a problem)."""
    with timed("validate"):
        return await rt.pool.run(
            validate_upload,
            timeout_s=rt.settings.validation_timeout_s,
            kind_rules=rules,
            file_name=file_name,
            data=data,
        )


async def store(*, rt: Runtime, key: str, data: bytes, sha256: str) -> None:
    with timed("store"):
        await run_in_threadpool(rt.store.put_bytes, key, data, content_type="application/octet-stream", sha256=sha256)


async def store_and_accept(
    *,
    rt: Runtime,
    staged: StagedUpload,
    data: bytes,
    result: ValidationResult,
    acceptance: Acceptance,
) -> HandInOutcome:
    """Keep the validated bytes and accept them; any failure discards the upload."""
    accepted = False
    try:
        await store(rt=rt, key=staged.object_key, data=data, sha256=result.sha256)
        outcome = await accept(rt=rt, upload_id=staged.upload_id, result=result, acceptance=acceptance)
        accepted = outcome.ours
        return outcome
    finally:
        if not accepted:
            await asyncio.shield(discard(rt=rt, staged=staged, stored=True))


async def discard(*, rt: Runtime, staged: StagedUpload, stored: bool) -> None:
    """Mark a rejected upload discarded and remove its objects; failures are left to the janitor.

    ``object_key`` (written only if ``stored``) is kept when the upload turns out to be accepted:
    two confirmations of one presigned upload share its ``versions/`` key, and the one that lost
    the race (a concurrent retry with the same Idempotency-Key) must not delete the winner's
    accepted copy. A streamed upload's key belongs to this request alone.
    """
    status: str | None = None
    try:
        status = await in_transaction(rt.engine, lambda s: handins.discard_upload(s, upload_id=staged.upload_id))
    except Exception as exc:  # noqa: BLE001 - the janitor retries
        log.warning("could not mark upload %s discarded: %s", staged.upload_id, exc)
    # Unknown status (database down): a presigned upload's copy is left to the janitor, which
    # removes both keys of an upload still staged after ``stale_upload_after_s``.
    keep_object = not stored or status == "accepted" or (status is None and staged.staging_key is not None)
    keys = [k for k in (None if keep_object else staged.object_key, staged.staging_key) if k]
    for key in dict.fromkeys(keys):
        try:
            await run_in_threadpool(rt.store.delete, key)
        except Exception as exc:  # noqa: BLE001 - the janitor retries
            log.warning("could not delete staged object %s: %s", key, exc)


async def accept(*, rt: Runtime, upload_id: str, result: ValidationResult, acceptance: Acceptance) -> HandInOutcome:
    """The accepting transaction; a concurrent request that won the same Idempotency-Key wins."""
    principal, idem_key, fingerprint = acceptance.principal, acceptance.idem_key, acceptance.fingerprint

    def work(session: Session) -> HandInOutcome:
        warnings = [w.model_dump(mode="json") for w in result.warnings]
        assignment, submission, version = handins.accept_upload(
            session,
            upload_id=upload_id,
            file_name=result.file_name,
            size=result.size,
            sha256=result.sha256,
            warnings=warnings,
            close_grace_s=rt.settings.close_grace_s,
        )
        body = views.accepted_body(
            session, signer=rt.signer, submission=submission, version=version, kind=assignment.kind
        )
        if idem_key:  # a concurrent request that claimed the key first makes this insert fail
            idempotency.remember(
                session,
                principal=principal.sub,
                key=idem_key,
                request_fingerprint=fingerprint,
                status_code=201,
                response=body,
            )
        return HandInOutcome(201, body)

    try:
        with timed("accept"):
            return await in_transaction(rt.engine, work)
    except IntegrityError:
        if not idem_key:
            raise
        hit = await in_transaction(
            rt.engine,
            lambda s: idempotency.replay(s, principal=principal.sub, key=idem_key, request_fingerprint=fingerprint),
        )
        if hit is None:
            raise
        return HandInOutcome(*hit, ours=False)
