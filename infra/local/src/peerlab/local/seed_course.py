"""Seed steps of the 02456 fall-2021 course (registered in order with ``@seed_step``).

Every step is idempotent — PUT by natural id, or an import that reports "unchanged" — so running
``peerlab dev`` again on the same data directory duplicates nothing. No date is computed here: the
term goes to scheduling, which derives every dated rule and publishes them (``term.dates_changed.v1``);
the hand-ins are created in submissions linked to those dates by key (``date_key``), so their
deadlines are the calendar's and move with it. ``--term-start`` shifts the whole course.
"""

from __future__ import annotations

import logging
import time

from peerlab.local.seed_steps import SeedOptions, seed_step
from peerlab.local.seed_client import SeedClient, SeedFailed, with_service
from peerlab.local.seed_course_data import (
    CATALOGUE_YEARS,
    COURSE_ID,
    LAB_TOPICS,
    PROJECT_HANDINS,
    ROOMS,
    demo_people,
    lab_title,
    shifted_plan,
)

log = logging.getLogger("peerlab.local.seed")


@seed_step
def seed_roster(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """Demo people into the gateway's roster (PUT by person id)."""

    def work(gateway: SeedClient) -> None:
        for person_id, body in demo_people():
            gateway.put(f"/v1/roster/{person_id}", body)
        log.info("roster: %d demo people", len(demo_people()))

    with_service(urls, token, "gateway", "seed_roster", work)


@seed_step
def seed_calendar(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """The term (shifted to ``--term-start``), the four rooms and the exam days into scheduling."""
    term, exam_days = shifted_plan(options.term_start)

    def work(scheduling: SeedClient) -> None:
        base = f"/v1/courses/{COURSE_ID}"
        scheduling.put(f"{base}/term", term)
        for room_id, body in ROOMS.items():
            scheduling.put(f"{base}/rooms/{room_id}", {k: v for k, v in body.items() if v is not None})
        for exam_day_id, body in exam_days.items():
            scheduling.put(f"{base}/exam-days/{exam_day_id}", body)
        log.info("calendar: term from %s, %d rooms, %d exam days", term["first_monday"], len(ROOMS), len(exam_days))

    with_service(urls, token, "scheduling", "seed_calendar", work)


@seed_step
def seed_catalogues(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """The 2021 and 2020 project catalogues (bundled with the projects service) into projects."""

    def work(projects: SeedClient) -> None:
        for year in CATALOGUE_YEARS:
            result = projects.post(f"/v1/catalogues/{year}/import-bundled")
            log.info(
                "catalogue %d: %d created, %d updated, %d unchanged",
                year,
                len(result["created"]),
                len(result["updated"]),
                len(result["unchanged"]),
            )

    with_service(urls, token, "projects", "seed_catalogues", work)


def lab_assignments() -> list[tuple[str, dict]]:
    """The 8 labs and the project hand-ins, each linked to the calendar's date of the same key."""
    labs = [
        (
            f"lab-{k}",
            {"kind": "lab", "title": lab_title(k), "lab_number": k, "owner_type": "student", "date_key": f"lab-{k}"},
        )
        for k in sorted(LAB_TOPICS)
    ]
    project = [
        (key, {"kind": key, "title": title, "owner_type": "group", "date_key": key})
        for key, title in PROJECT_HANDINS.items()
    ]
    return labs + project


def _put_when_dated(submissions: SeedClient, assignment_id: str, body: dict, wait_s: float) -> None:
    """PUT, waiting while submissions has not yet consumed the calendar's dates (409 calendar_date_unknown)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            submissions.put(f"/v1/assignments/{assignment_id}", body)
            return
        except SeedFailed as exc:
            if "calendar_date_unknown" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


@seed_step
def seed_labs(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """The 8 lab hand-ins and the synopsis, report and poster into submissions, dated by the calendar."""
    if "scheduling" not in urls:
        log.warning("seed step seed_labs skipped: deadlines come from the scheduling calendar, which is not running")
        return

    def work(submissions: SeedClient) -> None:
        items = lab_assignments()
        for assignment_id, body in items:
            _put_when_dated(submissions, assignment_id, body, options.calendar_wait_s)
        log.info("hand-ins: %d assignments following the calendar", len(items))

    with_service(urls, token, "submissions", "seed_labs", work)
