"""Request and response bodies of the REST API (``/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from peerlab.chassis.clock import UTCInput

AssignmentKindName = Literal["lab", "resubmission", "synopsis", "report", "poster"]
OwnerTypeName = Literal["student", "group"]
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class FileRulesIn(BaseModel):
    """Overrides of the kind's default file rules; omitted fields keep the default."""

    model_config = ConfigDict(extra="forbid")

    allowed_extensions: list[str] | None = None
    name_must_contain: str | None = None
    max_bytes: int | None = Field(default=None, gt=0, le=1024 * 1024 * 1024)
    max_pages: int | None = Field(default=None, ge=1)
    soft_max_pages: int | None = Field(default=None, ge=1)
    require_repository_url: bool | None = None


class AssignmentPut(BaseModel):
    """All fields of an assignment; ``PUT /v1/assignments/{id}`` is an idempotent create-or-replace
    (what the course seeder calls)."""

    model_config = ConfigDict(extra="forbid")

    kind: AssignmentKindName
    title: str = Field(min_length=1, max_length=300)
    lab_number: int | None = Field(default=None, ge=1, le=50)
    owner_type: OwnerTypeName | None = Field(default=None, description="Default: group for report/poster/synopsis.")
    opens_at: UTCInput | None = Field(
        default=None, description="Required unless date_key names a calendar date that says when it opens."
    )
    deadline: UTCInput | None = Field(
        default=None, description="Required without date_key; with date_key it comes from the calendar (omit it)."
    )
    file_rules: FileRulesIn | None = None
    resubmits_assignment_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="For kind resubmission: the lab it re-submits."
    )
    close_grace_s: int | None = Field(
        default=None,
        ge=0,
        le=86400,
        description="Seconds after the deadline until the assignment closes (and its review round is "
        "allocated); omitted: the service's default (close_grace_s setting, 15 minutes).",
    )
    date_key: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9_.-]{0,79}$",
        description="The course calendar's dated rule (lab-3, synopsis, report, poster ...) whose date is the "
        "deadline; it moves when the term changes (term.dates_changed.v1), until it has passed.",
    )

    @model_validator(mode="after")
    def _dated(self) -> "AssignmentPut":
        if self.date_key is None and (self.deadline is None or self.opens_at is None):
            raise ValueError("opens_at and deadline are required unless date_key links a calendar date")
        if self.date_key is not None and self.deadline is not None:
            raise ValueError("with date_key the deadline comes from the calendar; omit deadline")
        return self


class AssignmentCreate(AssignmentPut):
    id: str | None = Field(default=None, pattern=ID_PATTERN, description="Chosen by the server if omitted.")


class AssignmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    lab_number: int | None = Field(
        default=None, ge=1, le=50, description="A lab's number is unique in the course (409 lab_number_taken)."
    )
    opens_at: UTCInput | None = None
    deadline: UTCInput | None = None
    owner_type: OwnerTypeName | None = None
    file_rules: FileRulesIn | None = None
    close_grace_s: int | None = Field(
        default=None, ge=0, le=86400, description="Seconds after the deadline until the assignment closes."
    )


class AssignmentPublic(BaseModel):
    id: str
    course_id: str
    kind: AssignmentKindName
    lab_number: int | None
    title: str
    owner_type: OwnerTypeName
    opens_at: datetime
    opens_at_local: datetime = Field(description="opens_at in the course's time zone")
    deadline: datetime = Field(description="UTC")
    deadline_local: datetime = Field(description="deadline in the course's time zone (Europe/Copenhagen)")
    time_zone: str
    file_rules: dict[str, Any]
    resubmits_assignment_id: str | None
    date_key: str | None = Field(default=None, description="The calendar date the deadline follows, if any.")
    closed: bool
    revision: int
    close_grace_s: int | None = Field(
        default=None, description="This assignment's close grace, seconds; null: the service's default"
    )


class ReceiptBody(BaseModel):
    """The signed fields. ``server_time`` is when the hand-in was accepted (server clock, UTC)."""

    receipt_version: Literal[1] = 1
    submission_id: str
    version: int
    assignment_id: str
    owner_id: str
    file_name: str
    size: int
    sha256: str
    received_at: str
    server_time: str
    key_id: str


class Receipt(BaseModel):
    receipt: ReceiptBody
    algorithm: Literal["Ed25519"] = "Ed25519"
    signature: str = Field(description="base64url (no padding) Ed25519 signature of the canonical receipt JSON")


class ReceiptVerification(BaseModel):
    valid_signature: bool
    matches_record: bool
    detail: str


class ValidationWarningPublic(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class VersionPublic(BaseModel):
    id: str
    version: int
    file_name: str
    size: int
    sha256: str
    channel: Literal["stream", "presigned"]
    submitted_by: str
    received_at: datetime
    accepted_at: datetime
    on_time: bool
    current: bool
    withdrawn_at: datetime | None
    warnings: list[ValidationWarningPublic]


class SubmissionPublic(BaseModel):
    id: str
    assignment_id: str
    assignment_kind: AssignmentKindName
    owner_type: OwnerTypeName
    owner_id: str
    current_version: int | None
    latest_version: int
    status: Literal["handed_in", "withdrawn"]
    versions: list[VersionPublic]


class HandInAccepted(BaseModel):
    submission: SubmissionPublic
    version: VersionPublic
    receipt: Receipt
    warnings: list[ValidationWarningPublic]


class UploadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_name: str = Field(min_length=1, max_length=1000)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    group_id: str | None = Field(default=None, description="For group assignments with several groups.")


class UploadTicket(BaseModel):
    upload_id: str
    method: Literal["PUT"] = "PUT"
    url: str
    expires_at: datetime
    max_bytes: int
    received_at: datetime = Field(description="The hand-in's start time for the deadline rule.")


class DownloadLink(BaseModel):
    url: str
    file_name: str
    expires_at: datetime
    size: int | None = None
    sha256: str | None = None


class SubmissionPage(BaseModel):
    items: list[SubmissionPublic]


class AssignmentPage(BaseModel):
    items: list[AssignmentPublic]


class WithdrawResult(BaseModel):
    submission: SubmissionPublic
    withdrawn_version: int


class DeadlineChangePublic(BaseModel):
    date_key: str
    old_deadline: datetime
    new_deadline: datetime
    revision: int = Field(description="The calendar's dates revision that moved it.")
    changed_by: str
    changed_at: datetime


class ProjectHandIn(BaseModel):
    kind: Literal["synopsis", "report", "poster"]
    assignment_id: str | None = Field(description="null when no assignment of this kind exists yet")
    required: bool
    handed_in: bool
    deadline: datetime | None
    reason: str = ""


class ProjectHandIns(BaseModel):
    group_id: str
    presenting_members: list[str] = Field(description="Members who present a poster (not PhD students).")
    items: list[ProjectHandIn]


class SeedLabsResult(BaseModel):
    items: list[AssignmentPublic]
    changed: list[str]


# --- external supervisors' read links ---------------------------------------------------------------
class ExternalLinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires_at: UTCInput = Field(description="When the link stops working (at most a year ahead).")
    note: str = Field(default="", max_length=500, description="e.g. who it was sent to.")


class ExternalLinkPublic(BaseModel):
    id: str
    group_id: str
    note: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool


class ExternalLinkCreated(ExternalLinkPublic):
    token: str = Field(description="Shown once; only its hash is stored.")
    path: str = Field(description="Where the holder reads: /v1/external/{token} (no login).")


class ExternalDocument(BaseModel):
    assignment_id: str
    kind: Literal["synopsis", "report"]
    title: str
    version: int
    accepted_at: datetime
    download: DownloadLink


class ExternalView(BaseModel):
    """What an external read link shows: the group's current synopsis and report, nothing else."""

    group_id: str
    expires_at: datetime
    documents: list[ExternalDocument]
