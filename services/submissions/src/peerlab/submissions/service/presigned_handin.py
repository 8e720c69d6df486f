"""The presigned hand-in: a ticket with a short-lived PUT URL, then a confirmation.

   ticket (one transaction: check the window and the declared name and size, stage the upload)
-> the client PUTs the file to the URL (``staging_key``)
-> confirm: begin (replay, or re-check the window as of the ticket's ``received_at``)
-> read the staged object once (at most the declared size)
-> validate, store, accept (``handin_steps``): the bytes kept under ``versions/`` are the ones
   validated, written from memory, so the URL (which can write its key until it expires) can
   never change an accepted hand-in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from peerlab.chassis.auth import Principal
from peerlab.chassis.clock import now
from peerlab.chassis.errors import ProblemError, not_found
from peerlab.chassis.storage import ObjectNotFound, ObjectTooLarge, StorageUnavailable
from peerlab.submissions import repository
from peerlab.submissions.models import Version
from peerlab.submissions.schemas import UploadCreate, UploadTicket
from peerlab.submissions.service import access, assignments, handins, idempotency, views
from peerlab.submissions.service.handin_steps import (
    Acceptance,
    DeclaredFile,
    HandInOutcome,
    StagedUpload,
    discard,
    store_and_accept,
    validate,
)
from peerlab.submissions.service.runtime import Runtime, in_transaction
from peerlab.submissions.validation import check_file_name, check_size


async def open_upload(
    *,
    rt: Runtime,
    assignment_id: str,
    principal: Principal,
    received_at: datetime,
    declared: UploadCreate,
) -> UploadTicket:
    """A presigned PUT for one file (short expiry); the declared size and SHA-256 are checked on
    confirmation."""
    settings = rt.settings
    expires_at = received_at + timedelta(seconds=settings.upload_url_expiry_s)

    def begin(session: Session) -> tuple[str, str, int]:
        ctx = handins.prepare(
            session,
            assignment_id=assignment_id,
            course_id=settings.course_id,
            principal=principal,
            received_at=received_at,
            close_grace_s=settings.close_grace_s,
            group_id=declared.group_id,
        )
        rules = assignments.rules_of(ctx.assignment)
        name = check_file_name(kind_rules=rules, file_name=declared.file_name)
        check_size(kind_rules=rules, size=declared.size)
        upload = handins.stage_upload(
            session,
            ctx=ctx,
            principal=principal,
            channel="presigned",
            received_at=received_at,
            file_name=name,
            declared_size=declared.size,
            declared_sha256=declared.sha256,
            expires_at=expires_at,
        )
        return upload.id, upload.object_key, rules.max_bytes

    upload_id, key, max_bytes = await in_transaction(rt.engine, begin)
    url = await run_in_threadpool(rt.store.presigned_put, key, expires_s=settings.upload_url_expiry_s)
    return UploadTicket(
        upload_id=upload_id, url=url, expires_at=expires_at, max_bytes=max_bytes, received_at=received_at
    )


@dataclass(frozen=True, kw_only=True)
class ConfirmUpload:
    upload_id: str
    principal: Principal
    path: str
    idem_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class _ToConfirm:
    staged: StagedUpload
    declared: DeclaredFile
    fingerprint: str


async def confirm_upload(*, rt: Runtime, request: ConfirmUpload) -> HandInOutcome:
    """Check the object PUT to the presigned URL (size, SHA-256, content) and accept it.
    Confirming an accepted upload again returns the same result."""
    begun = await in_transaction(rt.engine, lambda session: _begin(session, rt=rt, request=request))
    if isinstance(begun, HandInOutcome):
        await _refuse_bytes_put_after_acceptance(
            rt=rt, upload_id=request.upload_id, accepted=begun.body, keyed=bool(request.idem_key)
        )
        return begun
    staged, declared = begun.staged, begun.declared
    assert staged.staging_key is not None
    try:
        data = await run_in_threadpool(rt.store.read_bytes, staged.staging_key, max_bytes=declared.size)
    except ObjectNotFound:
        raise ProblemError(409, "upload_missing", "Nothing was uploaded to the URL yet; PUT the file first.") from None
    except ObjectTooLarge:
        data = None
    handed_over = False
    try:
        if data is None or len(data) != declared.size:
            found = f"{len(data)} bytes" if data is not None else f"more than {declared.size} bytes"
            raise ProblemError(422, "size_mismatch", f"The uploaded file has {found}, not {declared.size}.")
        result = await validate(rt=rt, data=data, rules=staged.rules, file_name=declared.file_name)
        if result.sha256 != declared.sha256:
            raise ProblemError(422, "sha256_mismatch", "The stored file's SHA-256 is not the one declared.")
        acceptance = Acceptance(principal=request.principal, idem_key=request.idem_key, fingerprint=begun.fingerprint)
        handed_over = True
        outcome = await store_and_accept(rt=rt, staged=staged, data=data, result=result, acceptance=acceptance)
    finally:
        if not handed_over:
            await discard(rt=rt, staged=staged, stored=False)
    if outcome.ours:
        try:
            await run_in_threadpool(rt.store.delete, staged.staging_key)
        except StorageUnavailable:
            pass  # the janitor removes it once the URL has expired
    return outcome


def _begin(session: Session, *, rt: Runtime, request: ConfirmUpload) -> _ToConfirm | HandInOutcome:
    upload = repository.get_upload(session, request.upload_id)
    if upload is None or upload.principal != request.principal.sub or upload.channel != "presigned":
        raise not_found("upload")
    fingerprint = idempotency.confirm_fingerprint(path=request.path, sha256=upload.declared_sha256)
    if request.idem_key:
        hit = idempotency.replay(
            session, principal=request.principal.sub, key=request.idem_key, request_fingerprint=fingerprint
        )
        if hit is not None:
            return HandInOutcome(*hit, ours=False)
    if upload.status == "discarded":
        raise ProblemError(410, "upload_gone", "This upload was discarded; start a new one.")
    assignment = repository.get_assignment(session, upload.assignment_id)
    if upload.status == "accepted":
        version = session.get(Version, upload.version_id)
        submission = repository.get_submission(session, version.submission_id)
        body = views.accepted_body(session, signer=rt.signer, submission=submission, version=version)
        return HandInOutcome(201, body, ours=False)
    closed = handins.is_closed(session, assignment, at=now(), close_grace_s=rt.settings.close_grace_s)
    access.check_window(assignment, received_at=upload.received_at, closed=closed)
    staged = StagedUpload(
        upload_id=upload.id,
        object_key=handins.accepted_key(upload),
        rules=assignments.rules_of(assignment),
        staging_key=upload.object_key,
    )
    declared = DeclaredFile(file_name=upload.file_name, size=upload.declared_size, sha256=upload.declared_sha256)
    return _ToConfirm(staged=staged, declared=declared, fingerprint=fingerprint)


async def _refuse_bytes_put_after_acceptance(*, rt: Runtime, upload_id: str, accepted: dict, keyed: bool) -> None:
    """Confirming an accepted upload again replays its result, unless the client PUT another file
    to the still-valid URL since: that file is not the accepted one and is never kept, so saying
    201 would drop it silently. It is removed and the confirmation refused (``422
    idempotency_key_reused`` with a key, else ``409 upload_already_accepted``). The staging key is
    emptied on acceptance, so anything there was PUT later (or its removal failed: same bytes)."""
    upload = await in_transaction(rt.engine, lambda s: repository.get_upload(s, upload_id))
    if upload is None:
        return
    version = accepted.get("version") or {}
    try:
        data = await run_in_threadpool(rt.store.read_bytes, upload.object_key, max_bytes=int(version.get("size") or 0))
    except ObjectNotFound:
        return
    except ObjectTooLarge:
        data = None
    same = (
        data is not None
        and len(data) == version.get("size")
        and (await run_in_threadpool(lambda: hashlib.sha256(data).hexdigest())) == version.get("sha256")
    )
    await run_in_threadpool(rt.store.delete, upload.object_key)
    if same:
        return
    if keyed:
        raise idempotency.reused()
    raise ProblemError(
        409,
        "upload_already_accepted",
        "This upload was accepted already; the file PUT to its URL afterwards was not kept. "
        "Start a new upload to hand in another version.",
    )
