"""Staff queries: the roster, a lab's overview and a student's record.

Every field here is guarded at the root by ``context.staff()``; the services check the forwarded
token again. ``labOverviewExport`` is the bulk path: one JSON value instead of thousands of typed
objects (see the gateway README for why that matters to strawberry's speed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from anyio import to_thread
from sqlmodel import Session
from strawberry.types import Info

from peerlab.gateway import repository
from peerlab.gateway.graphql.identity import Person, load_person
from peerlab.gateway.graphql.loaders import _call
from peerlab.gateway.graphql.pagination import Connection, decode_cursor, keyset_page, page_size
from peerlab.gateway.graphql.review import Eligibility, LabStatus, ReviewRound, Verdict
from peerlab.gateway.graphql.scalars import JSON
from peerlab.gateway.graphql.submissions import Submission
from peerlab.gateway.graphql.values import _dt


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
            if lab["lab_number"] == self.lab_number:
                return LabStatus.from_api(lab)
        return None

    @strawberry.field
    async def hand_in(self, info: Info) -> Submission | None:
        rows = await info.context.loaders.submissions_of_owner.load(str(self.student.id))
        for row in rows:
            if self._assignment_id is not None and row["assignment_id"] == self._assignment_id:
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
    def from_api(cls, row: dict[str, Any]) -> LabOverview:
        return cls(
            lab_number=row["lab_number"],
            assignment_id=row.get("assignment_id"),
            deadline=_dt(row.get("deadline")),
            closed=bool(row.get("closed")),
            round=ReviewRound.from_api(row["round"]) if row.get("round") else None,
            handed_in=row.get("handed_in", 0),
            late=row.get("late", 0),
            allocated_tasks=row.get("allocated_tasks", 0),
            reviews_submitted=row.get("reviews_submitted", 0),
            reviews_missing=row.get("reviews_missing", 0),
            reviewers=[
                ReviewerProgress(
                    reviewer_id=r["reviewer_id"],
                    assigned=r["assigned"],
                    submitted=r["submitted"],
                    drafts=r.get("drafts", 0),
                    missing=r["missing"],
                )
                for r in row.get("reviewers", [])
            ],
            flags=[
                Flag(
                    id=f["id"],
                    kind=f["kind"],
                    submission_id=f["submission_id"],
                    review_id=f.get("review_id"),
                    flagged_by=f["flagged_by"],
                    reason=f["reason"],
                    comment=f.get("comment", ""),
                    created_at=_dt(f["created_at"]),
                )
                for f in row.get("flags", [])
            ],
            statuses=StatusCounts(
                **{
                    k: (row.get("statuses") or {}).get(k, 0)
                    for k in ("passed", "failed", "pending", "resubmitted", "not_handed_in")
                }
            ),
            open_teacher_items=row.get("open_teacher_items", 0),
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
        lab = next((lab for lab in labs if lab["lab_number"] == lab_number), None)
        students.append({"student_id": student_id, "lab": lab})
    return {"overview": overview, "students": students}


async def resolve_student_record(info: Info, student_id: str) -> StudentRecord:
    info.context.staff()
    row = await _call(info.context.review.student_overview(student_id=student_id))
    return StudentRecord(
        student=await load_person(info, student_id),
        labs=[LabStatus.from_api(lab) for lab in row.get("labs", [])],
        eligibility=Eligibility.from_api(row["eligibility"]),
        verdicts=[Verdict.from_api(v) for v in row.get("verdicts", [])],
        _student_id=student_id,
    )
