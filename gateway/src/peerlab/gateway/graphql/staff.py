"""Staff queries: the roster, a lab's overview and a student's record.

Every field here is guarded at the root by ``context.staff()``; the services check the forwarded
token again. ``labOverviewExport`` is the bulk path: one JSON value instead of thousands of typed
objects (see the gateway README for why that matters to strawberry's speed).
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from anyio import to_thread
from pydantic import BaseModel
from sqlmodel import Session
from strawberry.types import Info

from peerlab.gateway import repository
from peerlab.gateway.graphql.identity import Person, load_person
from peerlab.gateway.clients.models import review as rm
from peerlab.gateway.graphql.loaders import _call
from peerlab.gateway.graphql.pagination import Connection, decode_cursor, keyset_page, page_size
from peerlab.gateway.graphql.review import Eligibility, LabStatus, ReviewRound, Verdict
from peerlab.gateway.graphql.scalars import JSON
from peerlab.gateway.graphql.submissions import Submission


async def roster_page(info: Info, *, role: str | None, first: int | None, after: str | None) -> Connection[Person]:
    size = page_size(first)
    cursor = decode_cursor(after, "k")
    engine, course_id = info.context.services.engine, info.context.settings.course_id

    def load() -> list[tuple]:
        with Session(engine) as session:
            rows = repository.list_roster(session, course_id=course_id, role=role, after=cursor, limit=size + 1)
            session.expunge_all()
        return rows

    rows = await to_thread.run_sync(load)
    for person, enrolment in rows:  # prime the loader: later Person fields need no second query
        info.context.loaders.person.prime(person.id, (person, enrolment))
    nodes = [Person.from_row(p, e) for p, e in rows]
    return keyset_page(nodes, [p.id for p, _ in rows], size=size, has_previous=cursor is not None)


@strawberry.type
class ReviewerProgress:
    reviewer_id: strawberry.ID
    assigned: int
    submitted: int
    drafts: int
    missing: int

    @strawberry.field
    async def reviewer(self, info: Info) -> Person | None:
        return await load_person(info, str(self.reviewer_id))


@strawberry.type
class StatusCounts:
    passed: int
    failed: int
    pending: int
    resubmitted: int
    not_handed_in: int


@strawberry.type
class Flag:
    id: strawberry.ID
    kind: str
    submission_id: strawberry.ID
    review_id: strawberry.ID | None
    flagged_by: str
    reason: str
    comment: str
    created_at: datetime


@strawberry.type(description="One student in a lab overview.")
class LabRow:
    student: Person
    lab_number: int
    _assignment_id: strawberry.Private[str | None]

    @strawberry.field
    async def status(self, info: Info) -> LabStatus | None:
        labs = await info.context.loaders.lab_status.load(str(self.student.id))
        for lab in labs:
            if lab.lab_number == self.lab_number:
                return LabStatus.from_api(lab)
        return None

    @strawberry.field
    async def hand_in(self, info: Info) -> Submission | None:
        rows = await info.context.loaders.submissions_of_owner.load(str(self.student.id))
        for row in rows:
            if self._assignment_id is not None and row.assignment_id == self._assignment_id:
                return Submission.from_api(row)
        return None


@strawberry.type
class LabOverview:
    lab_number: int
    assignment_id: strawberry.ID | None
    deadline: datetime | None
    closed: bool
    round: ReviewRound | None
    handed_in: int
    late: int
    allocated_tasks: int
    reviews_submitted: int
    reviews_missing: int
    reviewers: list[ReviewerProgress]
    flags: list[Flag]
    statuses: StatusCounts
    open_teacher_items: int

    @classmethod
    def from_api(cls, row: rm.LabOverviewPublic) -> LabOverview:
        return cls(
            lab_number=row.lab_number,
            assignment_id=None if row.assignment_id is None else strawberry.ID(row.assignment_id),
            deadline=row.deadline,
            closed=row.closed,
            round=ReviewRound.from_api(row.round) if row.round else None,
            handed_in=row.handed_in,
            late=row.late,
            allocated_tasks=row.allocated_tasks,
            reviews_submitted=row.reviews_submitted,
            reviews_missing=row.reviews_missing,
            reviewers=[
                ReviewerProgress(
                    reviewer_id=r.reviewer_id,
                    assigned=r.assigned,
                    submitted=r.submitted,
                    drafts=r.drafts,
                    missing=r.missing,
                )
                for r in row.reviewers
            ],
            flags=[
                Flag(
                    id=f.id,
                    kind=f.kind,
                    submission_id=f.submission_id,
                    review_id=f.review_id,
                    flagged_by=f.flagged_by,
                    reason=f.reason,
                    comment=f.comment,
                    created_at=f.created_at,
                )
                for f in row.flags
            ],
            statuses=StatusCounts(
                passed=row.statuses.passed,
                failed=row.statuses.failed,
                pending=row.statuses.pending,
                resubmitted=row.statuses.resubmitted,
                not_handed_in=row.statuses.not_handed_in,
            ),
            open_teacher_items=row.open_teacher_items,
        )

    @strawberry.field(description="Every enrolled student's state in this lab (paginated).")
    async def students(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[LabRow]:
        page = await roster_page(info, role="student", first=first, after=after)
        for edge in page.edges:
            edge.node = LabRow(
                student=edge.node,
                lab_number=self.lab_number,
                _assignment_id=str(self.assignment_id) if self.assignment_id else None,
            )
        return page  # type: ignore[return-value]


@strawberry.type
class StudentRecord:
    student: Person | None
    labs: list[LabStatus]
    eligibility: Eligibility
    verdicts: list[Verdict]

    @strawberry.field
    async def hand_ins(self, info: Info) -> list[Submission]:
        rows = await info.context.loaders.submissions_of_owner.load(self._student_id)
        return [Submission.from_api(r) for r in rows]

    _student_id: strawberry.Private[str]


async def resolve_lab_overview(info: Info, lab_number: int) -> LabOverview:
    info.context.staff()
    return LabOverview.from_api(await _call(info.context.review.lab_overview(lab_number=lab_number)))


async def resolve_lab_overview_export(info: Info, lab_number: int) -> JSON:
    """Lab overview + every student's status in the lab as one JSON value (bulk export)."""
    info.context.staff()
    overview = await _call(info.context.review.lab_overview(lab_number=lab_number))
    engine, course_id = info.context.services.engine, info.context.settings.course_id

    def load_ids() -> list[str]:
        with Session(engine) as session:
            return [
                p.id for p, _ in repository.list_roster(session, course_id=course_id, role="student", limit=100_000)
            ]

    ids = await to_thread.run_sync(load_ids)
    rows = await info.context.loaders.lab_status.load_many(ids)
    students = []
    for student_id, labs in zip(ids, rows, strict=True):
        lab = next((lab for lab in labs if lab.lab_number == lab_number), None)
        students.append({"student_id": student_id, "lab": _as_sent(lab) if lab else None})
    return {"overview": _as_sent(overview), "students": students}


def _as_sent(model: BaseModel) -> dict:
    """A service's answer as it sent it (no defaults added for fields it left out)."""
    return model.model_dump(mode="json", exclude_unset=True)


async def resolve_student_record(info: Info, student_id: str) -> StudentRecord:
    info.context.staff()
    row = await _call(info.context.review.student_overview(student_id=student_id))
    return StudentRecord(
        student=await load_person(info, student_id),
        labs=[LabStatus.from_api(lab) for lab in row.labs],
        eligibility=Eligibility.from_api(row.eligibility),
        verdicts=[Verdict.from_api(v) for v in row.verdicts],
        _student_id=student_id,
    )
