"""Scheduling: the course calendar (weeks, sessions, rooms, deadlines), exam days and their slots
with free places, bookings (book, move, cancel), poster prints, the examiners' visit plan and
itinerary, and grades.

Types are built from the models generated from the scheduling service's ``openapi.json``; the
service decides who reads what (a student their group's booking and, once released, their own
grade; an examiner their itinerary; staff everything), and staff lists come in one call each.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from peerlab.gateway.clients.models import scheduling as sm
from peerlab.gateway.graphql.course_loaders import call, or_none
from peerlab.gateway.graphql.errors import SchedulingError, guarded


# --- calendar ----------------------------------------------------------------------------------


@strawberry.type
class CourseSession:
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    ends_at_local: datetime


@strawberry.enum
class WeekPhase(Enum):
    LABS = "labs"
    PROJECT = "project"


@strawberry.type
class CourseWeek:
    week: int
    monday: date
    phase: WeekPhase
    sessions: list[CourseSession]

    @classmethod
    def from_api(cls, row: sm.WeekPublic) -> CourseWeek:
        return cls(
            week=row.week,
            monday=row.monday,
            phase=WeekPhase(row.phase),
            sessions=[
                CourseSession(
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    starts_at_local=s.starts_at_local,
                    ends_at_local=s.ends_at_local,
                )
                for s in row.sessions
            ],
        )


@strawberry.enum
class CourseDateKind(Enum):
    DEADLINE = "deadline"
    EVENT = "event"


@strawberry.type(description="A dated rule of the calendar (a lab deadline, the selection, the report, an exam day).")
class CourseDate:
    key: str
    label: str
    kind: CourseDateKind
    at: datetime
    opens_at: datetime | None
    ends_at: datetime | None
    passed: bool

    @classmethod
    def from_api(cls, row: sm.DatedRulePublic) -> CourseDate:
        return cls(
            key=row.key,
            label=row.label,
            kind=CourseDateKind(row.kind),
            at=row.at,
            opens_at=row.opens_at,
            ends_at=row.ends_at,
            passed=row.passed,
        )


@strawberry.type
class Room:
    id: strawberry.ID
    name: str | None
    capacity: int
    zoom_url: str | None
    slack_channel: str | None

    @classmethod
    def from_api(cls, row: sm.RoomPublic) -> Room:
        return cls(
            id=strawberry.ID(row.room_id),
            name=row.name,
            capacity=row.capacity,
            zoom_url=getattr(row.zoom_url, "root", row.zoom_url),
            slack_channel=getattr(row.slack_channel, "root", row.slack_channel),
        )


@strawberry.type(description="The course calendar: counted weeks with sessions, the dated rules, rooms.")
class Calendar:
    @strawberry.field
    async def weeks(self, info: Info) -> list[CourseWeek]:
        return [CourseWeek.from_api(w) for w in (await call(info.context.scheduling.weeks())).weeks]

    @strawberry.field(description="Every deadline and dated event, by stable key.")
    async def dates(self, info: Info, kind: CourseDateKind | None = None) -> list[CourseDate]:
        rows = (await call(info.context.scheduling.dates())).dates
        return [CourseDate.from_api(r) for r in rows if kind is None or r.kind == kind.value]

    @strawberry.field
    async def rooms(self, info: Info) -> list[Room]:
        return [Room.from_api(r) for r in await call(info.context.scheduling.rooms())]


# --- exam days, slots, bookings, prints ----------------------------------------------------------


@strawberry.type
class Slot:
    id: strawberry.ID
    exam_day_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    capacity: int
    booked: int
    free_places: int
    group_ids: list[strawberry.ID] | None = strawberry.field(description="Staff only: the groups booked here.")

    @classmethod
    def from_api(cls, row: sm.SlotPublic) -> Slot:
        return cls(
            id=strawberry.ID(row.slot_id),
            exam_day_id=strawberry.ID(row.exam_day_id),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            starts_at_local=row.starts_at_local,
            capacity=row.capacity,
            booked=row.booked,
            free_places=row.available,
            group_ids=[strawberry.ID(g) for g in row.group_ids] if row.group_ids is not None else None,
        )


@strawberry.type
class ExamDay:
    id: strawberry.ID
    title: str
    kind: str
    day: date
    location: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    slot_minutes: int
    slot_capacity: int
    free_places: int
    booking_opens_at: datetime | None
    booking_closes_at: datetime | None

    @classmethod
    def from_api(cls, row: sm.ExamDayPublic) -> ExamDay:
        return cls(
            id=strawberry.ID(row.exam_day_id),
            title=row.title,
            kind=row.kind,
            day=row.day,
            location=row.location,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            time_zone=row.time_zone,
            slot_minutes=row.slot_minutes,
            slot_capacity=row.slot_capacity,
            free_places=row.places_left,
            booking_opens_at=row.booking_opens_at,
            booking_closes_at=row.booking_closes_at,
        )

    @strawberry.field(description="The day's slots with their free places.")
    async def slots(self, info: Info) -> list[Slot]:
        return [Slot.from_api(r) for r in await call(info.context.scheduling.slots(exam_day_id=str(self.id)))]

    @strawberry.field(description="Staff: the day's visit plan (published, else the draft).")
    async def plan(self, info: Info) -> VisitPlan | None:
        info.context.staff()
        row = await or_none(info.context.scheduling.plan(exam_day_id=str(self.id)))
        return VisitPlan.from_api(row) if row else None


async def exam_days(info: Info) -> list[ExamDay]:
    return [ExamDay.from_api(r) for r in await call(info.context.scheduling.exam_days())]


@strawberry.type
class Booking:
    id: strawberry.ID
    group_id: strawberry.ID
    exam_day_id: strawberry.ID
    slot_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    starts_at_local: datetime
    booked_at: datetime
    booked_by: strawberry.ID

    @classmethod
    def from_api(cls, row: sm.BookingPublic) -> Booking:
        return cls(
            id=strawberry.ID(row.booking_id),
            group_id=strawberry.ID(row.group_id),
            exam_day_id=strawberry.ID(row.exam_day_id),
            slot_id=strawberry.ID(row.slot_id),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            starts_at_local=row.starts_at_local,
            booked_at=row.booked_at,
            booked_by=strawberry.ID(row.booked_by),
        )


@strawberry.type
class PrintRequest:
    group_id: strawberry.ID
    position: int = strawberry.field(description="Place in the queue of free prints (1 = first).")
    requested_at: datetime
    requested_by: strawberry.ID

    @classmethod
    def from_api(cls, row: sm.PrintRequestPublic) -> PrintRequest:
        return cls(
            group_id=strawberry.ID(row.group_id),
            position=row.position,
            requested_at=row.requested_at,
            requested_by=strawberry.ID(row.requested_by),
        )


@strawberry.type
class PrintQuota:
    quota: int
    granted: int
    remaining: int


async def print_quota(info: Info) -> PrintQuota:
    row = await call(info.context.scheduling.print_quota())
    return PrintQuota(quota=row.quota, granted=row.granted, remaining=row.remaining)


# --- examiners, visits, plan, grades -----------------------------------------------------------


@strawberry.type
class Visit:
    exam_day_id: strawberry.ID
    slot_id: strawberry.ID
    group_id: strawberry.ID
    examiner_id: strawberry.ID | None = strawberry.field(description="Staff and the examiner; null for members.")
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def from_api(cls, row: sm.VisitPublic) -> Visit:
        return cls(
            exam_day_id=strawberry.ID(row.exam_day_id),
            slot_id=strawberry.ID(row.slot_id),
            group_id=strawberry.ID(row.group_id),
            examiner_id=strawberry.ID(row.examiner_id) if row.examiner_id else None,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
        )


@strawberry.enum
class PlanState(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


@strawberry.type
class ExaminerLoad:
    examiner_id: strawberry.ID
    visits: int


@strawberry.enum(description="What changed on the exam day after its plan was made.")
class PlanChange(Enum):
    BOOKING_MADE = "booking_made"
    BOOKING_MOVED = "booking_moved"
    BOOKING_CANCELLED = "booking_cancelled"
    AVAILABILITY_CHANGED = "availability_changed"
    EXAMINER_REMOVED = "examiner_removed"
    SUPERVISION_CHANGED = "supervision_changed"
    MEMBERS_CHANGED = "members_changed"


@strawberry.type(
    description="One change the plan does not reflect: a group's booking, supervisors or members, an examiner's availability."
)
class PlanStaleReason:
    change: PlanChange
    group_id: strawberry.ID | None
    examiner_id: strawberry.ID | None
    at: datetime


@strawberry.type
class VisitPlan:
    exam_day_id: strawberry.ID
    state: PlanState
    revision: int
    k: int = strawberry.field(description="Examiners per presenting group.")
    optimal: bool
    spread: int = strawberry.field(description="Most minus fewest visits of an examiner.")
    solve_ms: int
    published_at: datetime | None
    stale: bool = strawberry.field(
        description="The day's bookings or availability changed after this revision was made: plan and publish again."
    )
    stale_since: datetime | None
    stale_reasons: list[PlanStaleReason] = strawberry.field(description="What changed since, oldest first.")
    visits: list[Visit]
    loads: list[ExaminerLoad]

    @classmethod
    def from_api(cls, row: sm.PlanPublic) -> VisitPlan:
        return cls(
            exam_day_id=strawberry.ID(row.exam_day_id),
            state=PlanState(row.state),
            revision=row.revision,
            k=row.k,
            optimal=row.optimal,
            spread=row.spread,
            solve_ms=row.solve_ms,
            published_at=row.published_at,
            stale=bool(row.stale),
            stale_since=row.stale_since,
            stale_reasons=[
                PlanStaleReason(
                    change=PlanChange(r.code),
                    group_id=strawberry.ID(r.group_id) if r.group_id else None,
                    examiner_id=strawberry.ID(r.examiner_id) if r.examiner_id else None,
                    at=r.at,
                )
                for r in row.stale_reasons or []
            ],
            visits=[Visit.from_api(v) for v in row.visits],
            loads=[ExaminerLoad(examiner_id=strawberry.ID(e), visits=n) for e, n in sorted(row.loads.items())],
        )


@strawberry.type
class Availability:
    exam_day_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime


@strawberry.type
class Examiner:
    person_id: strawberry.ID
    name: str
    email: str | None
    availability: list[Availability]

    @classmethod
    def from_api(cls, row: sm.ExaminerPublic) -> Examiner:
        return cls(
            person_id=strawberry.ID(row.person_id),
            name=row.name,
            email=row.email,
            availability=[
                Availability(exam_day_id=strawberry.ID(a.exam_day_id), starts_at=a.starts_at, ends_at=a.ends_at)
                for a in row.availability
            ],
        )


@strawberry.enum
class GradeStatus(Enum):
    PENDING = "pending"
    DISAGREEMENT = "disagreement"
    FINAL = "final"


@strawberry.type
class GradeProposal:
    examiner_id: strawberry.ID
    grade: str
    recorded_at: datetime


@strawberry.type(description="A student's grade on the 7-step scale (-3, 00, 02, 4, 7, 10, 12).")
class Grade:
    student_id: strawberry.ID
    group_id: strawberry.ID | None
    grade: str | None
    status: GradeStatus
    how: str | None = strawberry.field(description="agreed (two examiners) or settled (a teacher).")
    finalised_at: datetime | None
    proposals: list[GradeProposal] | None = strawberry.field(description="Staff only.")

    @classmethod
    def from_api(cls, row: sm.GradePublic) -> Grade:
        return cls(
            student_id=strawberry.ID(row.student_id),
            group_id=strawberry.ID(row.group_id) if row.group_id else None,
            grade=row.grade,
            status=GradeStatus(row.status),
            how=row.how,
            finalised_at=row.finalised_at,
            proposals=[
                GradeProposal(examiner_id=strawberry.ID(p.examiner_id), grade=p.grade, recorded_at=p.recorded_at)
                for p in row.proposals
            ]
            if row.proposals is not None
            else None,
        )


@strawberry.type(description="An examiner's own exam: their itinerary and the exam days.")
class Examining:
    person_id: strawberry.Private[str]

    @strawberry.field(description="Your published visits in time order.")
    async def itinerary(self, info: Info) -> list[Visit]:
        return [Visit.from_api(v) for v in await call(info.context.scheduling.itinerary(person_id=self.person_id))]

    @strawberry.field
    async def exam_days(self, info: Info) -> list[ExamDay]:
        return await exam_days(info)

    @strawberry.field(description="A student's grade with the proposals (examiners who are staff; null for others).")
    async def grade(self, info: Info, student_id: strawberry.ID) -> Grade | None:
        row = await or_none(info.context.scheduling.grade(student_id=str(student_id)))
        return Grade.from_api(row) if row else None


# --- mutations ---------------------------------------------------------------------------------


@strawberry.type
class BookingPayload:
    booking: Booking | None = None
    errors: list[SchedulingError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelBookingPayload:
    cancelled: bool = False
    errors: list[SchedulingError] = strawberry.field(default_factory=list)


@strawberry.type
class PrintRequestPayload:
    print_request: PrintRequest | None = None
    errors: list[SchedulingError] = strawberry.field(default_factory=list)


@strawberry.type
class GradePayload:
    grade: Grade | None = None
    errors: list[SchedulingError] = strawberry.field(default_factory=list)


@strawberry.type
class ReleaseGradesPayload:
    final_grades: int | None = None
    released_at: datetime | None = None
    errors: list[SchedulingError] = strawberry.field(default_factory=list)


@strawberry.type
class SchedulingMutation:
    @strawberry.mutation(description="Book a poster-exam slot for your group, or move its booking there.")
    @guarded
    async def book_slot(self, info: Info, group_id: strawberry.ID, slot_id: strawberry.ID) -> BookingPayload:
        row = await info.context.scheduling.book(group_id=str(group_id), slot_id=str(slot_id))
        return BookingPayload(booking=Booking.from_api(row))

    @strawberry.mutation(description="Cancel your group's booking.")
    @guarded
    async def cancel_booking(self, info: Info, group_id: strawberry.ID) -> CancelBookingPayload:
        await info.context.scheduling.cancel_booking(group_id=str(group_id))
        return CancelBookingPayload(cancelled=True)

    @strawberry.mutation(description="Ask for your group's free poster print.")
    @guarded
    async def request_print(self, info: Info, group_id: strawberry.ID) -> PrintRequestPayload:
        row = await info.context.scheduling.request_print(group_id=str(group_id))
        return PrintRequestPayload(print_request=PrintRequest.from_api(row))

    @strawberry.mutation(description="Examiners: your grade for a student (-3, 00, 02, 4, 7, 10, 12).")
    @guarded
    async def propose_grade(self, info: Info, student_id: strawberry.ID, grade: str) -> GradePayload:
        return GradePayload(
            grade=Grade.from_api(await info.context.scheduling.propose_grade(student_id=str(student_id), grade=grade))
        )

    @strawberry.mutation(description="Teachers: settle a student's grade (e.g. when the examiners disagree).")
    @guarded
    async def settle_grade(self, info: Info, student_id: strawberry.ID, grade: str) -> GradePayload:
        return GradePayload(
            grade=Grade.from_api(await info.context.scheduling.settle_grade(student_id=str(student_id), grade=grade))
        )

    @strawberry.mutation(description="Teachers: show the final grades to the students (the whole course at once).")
    @guarded
    async def release_grades(self, info: Info) -> ReleaseGradesPayload:
        row = await info.context.scheduling.release_grades()
        return ReleaseGradesPayload(final_grades=row.final_grades, released_at=row.released_at)
