"""Request and response bodies of the REST API (``/v1``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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
    opens_at: AwareDatetime
    deadline: AwareDatetime
    file_rules: FileRulesIn | None = None
    resubmits_assignment_id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="For kind resubmission: the lab it re-submits."
    )
    close_grace_s: int | None = Field(
        default=None, ge=0, le=86400,
        description="Seconds after the deadline until the assignment closes (and its review round is "
        "allocated); omitted: the service's default (close_grace_s setting, 15 minutes).")


class AssignmentCreate(AssignmentPut):
    id: str | None = Field(default=None, pattern=ID_PATTERN, description="Chosen by the server if omitted.")


class AssignmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    lab_number: int | None = Field(default=None, ge=1, le=50,
                                   description="A lab's number is unique in the course (409 lab_number_taken).")
    opens_at: AwareDatetime | None = None
    deadline: AwareDatetime | None = None
    owner_type: OwnerTypeName | None = None
    file_rules: FileRulesIn | None = None
    close_grace_s: int | None = Field(default=None, ge=0, le=86400,
                                      description="Seconds after the deadline until the assignment closes.")


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
    closed: bool
    revision: int
    close_grace_s: int | None = Field(default=None, description="This assignment's close grace, seconds; "
                                      "null: the service's default")


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


class SeedLabsResult(BaseModel):
    items: list[AssignmentPublic]
    changed: list[str]
