"""Seed steps that make the dev course usable at once (registered after the course's own steps):
the dev admin on the roster (so the printed admin token's subject is a person of the course), and
a living demo played through the services' REST APIs as its people would: 40 students, a lab open
for hand-ins now, and a lab that was handed in and closed while seeding (close grace 0) so that its
review window is open now, with reviews, reactions and a flag; project groups with choices and projects, and
exam bookings for those with a project.

The fall-2021 labs' deadlines have passed (``seed_history`` plays them), so the demo labs are labs 9
and 10 dated from now.
Each demo lab is seeded once: when its assignment exists, the step writes nothing.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.seed_steps import SeedOptions, seed_step
from peerlab.local.seed_client import SeedClient, SeedFailed, with_service
from peerlab.local.seed_course_data import COURSE_ID

log = logging.getLogger("peerlab.local.seed")

DEV_ADMIN = (
    "dev-admin",
    {"name": "Dev Admin", "email": "dev-admin@example.org", "roles": ["admin", "teacher"], "programme": None},
)


@seed_step
def seed_dev_admin(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """The person behind the printed admin token (PUT by id, so a second run changes nothing)."""

    def work(gateway: SeedClient) -> None:
        gateway.put(f"/v1/roster/{DEV_ADMIN[0]}", DEV_ADMIN[1])
        log.info("roster: dev admin")

    with_service(urls, token, "gateway", "seed_dev_admin", work)


# --- the living demo: 40 students, a lab open now, a lab whose review window is open now ----------

DEMO_STUDENTS = 40
OPEN_LAB = ("demo-open-lab", 10)  # open for hand-ins for a week from seeding
REVIEW_LAB = ("demo-review-lab", 9)  # handed in, closed at seeding, reviews under way
NOTEBOOK = Path(__file__).resolve().parents[5] / "examples" / "week1-EXE.ipynb"
CLOSE_WAIT_S = 120.0
REVIEW = {
    "scores": {"overall": 4},
    "answers": {"strengths": "Clear plots and tidy code.", "improvements": "Explain the choice of learning rate."},
}


def demo_students() -> list[tuple[str, dict]]:
    """s210001..s210040: the 12 of the course data plus 28 more (same shape)."""
    return [
        (
            f"s2100{n:02d}",
            {
                "name": f"Demo Student {n:02d}",
                "email": f"s2100{n:02d}@example.org",
                "roles": ["student"],
                "programme": "phd" if n == 12 else "msc",
            },
        )
        for n in range(1, DEMO_STUDENTS + 1)
    ]


def _as(sub: str, *roles: str) -> dict[str, str]:
    token = mint_dev_token(sub=sub, roles=list(roles or ("student",)), secret=DEV_JWT_SECRET, ttl_s=3600)
    return {"Authorization": f"Bearer {token}"}


def _notebook() -> bytes:
    return NOTEBOOK.read_bytes()


def _hand_in(http: httpx.Client, assignment_id: str, student: str, key: str) -> None:
    response = http.post(
        f"/v1/assignments/{assignment_id}/submissions",
        params={"file_name": "week1-EXE.ipynb"},
        content=_notebook(),
        headers={**_as(student), "Idempotency-Key": key, "content-type": "application/octet-stream"},
    )
    if response.status_code >= 400:
        raise SeedFailed(
            f"hand-in of {student} to {assignment_id} answered {response.status_code}: {response.text[:300]}"
        )


@seed_step
def seed_demo_students(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """40 demo students on the roster (the course data's 12 and 28 more; PUT by id)."""

    def work(gateway: SeedClient) -> None:
        for person_id, body in demo_students():
            gateway.put(f"/v1/roster/{person_id}", body)
        log.info("roster: %d demo students", DEMO_STUDENTS)

    with_service(urls, token, "gateway", "seed_demo_students", work)


def _exists(client: SeedClient, path: str) -> bool:
    try:
        client.get(path)
        return True
    except SeedFailed as exc:
        if " answered 404" in str(exc):
            return False
        raise


OPEN_LAB_CLOSE_GRACE_S = 60


@seed_step
def seed_demo_open_lab(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """Lab 10, open now for a week; 25 of the 40 students have handed in (5 of them twice). Its close
    grace is one minute (a real course keeps the default 15): a teacher who moves its deadline to
    now sees it closed and allocated for review a minute later. Seeded once: if the assignment
    exists, nothing is written."""
    assignment_id, number = OPEN_LAB

    def work(submissions: SeedClient) -> None:
        if _exists(submissions, f"/v1/assignments/{assignment_id}"):
            log.info("demo: %s exists, left as it is", assignment_id)
            return
        at = datetime.now(UTC)
        submissions.put(
            f"/v1/assignments/{assignment_id}",
            {
                "kind": "lab",
                "title": f"Lab {number} (demo): open for hand-ins now",
                "lab_number": number,
                "owner_type": "student",
                "opens_at": (at - timedelta(days=1)).isoformat(),
                "deadline": (at + timedelta(days=7)).isoformat(),
                "close_grace_s": OPEN_LAB_CLOSE_GRACE_S,
            },
        )
        http = submissions._http
        students = [pid for pid, _ in demo_students()]
        for n, student in enumerate(students[:25]):
            _hand_in(http, assignment_id, student, f"demo-{assignment_id}-{student}-1")
            if n < 5:
                _hand_in(http, assignment_id, student, f"demo-{assignment_id}-{student}-2")
        log.info("demo: %s open, 25 hand-ins", assignment_id)

    with_service(urls, token, "submissions", "seed_demo_open_lab", work)


@seed_step
def seed_demo_review_lab(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """Lab 9: 36 of 40 students handed in, then it closed (grace 0) and review allocated it;
    the first 24 reviewers submitted their reviews, authors reacted to them and one flagged one.
    (No verdicts: review takes verdicts for labs 1-8 only; those are seed_history.py's.) Seeded once: if the assignment exists, nothing is written."""
    if not {"submissions", "review"} <= set(urls):
        log.warning("seed step seed_demo_review_lab skipped: needs submissions and review")
        return
    assignment_id, number = REVIEW_LAB
    submissions = SeedClient("submissions", urls["submissions"], token)
    review = SeedClient("review", urls["review"], token)
    try:
        if _exists(submissions, f"/v1/assignments/{assignment_id}"):
            log.info("demo: %s exists, left as it is", assignment_id)
            return
        at = datetime.now(UTC)
        submissions.put(
            f"/v1/assignments/{assignment_id}",
            {
                "kind": "lab",
                "title": f"Lab {number} (demo): peer review open now",
                "lab_number": number,
                "owner_type": "student",
                "opens_at": (at - timedelta(days=7)).isoformat(),
                "deadline": (at + timedelta(hours=1)).isoformat(),
                "close_grace_s": 0,
            },
        )
        students = [pid for pid, _ in demo_students()]
        handers = students[:36]
        for student in handers:
            _hand_in(submissions._http, assignment_id, student, f"demo-{assignment_id}-{student}")
        # The deadline moves to now: the closer closes it (grace 0) and review allocates the round.
        moved = submissions._http.patch(
            f"/v1/assignments/{assignment_id}",
            json={"deadline": (datetime.now(UTC) + timedelta(seconds=1)).isoformat()},
        )
        if moved.status_code >= 400:
            raise SeedFailed(f"moving {assignment_id}'s deadline answered {moved.status_code}: {moved.text[:300]}")
        round_row = _wait_for_round(review, number)
        _play_reviews(review, handers, round_row)
        log.info("demo: %s closed and allocated; reviews, reactions and a flag", assignment_id)
    finally:
        submissions.close()
        review.close()


def _wait_for_round(review: SeedClient, number: int) -> dict:
    deadline = time.monotonic() + CLOSE_WAIT_S
    while time.monotonic() < deadline:
        response = review._http.get(f"/v1/labs/{number}/round")
        if response.status_code == 200 and response.json().get("status") == "allocated":
            return response.json()
        time.sleep(0.5)
    raise SeedFailed(f"lab {number} was not allocated within {CLOSE_WAIT_S:.0f} s (is the submissions worker up?)")


def _play_reviews(review: SeedClient, handers: list[str], round_row: dict) -> None:
    """The first 24 reviewers submit all their reviews; every author with a review reacts to the
    first one, but the first author who has one flags it as not a review (whoever that is: the
    allocation decides who reviews whom)."""
    for reviewer in handers[:24]:
        tasks = review._http.get("/v1/me/tasks", headers=_as(reviewer)).json()
        for task in tasks:
            if task.get("lab_number") != round_row.get("lab_number") or task["state"] != "todo":
                continue
            done = review._http.post(
                f"/v1/tasks/{task['task_token']}/review/submit", json=REVIEW, headers=_as(reviewer)
            )
            if done.status_code >= 400:
                raise SeedFailed(f"review by {reviewer} answered {done.status_code}: {done.text[:300]}")
    flagged = False
    for n, author in enumerate(handers):
        received = review._http.get("/v1/me/reviews", headers=_as(author)).json()
        if not received:
            continue
        first = received[0]["review_id"]
        if not flagged:
            flagged = True
            done = review._http.post(
                f"/v1/reviews/{first}/flag",
                headers=_as(author),
                json={"reason": "not_a_review", "comment": "Demo: this review only says 'nice'."},
            )
        else:
            done = review._http.put(
                f"/v1/reviews/{first}/reaction",
                headers=_as(author),
                json={"helpfulness": 3 + n % 3, "comment": "Thanks!"},
            )
        if done.status_code >= 400:
            raise SeedFailed(f"{author}'s reaction answered {done.status_code}: {done.text[:300]}")


DEMO_GROUPS = 8
GROUP_SIZE = 3
ASSIGNED_GROUPS = 5


@seed_step
def seed_demo_groups(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """8 project groups of 3 demo students (put past the eligibility gate by staff, audited), each
    with 3 ranked choices from the 2021 catalogue; the first 5 have their project assigned.
    Seeded once: if "Demo group 1" exists, nothing is written."""

    def work(projects: SeedClient) -> None:
        existing = projects.get("/v1/groups")
        items = existing["items"] if isinstance(existing, dict) else existing
        if any(g["name"] == "Demo group 1" for g in items):
            log.info("demo: groups exist, left as they are")
            return
        catalogue = projects.get("/v1/catalogues/2021/projects")
        project_ids = [p["project_id"] for p in (catalogue["items"] if isinstance(catalogue, dict) else catalogue)]
        students = [pid for pid, _ in demo_students()]
        for g in range(DEMO_GROUPS):
            members = students[g * GROUP_SIZE : (g + 1) * GROUP_SIZE]
            group = projects.post(
                "/v1/groups",
                {
                    "name": f"Demo group {g + 1}",
                    "member_ids": members,
                    "override_eligibility": True,
                    "override_reason": "Demo course: formed by staff while seeding (eligibility may be on its way)",
                },
            )
            choices = [project_ids[(g + i) % len(project_ids)] for i in range(3)]
            projects.put(f"/v1/groups/{group['group_id']}/selection", {"choices": [{"project_id": p} for p in choices]})
            if g < ASSIGNED_GROUPS:
                projects.put(f"/v1/groups/{group['group_id']}/assignment", {"project_id": choices[0]})
        log.info("demo: %d groups with choices, %d with a project", DEMO_GROUPS, ASSIGNED_GROUPS)

    with_service(urls, token, "projects", "seed_demo_groups", work)


PROJECTION_WAIT_S = 120.0


@seed_step
def seed_demo_bookings(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """The 5 demo groups with a project booked into the poster day's first slots (by staff, which
    the booking window does not bind). PUT of the same slot changes nothing, so a second run
    writes nothing. Waits for scheduling to learn the groups from the projects service's events."""
    if not {"projects", "scheduling"} <= set(urls):
        log.warning("seed step seed_demo_bookings skipped: needs projects and scheduling")
        return
    projects = SeedClient("projects", urls["projects"], token)
    scheduling = SeedClient("scheduling", urls["scheduling"], token)
    try:
        listed = projects.get("/v1/groups")
        groups = {g["name"]: g["group_id"] for g in (listed["items"] if isinstance(listed, dict) else listed)}
        # the poster day's first slots, by time (their ids carry the date, which --term-start moves)
        slots = sorted(
            scheduling.get(f"/v1/courses/{COURSE_ID}/exam-days/poster-2021/slots"), key=lambda s: s["starts_at"]
        )
        for g in range(min(ASSIGNED_GROUPS, len(slots))):
            group_id = groups.get(f"Demo group {g + 1}")
            if group_id is None:
                continue
            _book_when_known(scheduling, group_id, slots[g]["slot_id"])
        log.info("demo: %d groups booked on the poster day", ASSIGNED_GROUPS)
    finally:
        projects.close()
        scheduling.close()


def _book_when_known(scheduling: SeedClient, group_id: str, slot: str) -> None:
    path = f"/v1/courses/{COURSE_ID}/groups/{group_id}/booking"
    deadline = time.monotonic() + PROJECTION_WAIT_S
    while True:
        response = scheduling._http.put(path, json={"slot_id": slot})
        if response.status_code < 400:
            return
        if response.status_code != 404 or time.monotonic() > deadline:
            raise SeedFailed(f"booking {slot} for {group_id} answered {response.status_code}: {response.text[:300]}")
        time.sleep(0.5)  # scheduling has not seen the group yet
