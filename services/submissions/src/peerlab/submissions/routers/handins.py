"""The two hand-in paths: a streamed upload, and a presigned PUT confirmed afterwards.

These endpoints are ``async`` (the body is read with ``request.stream()``) and do not use the
request-scoped session: each database step is its own short transaction (see ``flow``), and the
accepting transaction commits before the response is sent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.chassis.errors import ProblemError, not_found
from peerlab.chassis.storage import StorageUnavailable, UploadAborted, put_async_stream
from peerlab.submissions import flow, ingest
from peerlab.submissions.stored import digest_stored, store_config
from peerlab.chassis.clock import now
from peerlab.submissions.routers.deps import IdempotencyKey, ReceivedAt, RuntimeDep
from peerlab.submissions.schemas import HandInAccepted, UploadCreate, UploadTicket
from peerlab.submissions.service import assignments as assignment_svc
from peerlab.submissions import repository
from peerlab.submissions.models import Version
from peerlab.submissions.service import access, handins, idempotency, views
from peerlab.submissions.validation import StreamGuard, ValidationFailure, check_file_name, check_size

router = APIRouter(prefix="/v1", tags=["hand-ins"])

PROBLEMS = {
    403: {"description": "not_allowed: not a student, not in the group, or no failed lab to resubmit"},
    409: {"description": "deadline_passed, not_open, upload_missing, upload_already_accepted"},
    413: {"description": "too_large"},
    422: {"description": "wrong_file_type, file_name_rule, not_json, invalid_notebook, too_complex, "
                         "empty_file, invalid_pdf, too_many_pages, missing_repository_url, unsafe_file_name, "
                         "too_many_files, no_file, size_mismatch, sha256_mismatch, idempotency_key_reused"},
    503: {"description": "storage_unavailable, database_unavailable, too_busy (with Retry-After)"},
}


def _replayed(outcome: flow.Replayed) -> JSONResponse:
    headers = {} if outcome.ours else {"Idempotent-Replayed": "true"}
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


@router.post("/assignments/{assignment_id}/submissions", status_code=201, response_model=HandInAccepted,
             responses=PROBLEMS,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}})
async def hand_in(
    assignment_id: str, request: Request, received_at: ReceivedAt, principal: CurrentPrincipal,
    rt: RuntimeDep, idem_key: IdempotencyKey,
    file_name: Annotated[str | None, Query(max_length=1000, description="For a raw body: the file's name")] = None,
    group_id: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    """Stream one file into storage as it arrives, validate it, and make it the current version.

    Send the file as the raw body (with ``?file_name=``) or as the only file of a
    ``multipart/form-data`` form. The hand-in is on time iff this request reached the server
    before the deadline (see the README's deadline rule).
    """
    settings = rt.settings
    path = request.url.path

    def begin(session: Session) -> flow.Begun | flow.KeySeen:
        if idem_key and (record := idempotency.find(session, principal=principal.sub, key=idem_key)) is not None:
            assignment = repository.get_assignment(session, assignment_id)
            if assignment is None or assignment.course_id != settings.course_id:
                raise idempotency.reused()  # the stored result came from an existing assignment
            return flow.KeySeen(record.fingerprint, record.status_code, dict(record.response),
                                assignment_svc.rules_of(assignment).max_bytes)
        ctx = handins.prepare(session, assignment_id=assignment_id, course_id=settings.course_id,
                              principal=principal, received_at=received_at, close_grace_s=settings.close_grace_s,
                              group_id=group_id)
        rules = assignment_svc.rules_of(ctx.assignment)
        if file_name is not None:
            check_file_name(kind_rules=rules, file_name=file_name)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > rules.max_bytes + 64 * 1024:
            check_size(kind_rules=rules, size=int(declared))
        upload = handins.stage_upload(session, ctx=ctx, principal=principal, channel="stream",
                                      received_at=received_at)
        return flow.Begun(upload.id, upload.object_key, rules, {})

    rt.admit()  # before anything is staged: a refused request leaves nothing behind
    try:
        try:
            with flow.timed("begin"):
                begun = await flow.in_transaction(rt.engine, begin)
        except ValidationFailure as failure:
            raise flow.validation_problem(failure) from None
        if isinstance(begun, flow.KeySeen):
            return await _replay_if_same_file(request, begun, path=path, file_name=file_name, group_id=group_id)
        stored = False
        try:
            body = ingest.body_for(request.headers.get("content-type", ""), request.stream(), file_name)
            sent_name = await body.start()
            name = check_file_name(kind_rules=begun.rules, file_name=sent_name)
            guard = StreamGuard.for_rules(begun.rules)
            async with rt.put_slots:  # bounds the part buffers held at once; the rest wait unread
                with flow.timed("stream"):
                    await put_async_stream(
                        rt.store, begun.object_key, ingest.coalesced(ingest.guarded(body.chunks(), guard)),
                        content_type="application/octet-stream", max_bytes=begun.rules.max_bytes)
            stored = True
        except ValidationFailure as failure:
            raise flow.validation_problem(failure) from None
        except ClientDisconnect:
            raise ProblemError(400, "upload_aborted", "The client went away before the file arrived.") from None
        except UploadAborted as exc:
            raise ProblemError(408, "upload_timeout", f"The upload stalled: {exc}") from None
        finally:
            if not stored:
                await flow.discard(rt, upload_id=begun.upload_id, object_key=begun.object_key)
        sha256 = guard.finish().sha256
        fingerprint = idempotency.handin_fingerprint(path=path, file_name=sent_name, group_id=group_id, sha256=sha256)
        outcome = await flow.finish(rt, begun=begun, principal=principal, file_name=name,
                                    expected_sha256=sha256, expected_size=guard.size,
                                    idem_key=idem_key, idem_fingerprint=fingerprint)
    finally:
        rt.release()
    return _replayed(outcome)


async def _replay_if_same_file(
    request: Request, seen: flow.KeySeen, *, path: str, file_name: str | None, group_id: str | None,
) -> JSONResponse:
    """A retry under a used key: hash the body (nothing is staged or stored) and replay the stored
    result only if it is the same file; anything else is ``idempotency_key_reused``."""
    guard = StreamGuard(max_bytes=seen.max_bytes)
    try:
        body = ingest.body_for(request.headers.get("content-type", ""), request.stream(), file_name)
        sent_name = await body.start()
        async for chunk in body.chunks():
            guard.feed(chunk)
        sha256 = guard.finish().sha256
    except ValidationFailure:
        raise idempotency.reused() from None  # no name, empty or too large: not the accepted file
    except ClientDisconnect:
        raise ProblemError(400, "upload_aborted", "The client went away before the file arrived.") from None
    fingerprint = idempotency.handin_fingerprint(path=path, file_name=sent_name, group_id=group_id, sha256=sha256)
    if fingerprint != seen.record_fingerprint:
        raise idempotency.reused()
    return _replayed(flow.Replayed(seen.status_code, seen.body, ours=False))


@router.post("/assignments/{assignment_id}/uploads", status_code=201, response_model=UploadTicket,
             responses=PROBLEMS)
async def create_upload(
    assignment_id: str, body: UploadCreate, received_at: ReceivedAt, principal: CurrentPrincipal, rt: RuntimeDep,
) -> UploadTicket:
    """A presigned PUT for one file (short expiry); then call ``POST /v1/uploads/{id}/confirm``.

    The size and SHA-256 declared here are checked against the stored object on confirmation.
    """
    settings = rt.settings
    expires_at = received_at + timedelta(seconds=settings.upload_url_expiry_s)

    def begin(session: Session):
        ctx = handins.prepare(session, assignment_id=assignment_id, course_id=settings.course_id,
                              principal=principal, received_at=received_at, close_grace_s=settings.close_grace_s,
                              group_id=body.group_id)
        rules = assignment_svc.rules_of(ctx.assignment)
        name = check_file_name(kind_rules=rules, file_name=body.file_name)
        check_size(kind_rules=rules, size=body.size)
        upload = handins.stage_upload(session, ctx=ctx, principal=principal, channel="presigned",
                                      received_at=received_at, file_name=name, declared_size=body.size,
                                      declared_sha256=body.sha256, expires_at=expires_at)
        return upload, rules

    try:
        upload, rules = await flow.in_transaction(rt.engine, begin)
    except ValidationFailure as failure:
        raise flow.validation_problem(failure) from None
    url = await run_in_threadpool(rt.store.presigned_put, upload.object_key, expires_s=settings.upload_url_expiry_s)
    return UploadTicket(upload_id=upload.id, url=url, expires_at=expires_at, max_bytes=rules.max_bytes,
                        received_at=received_at)


@router.post("/uploads/{upload_id}/confirm", status_code=201, response_model=HandInAccepted, responses=PROBLEMS)
async def confirm_upload(
    upload_id: str, request: Request, principal: CurrentPrincipal, rt: RuntimeDep, idem_key: IdempotencyKey,
) -> JSONResponse:
    """Check the object PUT to the presigned URL (size, SHA-256, content) and accept it.

    Confirming an accepted upload again returns the same result.
    """
    path = request.url.path
    fingerprint: str = ""

    def begin(session: Session) -> flow.Begun | flow.Replayed:
        nonlocal fingerprint
        upload = repository.get_upload(session, upload_id)
        if upload is None or upload.principal != principal.sub or upload.channel != "presigned":
            raise not_found("upload")
        fingerprint = idempotency.confirm_fingerprint(path=path, sha256=upload.declared_sha256)
        if idem_key:
            hit = idempotency.replay(session, principal=principal.sub, key=idem_key, request_fingerprint=fingerprint)
            if hit is not None:
                return flow.Replayed(*hit, ours=False)
        if upload.status == "discarded":
            raise ProblemError(410, "upload_gone", "This upload was discarded; start a new one.")
        assignment = repository.get_assignment(session, upload.assignment_id)
        rules = assignment_svc.rules_of(assignment)
        if upload.status == "accepted":
            version = session.get(Version, upload.version_id)
            submission = repository.get_submission(session, version.submission_id)
            body = views.accepted_body(session, signer=rt.signer, submission=submission, version=version)
            return flow.Replayed(201, body, ours=False)
        closed = handins.is_closed(session, assignment, at=now(), close_grace_s=rt.settings.close_grace_s)
        access.check_window(assignment, received_at=upload.received_at, closed=closed)
        return flow.Begun(upload.id, handins.accepted_key(upload), rules,
                          {"file_name": upload.file_name, "size": upload.declared_size, "sha256": upload.declared_sha256},
                          staging_key=upload.object_key)

    begun = await flow.in_transaction(rt.engine, begin)
    if isinstance(begun, flow.Replayed):
        await _refuse_bytes_put_after_acceptance(rt, upload_id=upload_id, accepted=begun.body, keyed=bool(idem_key))
        return _replayed(begun)
    stat = await run_in_threadpool(rt.store.stat, begun.staging_key)
    if stat is None:
        raise ProblemError(409, "upload_missing", "Nothing was uploaded to the URL yet; PUT the file first.")
    if stat.size != begun.extra["size"]:
        await flow.discard(rt, upload_id=begun.upload_id, object_key=begun.object_key, staging_key=begun.staging_key)
        raise ProblemError(422, "size_mismatch", f"The uploaded file has {stat.size} bytes, not {begun.extra['size']}.")
    # Freeze the bytes: the URL can write its key until it expires, the copy's key it cannot.
    # What is validated and kept is the copy, checked against the declared size and SHA-256.
    await run_in_threadpool(rt.store.copy, begun.staging_key, begun.object_key)
    try:
        await run_in_threadpool(rt.store.delete, begun.staging_key)
    except StorageUnavailable:
        pass  # the janitor removes it once the URL has expired
    outcome = await flow.finish(rt, begun=begun, principal=principal, file_name=begun.extra["file_name"],
                                expected_sha256=begun.extra["sha256"], expected_size=begun.extra["size"],
                                idem_key=idem_key, idem_fingerprint=fingerprint)
    return _replayed(outcome)


async def _refuse_bytes_put_after_acceptance(rt: flow.Runtime, *, upload_id: str, accepted: dict, keyed: bool) -> None:
    """Confirming an accepted upload again replays its result, unless the client PUT another file
    to the still-valid URL since: that file is not the accepted one and is never kept, so saying
    201 would drop it silently. It is removed and the confirmation refused (``422
    idempotency_key_reused`` with a key, else ``409 upload_already_accepted``). The staging key is
    emptied on acceptance, so anything there was PUT later (or its removal failed: same bytes)."""
    upload = await flow.in_transaction(rt.engine, lambda s: repository.get_upload(s, upload_id))
    if upload is None:
        return
    stat = await run_in_threadpool(rt.store.stat, upload.object_key)
    if stat is None:
        return
    version = accepted.get("version") or {}
    same = stat.size == version.get("size")
    if same:
        outcome = await rt.pool.run(digest_stored, timeout_s=rt.settings.validation_timeout_s,
                                    config=store_config(rt.settings), key=upload.object_key,
                                    max_bytes=int(version["size"]))
        same = outcome.status == "ok" and outcome.result == version.get("sha256")
    await run_in_threadpool(rt.store.delete, upload.object_key)
    if same:
        return
    if keyed:
        raise idempotency.reused()
    raise ProblemError(409, "upload_already_accepted",
                       "This upload was accepted already; the file PUT to its URL afterwards was not kept. "
                       "Start a new upload to hand in another version.")
