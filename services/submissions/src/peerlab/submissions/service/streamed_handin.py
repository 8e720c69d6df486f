"""The streamed hand-in: the file is the request's body.

    begin (short transaction: replay an idempotent retry, or check the window and stage the upload)
 -> read the body once into one buffer sized by its Content-Length (size limit and first-bytes
    kind checked as it arrives; at most ``max_concurrent_puts`` bodies held at once)
 -> validate, store, accept (``handin_steps``)

The hand-in is on time iff the request reached the server before the deadline (``received_at``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session
from starlette.requests import ClientDisconnect

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError
from peerlab.submissions import ingest, repository
from peerlab.submissions.service import assignments, handins, idempotency
from peerlab.submissions.service.handin_steps import (
    Acceptance,
    HandInOutcome,
    StagedUpload,
    discard,
    store_and_accept,
    validate,
)
from peerlab.submissions.service.runtime import Runtime, in_transaction, timed
from peerlab.submissions.validation import BodyBuffer, StreamGuard, ValidationFailure, check_file_name, check_size

MULTIPART_SLACK = 64 * 1024  # a form's boundaries and headers around the file


@dataclass(frozen=True, kw_only=True)
class StreamedHandIn:
    """One streamed hand-in request: who, where, when it arrived, and its (unread) body."""

    assignment_id: str
    principal: Principal
    received_at: datetime
    path: str
    content_type: str
    content_length: int | None
    body: AsyncIterator[bytes]
    file_name: str | None = None
    group_id: str | None = None
    idem_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class _KeySeen:
    """The Idempotency-Key already holds a result: whether this request may have it depends on its
    file's bytes, so the body is hashed (not stored) before the stored fingerprint is compared."""

    fingerprint: str
    status_code: int
    body: dict[str, Any]
    max_bytes: int


async def hand_in_streamed(*, rt: Runtime, request: StreamedHandIn) -> HandInOutcome:
    """Receive, validate and accept one streamed file as the owner's new current version."""
    rt.admit()  # before anything is staged: a refused request leaves nothing behind
    try:
        with timed("begin"):
            begun = await in_transaction(rt.engine, lambda session: _begin(session, rt=rt, request=request))
        if isinstance(begun, _KeySeen):
            return await _replay_if_same_file(request=request, seen=begun)
        return await _receive(rt=rt, request=request, staged=begun)
    except ClientDisconnect:
        raise ProblemError(400, "upload_aborted", "The client went away before the file arrived.") from None
    finally:
        rt.release()


def _begin(session: Session, *, rt: Runtime, request: StreamedHandIn) -> StagedUpload | _KeySeen:
    """Everything decidable before a byte is read (the caller's transaction commits it)."""
    course_id = rt.settings.course_id
    if (
        request.idem_key
        and (record := idempotency.find(session, principal=request.principal.sub, key=request.idem_key)) is not None
    ):
        assignment = repository.get_assignment(session, request.assignment_id)
        if assignment is None or assignment.course_id != course_id:
            raise idempotency.reused()  # the stored result came from an existing assignment
        return _KeySeen(
            fingerprint=record.fingerprint,
            status_code=record.status_code,
            body=dict(record.response),
            max_bytes=assignments.rules_of(assignment).max_bytes,
        )
    ctx = handins.prepare(
        session,
        assignment_id=request.assignment_id,
        course_id=course_id,
        principal=request.principal,
        received_at=request.received_at,
        close_grace_s=rt.settings.close_grace_s,
        group_id=request.group_id,
    )
    rules = assignments.rules_of(ctx.assignment)
    if request.file_name is not None:
        check_file_name(kind_rules=rules, file_name=request.file_name)
    if request.content_length is not None and request.content_length > rules.max_bytes + MULTIPART_SLACK:
        check_size(kind_rules=rules, size=request.content_length)
    upload = handins.stage_upload(
        session, ctx=ctx, principal=request.principal, channel="stream", received_at=request.received_at
    )
    return StagedUpload(upload_id=upload.id, object_key=upload.object_key, rules=rules)


async def _receive(*, rt: Runtime, request: StreamedHandIn, staged: StagedUpload) -> HandInOutcome:
    """Read, validate and keep the file; anything refused before the store discards the upload."""
    handed_over = False  # then store_and_accept discards on failure
    try:
        body = ingest.body_for(request.content_type, request.body, request.file_name)
        sent_name = await body.start()
        name = check_file_name(kind_rules=staged.rules, file_name=sent_name)
        async with rt.body_slots:  # bounds the files held at once; the rest wait unread
            buffer = BodyBuffer(
                max_bytes=staged.rules.max_bytes, kind_rules=staged.rules, size_hint=request.content_length
            )
            with timed("receive"):
                data = await ingest.read_into(body.chunks(), buffer)
            result = await validate(rt=rt, data=data, rules=staged.rules, file_name=name)
            fingerprint = idempotency.handin_fingerprint(
                path=request.path, file_name=sent_name, group_id=request.group_id, sha256=result.sha256
            )
            acceptance = Acceptance(principal=request.principal, idem_key=request.idem_key, fingerprint=fingerprint)
            handed_over = True
            return await store_and_accept(rt=rt, staged=staged, data=data, result=result, acceptance=acceptance)
    finally:
        if not handed_over:
            await asyncio.shield(discard(rt=rt, staged=staged, stored=False))


async def _replay_if_same_file(*, request: StreamedHandIn, seen: _KeySeen) -> HandInOutcome:
    """A retry under a used key: hash the body (nothing is staged or stored) and replay the stored
    result only if it is the same file; anything else is ``idempotency_key_reused``."""
    guard = StreamGuard(max_bytes=seen.max_bytes)
    try:
        body = ingest.body_for(request.content_type, request.body, request.file_name)
        sent_name = await body.start()
        async for chunk in body.chunks():
            guard.feed(chunk)
        sha256 = guard.finish().sha256
    except ValidationFailure:
        raise idempotency.reused() from None  # no name, empty or too large: not the accepted file
    fingerprint = idempotency.handin_fingerprint(
        path=request.path, file_name=sent_name, group_id=request.group_id, sha256=sha256
    )
    if fingerprint != seen.fingerprint:
        raise idempotency.reused()
    return HandInOutcome(seen.status_code, seen.body, ours=False)
