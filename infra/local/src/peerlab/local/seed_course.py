"""Seed steps of the 02456 fall-2021 course (registered in order with ``@seed_step``).

Every step is idempotent — PUT by natural id, or an import that reports "unchanged" — so running
``peerlab dev`` again on the same data directory duplicates nothing. Lab deadlines are taken from
the scheduling service's calendar ("Monday of counted week k+1"), never recomputed here.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from peerlab.local.seed import seed_step
from peerlab.local.seed_client import SeedClient, SeedFailed, with_service
from peerlab.local.seed_course_data import (
    CATALOGUE_YEARS, COURSE_ID, EXAM_DAYS, LAB_DEADLINE_TIME, LAB_TOPICS, ROOMS, TERM, demo_people, lab_title,
)

log = logging.getLogger("peerlab.local.seed")


@seed_step
def seed_roster(urls: dict[str, str], token: str) -> None:
    """Demo people into the gateway's roster (PUT by person id)."""
    def work(gateway: SeedClient) -> None:
        for person_id, body in demo_people():
            gateway.put(f"/v1/roster/{person_id}", body)
        log.info("roster: %d demo people", len(demo_people()))

    with_service(urls, token, "gateway", "seed_roster", work)


@seed_step
def seed_calendar(urls: dict[str, str], token: str) -> None:
    """The term, the four rooms and the exam days into scheduling."""
    def work(scheduling: SeedClient) -> None:
        base = f"/v1/courses/{COURSE_ID}"
        scheduling.put(f"{base}/term", TERM)
        for room_id, body in ROOMS.items():
            scheduling.put(f"{base}/rooms/{room_id}", {k: v for k, v in body.items() if v is not None})
        for exam_day_id, body in EXAM_DAYS.items():
            scheduling.put(f"{base}/exam-days/{exam_day_id}", body)
        log.info("calendar: term, %d rooms, %d exam days", len(ROOMS), len(EXAM_DAYS))

    with_service(urls, token, "scheduling", "seed_calendar", work)


@seed_step
def seed_catalogues(urls: dict[str, str], token: str) -> None:
    """The 2021 and 2020 project catalogues (bundled with the projects service) into projects."""
    def work(projects: SeedClient) -> None:
        for year in CATALOGUE_YEARS:
            result = projects.post(f"/v1/catalogues/{year}/import-bundled")
            log.info("catalogue %d: %d created, %d updated, %d unchanged", year, len(result["created"]),
                     len(result["updated"]), len(result["unchanged"]))

    with_service(urls, token, "projects", "seed_catalogues", work)


def lab_assignments(weeks: dict) -> list[tuple[str, dict]]:
    """The 8 labs from the calendar's weeks: lab k opens at week k's first session and is due on
    the Monday of counted week k+1 at 23:59 in the course's time zone."""
    zone = ZoneInfo(weeks["time_zone"])
    by_week = {w["week"]: w for w in weeks["weeks"]}
    due_at = time.fromisoformat(LAB_DEADLINE_TIME)
    labs = []
    for k in sorted(LAB_TOPICS):
        if k not in by_week or k + 1 not in by_week or not by_week[k]["sessions"]:
            raise SeedFailed(f"the calendar has no week {k} or {k + 1}; cannot date lab {k}")
        deadline = datetime.combine(date.fromisoformat(by_week[k + 1]["monday"]), due_at, tzinfo=zone)
        labs.append((f"lab-{k}", {
            "kind": "lab", "title": lab_title(k), "lab_number": k, "owner_type": "student",
            "opens_at": by_week[k]["sessions"][0]["starts_at"], "deadline": deadline.isoformat(),
        }))
    return labs


@seed_step
def seed_labs(urls: dict[str, str], token: str) -> None:
    """The 8 lab hand-ins into submissions (PUT ``/v1/assignments/lab-k``), dated by the calendar."""
    if "scheduling" not in urls:
        log.warning("seed step seed_labs skipped: lab deadlines come from the scheduling calendar, "
                    "which is not running")
        return
    scheduling = SeedClient("scheduling", urls["scheduling"], token)
    try:
        weeks = scheduling.get(f"/v1/courses/{COURSE_ID}/calendar/weeks")
    finally:
        scheduling.close()

    def work(submissions: SeedClient) -> None:
        for assignment_id, body in lab_assignments(weeks):
            submissions.put(f"/v1/assignments/{assignment_id}", body)
        log.info("labs: %d lab assignments", len(LAB_TOPICS))

    with_service(urls, token, "submissions", "seed_labs", work)
