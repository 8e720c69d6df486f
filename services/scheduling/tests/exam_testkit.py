"""Helpers of the visit-plan and grade tests: roster and project events through the real consumer
runner of ``scheduling-exam``, an exam day with bookings, examiners with availability."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.contracts import Envelope
from peerlab.contracts.events.projects import ProjectAssignedV1
from peerlab.contracts.events.roster import PersonEnrolledV1
from peerlab.scheduling.events import exam_handlers
from scheduling_testkit import COURSE, FUTURE_DAY, NO_BROKER, future_poster_day, slot_of

DAY = "poster-2021"
BASE = f"/v1/courses/{COURSE}"


class ExamKit:
    def __init__(self, stack) -> None:
        self.stack = stack
        self.runner = ConsumerRunner(exam_handlers.consumer_spec(), engine=stack.engine, bootstrap=NO_BROKER)
        self.client = stack.client()
        self.staff = stack.auth("t1", "teacher")

    def _feed(self, data, subject: str) -> str:
        raw = Envelope.wrap(data, source="test", subject=subject, course_id=COURSE).to_bytes()
        return self.runner.handle_message(raw, stop=threading.Event())

    def person(self, person_id: str, programme: str = "msc", name: str | None = None, email: str | None = None) -> None:
        self._feed(
            PersonEnrolledV1(
                person_id=person_id,
                roles=["student"],
                programme=programme,
                name=name,
                email=email,
                enrolled_at=datetime.now(UTC),
            ),
            person_id,
        )

    def project(self, group_id: str, emails: list[str]) -> None:
        self._feed(
            ProjectAssignedV1(
                group_id=group_id, project_id="p-2021-05", supervisor_emails=emails, assigned_at=datetime.now(UTC)
            ),
            group_id,
        )

    def exam_day(self, day_id: str = DAY, **overrides) -> None:
        r = self.client.put(f"{BASE}/exam-days/{day_id}", json=future_poster_day(**overrides), headers=self.staff)
        assert r.status_code in (200, 201), r.text

    def group(self, group_id: str, members: list[str], hhmm: str | None, *, phd: tuple[str, ...] = ()) -> None:
        for m in members:
            self.person(m, "phd" if m in phd else "msc", name=f"Student {m}")
        self.stack.feed_group(group_id, members)
        if hhmm:
            r = self.client.put(
                f"{BASE}/groups/{group_id}/booking", json={"slot_id": slot_of(DAY, hhmm)}, headers=self.staff
            )
            assert r.status_code in (200, 201), r.text

    def examiner(self, person_id: str, windows: list[tuple[str, str]], email: str | None = None):
        body = {
            "name": f"Examiner {person_id}",
            "email": email,
            "availability": [
                {"exam_day_id": DAY, "starts_at": local_time(a), "ends_at": local_time(b)} for a, b in windows
            ],
        }
        return self.client.put(f"{BASE}/examiners/{person_id}", json=body, headers=self.staff)

    def plan(self):
        return self.client.post(f"{BASE}/exam-days/{DAY}/plan", headers=self.staff)

    def publish(self):
        return self.client.post(f"{BASE}/exam-days/{DAY}/plan/publish", headers=self.staff)


def local_time(hhmm: str) -> str:
    """``HH:MM`` on the future exam day in Copenhagen, as an aware ISO time."""
    hour, minute = map(int, hhmm.split(":"))
    at = datetime(FUTURE_DAY.year, FUTURE_DAY.month, FUTURE_DAY.day, hour, minute)
    return at.replace(tzinfo=ZoneInfo("Europe/Copenhagen")).isoformat()


def minutes(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)) / timedelta(minutes=1)
