"""Queries. Row locks are taken here (``FOR UPDATE`` / ``FOR SHARE`` on PostgreSQL; SQLite's single
writer serialises transactions by itself)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlmodel import Session

from peerlab.submissions.models import (
    Allocation,
    Assignment,
    ClosedAssignment,
    ExternalLink,
    GroupMember,
    GroupSupervision,
    GroupSupervisor,
    PersonAlias,
    ReviewCopy,
    IdempotencyRecord,
    LabVerdict,
    Submission,
    Upload,
    Version,
)

MAX_BATCH = 500


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- assignments ---------------------------------------------------------------------------
def get_assignment(session: Session, assignment_id: str, *, lock: str | None = None) -> Assignment | None:
    """``lock``: None, ``"share"`` (hand-ins, concurrent with each other) or ``"update"`` (closing)."""
    query = select(Assignment).where(Assignment.id == assignment_id)
    if lock:
        query = query.execution_options(populate_existing=True)
        if _is_postgres(session):
            query = query.with_for_update(read=(lock == "share"))
    return session.execute(query).scalars().first()


def assignments_by_ids(session: Session, ids: Sequence[str]) -> list[Assignment]:
    if not ids:
        return []
    rows = session.execute(select(Assignment).where(Assignment.id.in_(list(ids)[:MAX_BATCH]))).scalars()
    return list(rows)


def list_assignments(session: Session, *, course_id: str, kind: str | None = None) -> list[Assignment]:
    query = select(Assignment).where(Assignment.course_id == course_id)
    if kind:
        query = query.where(Assignment.kind == kind)
    return list(session.execute(query.order_by(Assignment.deadline, Assignment.id)).scalars())


def lab_with_number(session: Session, *, course_id: str, lab_number: int) -> Assignment | None:
    """The course's lab of that number (at most one: a partial unique index keeps it so)."""
    query = select(Assignment).where(
        Assignment.course_id == course_id, Assignment.kind == "lab", Assignment.lab_number == lab_number
    )
    return session.execute(query.limit(1)).scalars().first()


def unclosed_past_deadline(session: Session, *, at: datetime) -> list[Assignment]:
    """Assignments past their deadline without a closed marker (due, or still in their grace),
    earliest deadline first."""
    query = (
        select(Assignment)
        .outerjoin(ClosedAssignment, ClosedAssignment.assignment_id == Assignment.id)
        .where(Assignment.deadline <= at, ClosedAssignment.assignment_id.is_(None))
        .order_by(Assignment.deadline)
    )
    return list(session.execute(query).scalars())


def assignment_and_closed(session: Session, assignment_id: str) -> tuple[Assignment | None, bool]:
    """The assignment and whether its closed marker exists, in one statement (no lock: under a
    lock wait the marker would be read as of before the wait; see ``next_version_of``)."""
    query = (
        select(Assignment, ClosedAssignment.assignment_id)
        .outerjoin(ClosedAssignment, ClosedAssignment.assignment_id == Assignment.id)
        .where(Assignment.id == assignment_id)
    )
    row = session.execute(query).first()
    return (None, False) if row is None else (row[0], row[1] is not None)


def closed_marker(session: Session, assignment_id: str) -> ClosedAssignment | None:
    return session.get(ClosedAssignment, assignment_id)


def closed_ids(session: Session, ids: Iterable[str]) -> set[str]:
    ids = list(ids)
    if not ids:
        return set()
    rows = session.execute(select(ClosedAssignment.assignment_id).where(ClosedAssignment.assignment_id.in_(ids)))
    return set(rows.scalars())


# --- submissions and versions ----------------------------------------------------------------
def get_submission(session: Session, submission_id: str) -> Submission | None:
    return session.get(Submission, submission_id)


def find_submission(session: Session, *, assignment_id: str, owner_id: str, lock: bool = False) -> Submission | None:
    query = select(Submission).where(Submission.assignment_id == assignment_id, Submission.owner_id == owner_id)
    if lock:
        query = query.execution_options(populate_existing=True)
        if _is_postgres(session):
            query = query.with_for_update()
    return session.execute(query).scalars().first()


def submissions_by_ids(session: Session, ids: Sequence[str]) -> list[Submission]:
    if not ids:
        return []
    query = select(Submission).where(Submission.id.in_(list(ids)[:MAX_BATCH]))
    return list(session.execute(query).scalars())


def submissions_for(
    session: Session,
    *,
    owner_ids: Sequence[str] | None = None,
    assignment_id: str | None = None,
    limit: int = MAX_BATCH,
) -> list[Submission]:
    query = select(Submission)
    if owner_ids is not None:
        query = query.where(Submission.owner_id.in_(list(owner_ids)[:MAX_BATCH]))
    if assignment_id is not None:
        query = query.where(Submission.assignment_id == assignment_id)
    return list(session.execute(query.order_by(Submission.assignment_id, Submission.owner_id).limit(limit)).scalars())


def versions_of(session: Session, submission_ids: Sequence[str]) -> dict[str, list[Version]]:
    out: dict[str, list[Version]] = {sid: [] for sid in submission_ids}
    if not submission_ids:
        return out
    query = (
        select(Version)
        .where(Version.submission_id.in_(list(submission_ids)))
        .order_by(Version.submission_id, Version.version)
    )
    for row in session.execute(query).scalars():
        out.setdefault(row.submission_id, []).append(row)
    return out


def get_version(session: Session, submission_id: str, version: int) -> Version | None:
    query = select(Version).where(Version.submission_id == submission_id, Version.version == version)
    return session.execute(query).scalars().first()


def current_versions(session: Session, assignment_id: str) -> list[tuple[Submission, Version]]:
    query = (
        select(Submission, Version)
        .join(Version, and_(Version.submission_id == Submission.id, Version.version == Submission.current_version))
        .where(Submission.assignment_id == assignment_id)
        .order_by(Submission.owner_id)
    )
    return [(s, v) for s, v in session.execute(query).all()]


# --- uploads and idempotency ----------------------------------------------------------------
def get_upload(session: Session, upload_id: str, *, lock: bool = False) -> Upload | None:
    query = select(Upload).where(Upload.id == upload_id)
    if lock and _is_postgres(session):
        query = query.with_for_update()
    return session.execute(query).scalars().first()


def stale_uploads(session: Session, *, created_before: datetime, limit: int = 200) -> list[Upload]:
    """Uploads still staged long after they began: crashed streams and unconfirmed tickets.

    ``created_before`` must lie further back than both the longest stream and a ticket's expiry."""
    query = (
        select(Upload)
        .where(Upload.status == "staged", Upload.created_at < created_before)
        .order_by(Upload.created_at)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def expired_staging(session: Session, *, now: datetime, limit: int = 200) -> list[Upload]:
    """Presigned uploads no longer staged whose URL has expired and whose staging key is not yet cleared."""
    query = (
        select(Upload)
        .where(
            Upload.channel == "presigned",
            Upload.status != "staged",
            Upload.expires_at < now,
            Upload.staging_removed_at.is_(None),
        )
        .order_by(Upload.created_at)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def get_idempotency(session: Session, *, principal: str, key: str) -> IdempotencyRecord | None:
    return session.get(IdempotencyRecord, (principal, key))


# --- projections ----------------------------------------------------------------------------
def latest_verdict(session: Session, *, student_id: str, assignment_id: str) -> LabVerdict | None:
    return session.get(LabVerdict, (student_id, assignment_id))


def allocations_for(session: Session, *, reviewer_id: str, submission_id: str) -> list[Allocation]:
    query = select(Allocation).where(Allocation.reviewer_id == reviewer_id, Allocation.submission_id == submission_id)
    return list(session.execute(query).scalars())


def allocation_by_token(session: Session, *, task_token: str, reviewer_id: str | None) -> Allocation | None:
    """The allocation a task token names; with ``reviewer_id``, only if it is that reviewer's (this
    is the reviewers' path and uses the reviewer index; staff, without it, are few)."""
    query = select(Allocation).where(Allocation.task_token == task_token)
    if reviewer_id is not None:
        query = query.where(Allocation.reviewer_id == reviewer_id)
    return session.execute(query.order_by(Allocation.allocation_id).limit(1)).scalars().first()


def groups_of(session: Session, member_id: str) -> list[str]:
    query = select(GroupMember.group_id).where(GroupMember.member_id == member_id).order_by(GroupMember.group_id)
    return list(session.execute(query).scalars())


def group_members(session: Session, group_id: str) -> list[GroupMember]:
    return list(session.execute(select(GroupMember).where(GroupMember.group_id == group_id)).scalars())


def add_aliases(session: Session, *, person_id: str, aliases: list[str], source: str, at: datetime) -> None:
    """Record what names ``person_id`` (``INSERT .. ON CONFLICT DO NOTHING``: concurrent writers agree)."""
    rows = [{"person_id": person_id, "alias": a, "source": source, "seen_at": at} for a in dict.fromkeys(aliases)]
    if not rows:
        return
    insert = _dialect_insert(session)
    session.execute(insert(PersonAlias).values(rows).on_conflict_do_nothing(index_elements=["person_id", "alias"]))


def aliases_of(session: Session, person_ids: list[str]) -> list[str]:
    if not person_ids:
        return []
    query = select(PersonAlias.alias).where(PersonAlias.person_id.in_(person_ids)).order_by(PersonAlias.alias)
    return list(session.execute(query).scalars())


def review_copy_digest(session: Session, copy_key: str) -> str | None:
    row = session.get(ReviewCopy, copy_key)
    return row.identities_digest if row else None


def record_review_copy(session: Session, *, copy_key: str, identities_digest: str, at: datetime) -> None:
    row = session.get(ReviewCopy, copy_key)
    if row is None:
        session.add(ReviewCopy(copy_key=copy_key, identities_digest=identities_digest, made_at=at))
    else:
        row.identities_digest, row.made_at = identities_digest, at
        session.add(row)
    session.flush()


def next_version_of(
    session: Session,
    *,
    submission_id: str,
    assignment_id: str,
    owner_type: str,
    owner_id: str,
    at: datetime,
) -> tuple[Submission, bool]:
    """The (assignment, owner) submission row with its next version number taken (``latest_version``
    and ``current_version`` both point at it), created if missing, locked for this transaction; and
    whether the assignment's closed marker exists.

    One ``INSERT .. ON CONFLICT DO UPDATE .. RETURNING``: two first hand-ins of the same owner never
    both create a row, and every later step runs one owner at a time (the update holds the row lock).
    The marker is read in the same statement, whose snapshot is taken after the caller holds the
    assignment ``FOR SHARE``: a closer that committed before that is seen, and none can commit after.
    """
    values = {
        "id": submission_id,
        "assignment_id": assignment_id,
        "owner_type": owner_type,
        "owner_id": owner_id,
        "current_version": 1,
        "latest_version": 1,
        "created_at": at,
        "updated_at": at,
    }
    insert = _dialect_insert(session)
    statement = insert(Submission).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["assignment_id", "owner_id"],
        set_={
            "latest_version": Submission.latest_version + 1,
            "current_version": Submission.latest_version + 1,
            "updated_at": statement.excluded.updated_at,
        },
    )
    closed = select(ClosedAssignment.assignment_id).where(ClosedAssignment.assignment_id == assignment_id).exists()
    row = session.execute(
        statement.returning(Submission, closed.label("closed")), execution_options={"populate_existing": True}
    ).one()
    return row[0], bool(row[1])


def accept_staged_upload(session: Session, *, upload_id: str, version_id: str, file_name: str) -> Upload | None:
    """Mark a staged upload accepted as ``version_id`` (locking its row); None if it was not staged."""
    statement = (
        update(Upload)
        .where(Upload.id == upload_id, Upload.status == "staged")
        .values(status="accepted", version_id=version_id, file_name=file_name)
        .returning(Upload)
    )
    return session.scalars(statement, execution_options={"populate_existing": True}).first()


def _dialect_insert(session: Session):
    if _is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def supervised_groups(session: Session, supervisor_id: str) -> list[str]:
    query = (
        select(GroupSupervisor.group_id)
        .where(GroupSupervisor.supervisor_id == supervisor_id)
        .order_by(GroupSupervisor.group_id)
    )
    return list(session.execute(query).scalars())


def supervises(session: Session, *, supervisor_id: str, group_id: str) -> bool:
    return session.get(GroupSupervisor, (group_id, supervisor_id)) is not None


def group_known(session: Session, group_id: str) -> bool:
    """The group reached this service (its members or its supervisors)."""
    if session.get(GroupSupervision, group_id) is not None:
        return True
    return (
        session.execute(select(GroupMember.group_id).where(GroupMember.group_id == group_id).limit(1)).first()
        is not None
    )


def external_link_by_hash(session: Session, token_sha256: str) -> ExternalLink | None:
    return session.execute(select(ExternalLink).where(ExternalLink.token_sha256 == token_sha256)).scalars().first()


def external_links_of(session: Session, group_id: str) -> list[ExternalLink]:
    query = (
        select(ExternalLink).where(ExternalLink.group_id == group_id).order_by(ExternalLink.created_at, ExternalLink.id)
    )
    return list(session.execute(query).scalars())
