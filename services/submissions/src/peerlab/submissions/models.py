"""Tables of the submissions service (all prefixed ``submissions_``).

- assignment: what may be handed in, until when, by whom, under which file rules;
- submission: one per (assignment, owner) — the aggregate that versions hang off and that
  concurrent uploads lock;
- version: one accepted hand-in; unique per (assignment, owner, version);
- upload: every staged object (streamed or presigned) until it is accepted or removed, so a
  crash never leaves an untracked object behind;
- idempotency: the first result of a request carrying an ``Idempotency-Key``;
- closed_assignment: the marker that makes ``assignment.closed.v1`` happen once;
- lab_verdict / allocation / group_member / group_supervision / group_supervisor: projections of
  other services' events;
- person_alias: what names a person in free text (roster name and e-mail, the token's name and
  e-mail claims), masked in reviewers' anonymised copies;
- review_copy: which identities a stored anonymised copy was made to mask;
- external_link: a teacher's revocable, expiring read link to a group's synopsis and report.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from peerlab.chassis.clock import UTCDateTime


def _ts(nullable: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable)


class Assignment(SQLModel, table=True):
    """One lab number per course: two labs sharing a number would make review's lab status
    ambiguous (the partial unique index leaves other kinds, e.g. resubmissions, out)."""

    __tablename__ = "submissions_assignment"
    __table_args__ = (
        Index(
            "uq_submissions_assignment_lab_number",
            "course_id",
            "lab_number",
            unique=True,
            postgresql_where=text("kind = 'lab'"),
            sqlite_where=text("kind = 'lab'"),
        ),
    )

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    course_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    lab_number: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    owner_type: str = Field(sa_column=Column(String(10), nullable=False))
    opens_at: datetime = Field(sa_column=_ts())
    deadline: datetime = Field(sa_column=_ts())
    file_rules: dict = Field(sa_column=Column(JSON, nullable=False))
    resubmits_assignment_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())
    revision: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    # The calendar's dated rule this assignment follows (``lab-3``, ``synopsis``, ``report``): its
    # deadline comes from term.dates_changed.v1 and moves with it until it has passed.
    date_key: str | None = Field(default=None, sa_column=Column(String(80), nullable=True))
    # Seconds after the deadline until the assignment closes; None: the service's close_grace_s.
    close_grace_s: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


class Submission(SQLModel, table=True):
    __tablename__ = "submissions_submission"
    __table_args__ = (UniqueConstraint("assignment_id", "owner_id", name="uq_submissions_submission_owner"),)

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    assignment_id: str = Field(
        sa_column=Column(String(64), ForeignKey("submissions_assignment.id"), nullable=False, index=True)
    )
    owner_type: str = Field(sa_column=Column(String(10), nullable=False))
    owner_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    current_version: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    latest_version: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())


class Version(SQLModel, table=True):
    __tablename__ = "submissions_version"
    __table_args__ = (UniqueConstraint("assignment_id", "owner_id", "version", name="uq_submissions_version_number"),)

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    submission_id: str = Field(
        sa_column=Column(String(64), ForeignKey("submissions_submission.id"), nullable=False, index=True)
    )
    assignment_id: str = Field(sa_column=Column(String(64), nullable=False))
    owner_id: str = Field(sa_column=Column(String(64), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    object_key: str = Field(sa_column=Column(String(512), nullable=False, unique=True))
    file_name: str = Field(sa_column=Column(String(300), nullable=False))
    size: int = Field(sa_column=Column(Integer, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    channel: str = Field(sa_column=Column(String(12), nullable=False))
    submitted_by: str = Field(sa_column=Column(String(64), nullable=False))
    received_at: datetime = Field(sa_column=_ts())
    accepted_at: datetime = Field(sa_column=_ts())
    warnings: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Upload(SQLModel, table=True):
    """A staged object: ``staged`` until accepted (then ``accepted``) or removed (``discarded``)."""

    __tablename__ = "submissions_upload"
    __table_args__ = (Index("ix_submissions_upload_status_created", "status", "created_at"),)

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    assignment_id: str = Field(sa_column=Column(String(64), nullable=False))
    owner_id: str = Field(sa_column=Column(String(64), nullable=False))
    owner_type: str = Field(sa_column=Column(String(10), nullable=False))
    principal: str = Field(sa_column=Column(String(64), nullable=False))
    channel: str = Field(sa_column=Column(String(12), nullable=False))
    object_key: str = Field(sa_column=Column(String(512), nullable=False, unique=True))
    file_name: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    declared_size: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    declared_sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    received_at: datetime = Field(sa_column=_ts())
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    version_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    # presigned uploads: when the staging object (writable through the URL until it expires) was removed
    staging_removed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "submissions_idempotency"

    principal: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int = Field(sa_column=Column(Integer, nullable=False))
    response: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=_ts())


class ClosedAssignment(SQLModel, table=True):
    __tablename__ = "submissions_closed_assignment"

    assignment_id: str = Field(sa_column=Column(String(64), primary_key=True))
    closed_at: datetime = Field(sa_column=_ts())
    event_id: str = Field(sa_column=Column(String(64), nullable=False))
    final_count: int = Field(sa_column=Column(Integer, nullable=False))


class LabVerdict(SQLModel, table=True):
    """Projection of ``lab.verdict_set.v1``: the latest verdict per student and lab."""

    __tablename__ = "submissions_lab_verdict"

    student_id: str = Field(sa_column=Column(String(64), primary_key=True))
    assignment_id: str = Field(sa_column=Column(String(64), primary_key=True))
    verdict: str = Field(sa_column=Column(String(8), nullable=False))
    origin: str = Field(sa_column=Column(String(20), nullable=False))
    set_at: datetime = Field(sa_column=_ts())


class Allocation(SQLModel, table=True):
    """Projection of ``review.allocated.v1``: who may read which submission, anonymised. One row
    per active task; ``review.allocation_cancelled.v1`` removes it."""

    __tablename__ = "submissions_allocation"
    __table_args__ = (Index("ix_submissions_allocation_reviewer", "reviewer_id", "submission_id"),)

    allocation_id: str = Field(sa_column=Column(String(64), primary_key=True))
    submission_id: str = Field(sa_column=Column(String(64), nullable=False))
    reviewer_id: str = Field(sa_column=Column(String(64), nullable=False))
    assignment_id: str = Field(sa_column=Column(String(64), nullable=False))
    round_id: str = Field(sa_column=Column(String(64), nullable=False))
    task_token: str = Field(sa_column=Column(String(64), nullable=False))
    due_at: datetime = Field(sa_column=_ts())


class GroupMember(SQLModel, table=True):
    """Projection of ``group.formed.v1`` / ``group.changed.v1``."""

    __tablename__ = "submissions_group_member"

    group_id: str = Field(sa_column=Column(String(64), primary_key=True))
    member_id: str = Field(sa_column=Column(String(64), primary_key=True, index=True))
    changed_at: datetime = Field(sa_column=_ts())


class CourseDate(SQLModel, table=True):
    """Projection of ``term.dates_changed.v1``: a course's dated rule by key, as of ``revision``."""

    __tablename__ = "submissions_course_date"

    course_id: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(80), primary_key=True))
    at: datetime = Field(sa_column=_ts())
    opens_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revision: int = Field(sa_column=Column(Integer, nullable=False))


class CourseDatesRevision(SQLModel, table=True):
    """The newest revision of a course's dates applied; an older one arriving late is ignored."""

    __tablename__ = "submissions_course_dates_revision"

    course_id: str = Field(sa_column=Column(String(64), primary_key=True))
    revision: int = Field(sa_column=Column(Integer, nullable=False))
    applied_at: datetime = Field(sa_column=_ts())


class DeadlineChange(SQLModel, table=True):
    """Audit of a deadline moved by the calendar: who changed the term, when, old -> new."""

    __tablename__ = "submissions_deadline_change"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    assignment_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    date_key: str = Field(sa_column=Column(String(80), nullable=False))
    old_deadline: datetime = Field(sa_column=_ts())
    new_deadline: datetime = Field(sa_column=_ts())
    revision: int = Field(sa_column=Column(Integer, nullable=False))
    changed_by: str = Field(sa_column=Column(String(64), nullable=False))
    changed_at: datetime = Field(sa_column=_ts())


class Person(SQLModel, table=True):
    """Projection of ``roster.person_enrolled.v1``: a person's programme (PhD students do not
    present a poster, so an all-PhD group hands in none)."""

    __tablename__ = "submissions_person"

    person_id: str = Field(sa_column=Column(String(64), primary_key=True))
    programme: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    enrolled: bool = Field(default=True)
    changed_at: datetime = Field(sa_column=_ts())


class GroupProject(SQLModel, table=True):
    """Projection of ``project.assigned.v1``: which project a group works on (the synopsis goes to
    its supervisors)."""

    __tablename__ = "submissions_group_project"

    group_id: str = Field(sa_column=Column(String(64), primary_key=True))
    project_id: str = Field(sa_column=Column(String(64), nullable=False))
    assigned_at: datetime = Field(sa_column=_ts())


class PersonAlias(SQLModel, table=True):
    """A name or e-mail a person is known by: from ``roster.person_enrolled.v1`` (``source``
    ``roster``) or from the claims of a token they handed in with (``token``). Rows are only
    added, never removed: a copy made later must still mask an old name."""

    __tablename__ = "submissions_person_alias"

    person_id: str = Field(sa_column=Column(String(64), primary_key=True))
    alias: str = Field(sa_column=Column(String(320), primary_key=True))
    source: str = Field(sa_column=Column(String(16), nullable=False))
    seen_at: datetime = Field(sa_column=_ts())


class ReviewCopy(SQLModel, table=True):
    """A stored anonymised copy and the digest of the identities it masks: when the service
    learns a new name for an author (a late roster import), the copy is made anew on the next
    request. The digest stays in this table; it never reaches a reviewer (a plain hash of a
    small roster's names could be reversed by trying them all)."""

    __tablename__ = "submissions_review_copy"

    copy_key: str = Field(sa_column=Column(String(200), primary_key=True))
    identities_digest: str = Field(sa_column=Column(String(64), nullable=False))
    made_at: datetime = Field(sa_column=_ts())


class GroupSupervision(SQLModel, table=True):
    """Projection of ``group.supervisors_changed.v1``: when the group's supervisor list last changed
    (the guard against a late, older event; kept even when the list is empty)."""

    __tablename__ = "submissions_group_supervision"

    group_id: str = Field(sa_column=Column(String(64), primary_key=True))
    changed_at: datetime = Field(sa_column=_ts())


class GroupSupervisor(SQLModel, table=True):
    """Who supervises a group (projects decides): they read its synopsis and report hand-ins."""

    __tablename__ = "submissions_group_supervisor"

    group_id: str = Field(sa_column=Column(String(64), primary_key=True))
    supervisor_id: str = Field(sa_column=Column(String(64), primary_key=True, index=True))


class ExternalLink(SQLModel, table=True):
    """A read link for a group's external supervisor (no account): only the SHA-256 of its random
    token is kept; it stops working when it expires or a teacher revokes it."""

    __tablename__ = "submissions_external_link"

    id: str = Field(sa_column=Column(String(64), primary_key=True))
    course_id: str = Field(sa_column=Column(String(64), nullable=False))
    group_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    token_sha256: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    note: str = Field(default="", sa_column=Column(String(500), nullable=False))
    created_by: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_by: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
