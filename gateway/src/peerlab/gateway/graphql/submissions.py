"""Assignments, hand-ins (submissions with versions and signed receipts), presigned uploads."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from peerlab.gateway.clients.base import BackendError
from peerlab.gateway.clients.models import submissions as sm
from peerlab.gateway.graphql.errors import from_backend
from peerlab.gateway.graphql.scalars import JSON, AssignmentKind, OwnerType
from peerlab.gateway.graphql.values import DownloadLink, _dt, download_link

if TYPE_CHECKING:
    from peerlab.gateway.graphql.review import ReviewRound


@strawberry.type
class Assignment:
    id: strawberry.ID
    kind: AssignmentKind
    lab_number: int | None
    title: str
    owner_type: OwnerType
    opens_at: datetime
    deadline: datetime = strawberry.field(description="UTC.")
    deadline_local: datetime = strawberry.field(description="In the course's time zone.")
    time_zone: str
    closed: bool
    file_rules: JSON

    @classmethod
    def from_api(cls, row: sm.AssignmentPublic) -> Assignment:
        return cls(
            id=strawberry.ID(row.id),
            kind=AssignmentKind(row.kind),
            lab_number=row.lab_number,
            title=row.title,
            owner_type=OwnerType(row.owner_type),
            opens_at=row.opens_at,
            deadline=row.deadline,
            deadline_local=row.deadline_local,
            time_zone=row.time_zone,
            closed=row.closed,
            file_rules=row.file_rules,
        )

    @strawberry.field(description="The peer-review round of a lab (k, window, rubric).")
    async def review_round(
        self, info: Info
    ) -> Annotated[ReviewRound, strawberry.lazy("peerlab.gateway.graphql.review")] | None:
        if self.kind != AssignmentKind.LAB or self.lab_number is None:
            return None
        from peerlab.gateway.graphql.review import ReviewRound

        try:
            row = await info.context.review.lab_round(lab_number=self.lab_number)
        except BackendError as exc:
            if exc.status == 404:
                return None
            raise from_backend(exc) from exc
        return ReviewRound.from_api(row)

    @strawberry.field(description="The caller's own hand-in for this assignment, if any.")
    async def my_hand_in(self, info: Info) -> Submission | None:
        principal = info.context.user()
        rows = await info.context.loaders.submissions_of_owner.load(principal.sub)
        return next((Submission.from_api(r) for r in rows if r.assignment_id == self.id), None)


@strawberry.type
class ValidationWarning:
    code: str
    message: str


def warnings_of(rows: list[sm.ValidationWarningPublic]) -> list[ValidationWarning]:
    return [ValidationWarning(code=w.code, message=w.message) for w in rows]


@strawberry.enum
class HandInChannel(Enum):
    STREAM = "stream"
    PRESIGNED = "presigned"


@strawberry.type
class SubmissionVersion:
    id: strawberry.ID
    version: int
    file_name: str
    size: int
    sha256: str
    channel: HandInChannel
    received_at: datetime
    accepted_at: datetime
    on_time: bool
    current: bool
    withdrawn_at: datetime | None
    warnings: list[ValidationWarning]
    submission_id: strawberry.Private[str]

    @classmethod
    def from_api(cls, row: sm.VersionPublic, *, submission_id: str) -> SubmissionVersion:
        return cls(
            submission_id=submission_id,
            id=strawberry.ID(row.id),
            version=row.version,
            file_name=row.file_name,
            size=row.size,
            sha256=row.sha256,
            channel=HandInChannel(row.channel),
            received_at=row.received_at,
            accepted_at=row.accepted_at,
            on_time=row.on_time,
            current=row.current,
            withdrawn_at=row.withdrawn_at,
            warnings=warnings_of(row.warnings),
        )

    @strawberry.field(
        description="A presigned GET of this version (expires in minutes; fetched only when "
        "selected). The owner and staff only (teachers only for a resubmission)."
    )
    async def download(self, info: Info) -> DownloadLink | None:
        return await download_link(
            info.context.submissions.download(submission_id=self.submission_id, version=self.version)
        )


@strawberry.type(description="A receipt signed by the submissions service (Ed25519).")
class Receipt:
    submission_id: strawberry.ID
    version: int
    assignment_id: strawberry.ID
    owner_id: str
    file_name: str
    size: int
    sha256: str
    received_at: datetime
    server_time: datetime
    key_id: str
    algorithm: str
    signature: str
    document: JSON = strawberry.field(description="The signed document as issued, for offline verification.")

    @classmethod
    def from_api(cls, doc: sm.Receipt) -> Receipt:
        body = doc.receipt
        return cls(
            submission_id=strawberry.ID(body.submission_id),
            version=body.version,
            assignment_id=strawberry.ID(body.assignment_id),
            owner_id=body.owner_id,
            file_name=body.file_name,
            size=body.size,
            sha256=body.sha256,
            received_at=_dt(body.received_at),
            server_time=_dt(body.server_time),
            key_id=body.key_id,
            algorithm=doc.algorithm,
            signature=doc.signature,
            document=doc.model_dump(mode="json", exclude_unset=True),
        )


@strawberry.enum
class SubmissionStatus(Enum):
    HANDED_IN = "handed_in"
    WITHDRAWN = "withdrawn"


@strawberry.type
class Submission:
    id: strawberry.ID
    assignment_id: strawberry.ID
    assignment_kind: AssignmentKind
    owner_type: OwnerType
    owner_id: str
    current_version: int | None
    latest_version: int
    status: SubmissionStatus
    versions: list[SubmissionVersion]

    @classmethod
    def from_api(cls, row: sm.SubmissionPublic) -> Submission:
        return cls(
            id=strawberry.ID(row.id),
            assignment_id=strawberry.ID(row.assignment_id),
            assignment_kind=AssignmentKind(row.assignment_kind),
            owner_type=OwnerType(row.owner_type),
            owner_id=row.owner_id,
            current_version=row.current_version,
            latest_version=row.latest_version,
            status=SubmissionStatus(row.status),
            versions=[SubmissionVersion.from_api(v, submission_id=row.id) for v in row.versions],
        )

    @strawberry.field
    async def assignment(self, info: Info) -> Assignment | None:
        row = await info.context.loaders.assignment.load(str(self.assignment_id))
        return Assignment.from_api(row) if row else None

    @strawberry.field(description="The signed receipt of a version (default: the current one).")
    async def receipt(self, info: Info, version: int | None = None) -> Receipt | None:
        wanted = version or self.current_version
        if wanted is None:
            return None
        try:
            doc = await info.context.submissions.receipt(submission_id=str(self.id), version=wanted)
        except BackendError as exc:
            if exc.status == 404:
                return None
            raise from_backend(exc) from exc
        return Receipt.from_api(doc)


@strawberry.type(description="Where and how to upload the file; then call confirmHandIn.")
class UploadTicket:
    upload_id: strawberry.ID
    method: str
    url: str
    expires_at: datetime
    max_bytes: int
    received_at: datetime

    @classmethod
    def from_api(cls, row: sm.UploadTicket) -> UploadTicket:
        return cls(
            upload_id=strawberry.ID(row.upload_id),
            method=row.method,
            url=row.url,
            expires_at=row.expires_at,
            max_bytes=row.max_bytes,
            received_at=row.received_at,
        )
