"""Public views of submissions, versions and receipts."""

from __future__ import annotations

from sqlmodel import Session

from peerlab.submissions import repository
from peerlab.submissions.models import Submission, Version
from peerlab.submissions.receipts import ReceiptSigner
from peerlab.submissions.schemas import HandInAccepted, Receipt, ReceiptBody, SubmissionPublic, VersionPublic


def version_public(version: Version, *, current: int | None) -> VersionPublic:
    return VersionPublic(
        id=version.id,
        version=version.version,
        file_name=version.file_name,
        size=version.size,
        sha256=version.sha256,
        channel=version.channel,
        submitted_by=version.submitted_by,  # type: ignore[arg-type]
        received_at=version.received_at,
        accepted_at=version.accepted_at,
        on_time=True,
        current=version.version == current,
        withdrawn_at=version.withdrawn_at,
        warnings=list(version.warnings or []),
    )


def submission_public(submission: Submission, versions: list[Version], *, kind: str) -> SubmissionPublic:
    return SubmissionPublic(
        id=submission.id,
        assignment_id=submission.assignment_id,
        assignment_kind=kind,  # type: ignore[arg-type]
        owner_type=submission.owner_type,
        owner_id=submission.owner_id,  # type: ignore[arg-type]
        current_version=submission.current_version,
        latest_version=submission.latest_version,
        status="handed_in" if submission.current_version is not None else "withdrawn",
        versions=[version_public(v, current=submission.current_version) for v in versions],
    )


def submissions_public(session: Session, submissions: list[Submission]) -> list[SubmissionPublic]:
    versions = repository.versions_of(session, [s.id for s in submissions])
    kinds = {a.id: a.kind for a in repository.assignments_by_ids(session, list({s.assignment_id for s in submissions}))}
    return [submission_public(s, versions.get(s.id, []), kind=kinds[s.assignment_id]) for s in submissions]


def receipt_body(version: Version, *, key_id: str) -> ReceiptBody:
    return ReceiptBody(
        submission_id=version.submission_id,
        version=version.version,
        assignment_id=version.assignment_id,
        owner_id=version.owner_id,
        file_name=version.file_name,
        size=version.size,
        sha256=version.sha256,
        received_at=version.received_at.isoformat(),
        server_time=version.accepted_at.isoformat(),
        key_id=key_id,
    )


def receipt_for(version: Version, signer: ReceiptSigner) -> Receipt:
    body = receipt_body(version, key_id=signer.key_id)
    return Receipt(receipt=body, signature=signer.sign(body.model_dump(mode="json")))


def accepted_body(
    session: Session,
    *,
    signer: ReceiptSigner,
    submission: Submission,
    version: Version,
    kind: str | None = None,
) -> dict:
    """The JSON body answering an accepted hand-in (also what an idempotent retry gets back)."""
    if kind is None:
        public = submissions_public(session, [submission])[0]
    elif submission.latest_version == 1:
        public = submission_public(submission, [version], kind=kind)  # a first hand-in has one version
    else:
        versions = repository.versions_of(session, [submission.id]).get(submission.id, [])
        public = submission_public(submission, versions, kind=kind)
    return HandInAccepted(
        submission=public,
        version=version_public(version, current=submission.current_version),
        receipt=receipt_for(version, signer),
        warnings=list(version.warnings or []),
    ).model_dump(mode="json")
