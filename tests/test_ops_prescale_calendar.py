"""``peerlab ops prescale`` takes its deadlines from the scheduling service, owner of every date:
the calendar's deadlines of the 2021 term (not the project selection), and again after the term
moves. Scheduling runs in-process over its own migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import alembic_config
from peerlab.local.ops import deadlines as dl
from peerlab.local.seed_course_data import TERM
from peerlab.local.testing import in_process_values
from peerlab.scheduling.main import create_app
from peerlab.scheduling.settings import SchedulingSettings

COURSE = "02456-2021"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def test_prescale_reads_the_calendars_deadlines_and_follows_a_moved_term(fresh_database_url):
    settings = SchedulingSettings(**in_process_values(fresh_database_url("prescale_scheduling"), course_id=COURSE))
    command.upgrade(alembic_config(package="peerlab.scheduling", settings=settings), "head")
    clock = Clock(datetime(2021, 8, 1, tzinfo=UTC))
    teacher = mint_dev_token(sub="t", roles=["teacher"], secret=settings.jwt_secret, ttl_s=600)
    headers = {"Authorization": f"Bearer {teacher}"}
    with TestClient(create_app(settings, clock=clock)) as scheduling:
        # No term yet: scheduling answers 404 and nothing else is configured.
        none = dl.from_services(
            submissions_url=None, scheduling_url="http://testserver", course_id=COURSE, token=teacher, client=scheduling
        )
        assert none == []

        assert scheduling.put(f"/v1/courses/{COURSE}/term", json=TERM, headers=headers).status_code == 201
        found = dl.from_services(
            submissions_url=None, scheduling_url="http://testserver", course_id=COURSE, token=teacher, client=scheduling
        )
        by_name = {d.name: d for d in found}
        assert {f"lab-{k}" for k in range(1, 9)} | {"synopsis", "report"} <= set(by_name)
        assert "selection" not in by_name and "presentations-internal" not in by_name  # not hand-ins
        assert by_name["lab-1"].at == datetime(2021, 9, 6, 21, 59, tzinfo=UTC)  # Monday week 2, 23:59 CEST
        assert by_name["lab-1"].source.startswith("scheduling")
        coming = dl.upcoming(found, now=datetime(2021, 9, 1, tzinfo=UTC), settle=timedelta(minutes=15))
        assert coming[0].name == "lab-1"

        # The fall break moves a week later, so week 8 comes a week earlier: lab 7 (due Monday week 8)
        # is due a week earlier, and its trigger with it.
        moved = {**TERM, "breaks": [{**b, "starts_on": "2021-10-25", "ends_on": "2021-10-29"} for b in TERM["breaks"]]}
        assert scheduling.put(f"/v1/courses/{COURSE}/term", json=moved, headers=headers).status_code == 200
        again = {
            d.name: d
            for d in dl.from_services(
                submissions_url=None,
                scheduling_url="http://testserver",
                course_id=COURSE,
                token=teacher,
                client=scheduling,
            )
        }
        assert again["lab-1"].at == by_name["lab-1"].at
        assert again["lab-7"].at == by_name["lab-7"].at - timedelta(days=7)
        assert again["lab-7"].source == "scheduling (dates revision 2)"
