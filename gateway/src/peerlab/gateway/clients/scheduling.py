"""The scheduling service's REST API as the gateway uses it (routes under /v1/courses/{course_id}),
answering the models generated from its ``openapi.json`` (``clients/models/scheduling.py``)."""

from __future__ import annotations

from peerlab.gateway.clients.base import ServiceClient
from peerlab.gateway.clients.models import scheduling as m
from peerlab.gateway.clients.typed import many, one

COURSE = "/v1/courses/{course_id}"
TERM = COURSE + "/term"
WEEKS = COURSE + "/calendar/weeks"
DATES = COURSE + "/calendar/dates"
ROOMS = COURSE + "/rooms"
EXAM_DAYS = COURSE + "/exam-days"
SLOTS = COURSE + "/exam-days/{exam_day_id}/slots"
PLAN = COURSE + "/exam-days/{exam_day_id}/plan"
BOOKINGS = COURSE + "/bookings"
BOOKING = COURSE + "/groups/{group_id}/booking"
PRINT_QUOTA = COURSE + "/print-quota"
PRINT_REQUEST = COURSE + "/groups/{group_id}/print-request"
PRINT_REQUESTS = COURSE + "/print-requests"
GROUP_VISITS = COURSE + "/groups/{group_id}/visits"
EXAMINERS = COURSE + "/examiners"
ITINERARY = COURSE + "/examiners/{person_id}/itinerary"
GRADES = COURSE + "/grades"
GRADE = COURSE + "/students/{student_id}/grade"
FINAL_GRADE = COURSE + "/students/{student_id}/final-grade"
RELEASE = COURSE + "/grades/release"


class SchedulingClient:
    def __init__(self, client: ServiceClient, *, course_id: str) -> None:
        self.client = client
        self.course_id = course_id

    def _p(self, **params: object) -> dict[str, object]:
        return {"course_id": self.course_id, **params}

    # --- calendar --------------------------------------------------------------------------
    async def term(self) -> m.TermPublic:
        return one(m.TermPublic, await self.client.get(TERM, path_params=self._p()))

    async def weeks(self) -> m.CalendarWeeks:
        return one(m.CalendarWeeks, await self.client.get(WEEKS, path_params=self._p()))

    async def dates(self) -> m.CourseDates:
        return one(m.CourseDates, await self.client.get(DATES, path_params=self._p()))

    async def rooms(self) -> list[m.RoomPublic]:
        return many(m.RoomPublic, await self.client.get(ROOMS, path_params=self._p()))

    # --- exam days, slots, bookings, prints ------------------------------------------------
    async def exam_days(self) -> list[m.ExamDayPublic]:
        return many(m.ExamDayPublic, await self.client.get(EXAM_DAYS, path_params=self._p()))

    async def slots(self, *, exam_day_id: str) -> list[m.SlotPublic]:
        return many(m.SlotPublic, await self.client.get(SLOTS, path_params=self._p(exam_day_id=exam_day_id)))

    async def bookings(self) -> list[m.BookingPublic]:
        return many(m.BookingPublic, await self.client.get(BOOKINGS, path_params=self._p()))

    async def booking(self, *, group_id: str) -> m.BookingPublic:
        return one(m.BookingPublic, await self.client.get(BOOKING, path_params=self._p(group_id=group_id)))

    async def book(self, *, group_id: str, slot_id: str) -> m.BookingPublic:
        return one(
            m.BookingPublic,
            await self.client.put(BOOKING, path_params=self._p(group_id=group_id), json={"slot_id": slot_id}),
        )

    async def cancel_booking(self, *, group_id: str) -> None:
        await self.client.delete(BOOKING, path_params=self._p(group_id=group_id))

    async def print_quota(self) -> m.PrintQuotaPublic:
        return one(m.PrintQuotaPublic, await self.client.get(PRINT_QUOTA, path_params=self._p()))

    async def print_request(self, *, group_id: str) -> m.PrintRequestPublic:
        return one(m.PrintRequestPublic, await self.client.get(PRINT_REQUEST, path_params=self._p(group_id=group_id)))

    async def request_print(self, *, group_id: str) -> m.PrintRequestPublic:
        return one(m.PrintRequestPublic, await self.client.put(PRINT_REQUEST, path_params=self._p(group_id=group_id)))

    async def print_requests(self) -> list[m.PrintRequestPublic]:
        return many(m.PrintRequestPublic, await self.client.get(PRINT_REQUESTS, path_params=self._p()))

    # --- exam: visits, examiners, plan, grades ---------------------------------------------
    async def group_visits(self, *, group_id: str) -> list[m.VisitPublic]:
        return many(m.VisitPublic, await self.client.get(GROUP_VISITS, path_params=self._p(group_id=group_id)))

    async def examiners(self) -> list[m.ExaminerPublic]:
        return many(m.ExaminerPublic, await self.client.get(EXAMINERS, path_params=self._p()))

    async def itinerary(self, *, person_id: str) -> list[m.VisitPublic]:
        return many(m.VisitPublic, await self.client.get(ITINERARY, path_params=self._p(person_id=person_id)))

    async def plan(self, *, exam_day_id: str) -> m.PlanPublic:
        return one(m.PlanPublic, await self.client.get(PLAN, path_params=self._p(exam_day_id=exam_day_id)))

    async def grades(self) -> list[m.GradePublic]:
        return many(m.GradePublic, await self.client.get(GRADES, path_params=self._p()))

    async def grade(self, *, student_id: str) -> m.GradePublic:
        return one(m.GradePublic, await self.client.get(GRADE, path_params=self._p(student_id=student_id)))

    async def propose_grade(self, *, student_id: str, grade: str) -> m.GradePublic:
        return one(
            m.GradePublic,
            await self.client.put(GRADE, path_params=self._p(student_id=student_id), json={"grade": grade}),
        )

    async def settle_grade(self, *, student_id: str, grade: str) -> m.GradePublic:
        return one(
            m.GradePublic,
            await self.client.put(FINAL_GRADE, path_params=self._p(student_id=student_id), json={"grade": grade}),
        )

    async def release_grades(self) -> m.ReleasePublic:
        return one(m.ReleasePublic, await self.client.post(RELEASE, path_params=self._p()))
