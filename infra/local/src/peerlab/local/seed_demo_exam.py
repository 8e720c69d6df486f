"""Seed steps of the living demo's project phase and exam: a synopsis hand-in open now with two
groups' synopses in it, a group's catalogue supervisor on the roster, examiners with their
availability on the poster day, and a published visit plan, so that a supervisor's view and the
examiner plan can be opened right after ``scripts/dev``.

Run after the demo groups are booked (``seed_demo_bookings``). Each part is written once: the
synopsis assignment only when it does not exist, the roster and examiners by id, and the plan only
when the poster day has none yet. An infeasible plan is logged, not fatal.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import httpx
from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.documents import text_pdf
from peerlab.local.seed_steps import SeedOptions, seed_step
from peerlab.local.seed_client import SeedClient, SeedFailed
from peerlab.local.seed_course_data import COURSE_ID

log = logging.getLogger("peerlab.local.seed")

POSTER_DAY = "poster-2021"
EXAMINERS = [
    ("demo-teacher-1", None),
    ("demo-teacher-2", None),
    (
        "demo-examiner-1",
        {"name": "Demo Examiner 1", "email": "demo-examiner-1@example.org", "roles": ["examiner"], "programme": None},
    ),
    (
        "demo-examiner-2",
        {"name": "Demo Examiner 2", "email": "demo-examiner-2@example.org", "roles": ["examiner"], "programme": None},
    ),
]


SYNOPSIS = ("demo-synopsis", "Demo project synopsis (open now; the fall-2021 one has passed)")
SYNOPSIS_GROUPS = 2
GROUP_WAIT_S = 120.0


def _items(listed: object) -> list:
    return listed["items"] if isinstance(listed, dict) else list(listed)  # type: ignore[index]


def _synopsis_pdf(group_name: str) -> bytes:
    return text_pdf(
        f"{group_name}: learning from few labels\nMotivation\nLabelled data is scarce.\n"
        "Background\nSemi-supervised learning, consistency training.\nMilestones\n"
        "Week 10 baseline; week 12 experiments; week 13 poster.\nReferences\n[1] Demo et al., 2020."
    )


@seed_step
def seed_demo_synopses(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """A synopsis hand-in open for a week from seeding, with the synopses of Demo groups 1 and 2
    (handed in by their first member; submissions learns the groups from the projects events)."""
    if not {"projects", "submissions"} <= set(urls):
        log.warning("seed step seed_demo_synopses skipped: needs projects and submissions")
        return
    projects = SeedClient("projects", urls["projects"], token)
    submissions = SeedClient("submissions", urls["submissions"], token)
    try:
        assignment_id, title = SYNOPSIS
        if submissions._http.get(f"/v1/assignments/{assignment_id}").status_code == 200:
            log.info("demo: synopsis hand-in exists, left as it is")
            return
        now = datetime.now(UTC).replace(microsecond=0)
        submissions.put(
            f"/v1/assignments/{assignment_id}",
            {
                "kind": "synopsis",
                "title": title,
                "owner_type": "group",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "deadline": (now + timedelta(days=7)).isoformat(),
            },
        )
        groups = {g["name"]: g for g in _items(projects.get("/v1/groups"))}
        for n in range(1, SYNOPSIS_GROUPS + 1):
            group = groups.get(f"Demo group {n}")
            if group is not None:
                _hand_in_synopsis(urls["submissions"], assignment_id, group)
        log.info("demo: synopsis hand-in open, %d groups handed in", SYNOPSIS_GROUPS)
    finally:
        projects.close()
        submissions.close()


def _hand_in_synopsis(base_url: str, assignment_id: str, group: dict) -> None:
    member = sorted(m["person_id"] for m in group["members"])[0]
    token = mint_dev_token(sub=member, roles=["student"], secret=DEV_JWT_SECRET, ttl_s=600)
    headers = {
        "Authorization": f"Bearer {token}",
        "content-type": "application/pdf",
        "Idempotency-Key": f"demo-synopsis-{group['group_id']}",
    }
    deadline = time.monotonic() + GROUP_WAIT_S
    with httpx.Client(base_url=base_url, timeout=30) as http:
        while True:
            response = http.post(
                f"/v1/assignments/{assignment_id}/submissions",
                params={"file_name": "synopsis.pdf"},
                content=_synopsis_pdf(group["name"]),
                headers=headers,
            )
            if response.status_code < 400:
                return
            if response.status_code not in (403, 404, 409) or time.monotonic() > deadline:
                raise SeedFailed(f"synopsis of {group['name']} answered {response.status_code}: {response.text[:300]}")
            time.sleep(0.5)  # submissions has not learnt the group yet


def _demo_supervisor(projects: SeedClient) -> tuple[str, dict] | None:
    """The first catalogue supervisor with an e-mail of Demo group 1's project, as a roster person
    with the supervisor and examiner roles (so the plan must keep them off their own group)."""
    groups = {g["name"]: g for g in _items(projects.get("/v1/groups"))}
    group = groups.get("Demo group 1")
    if group is None:
        return None
    assignment = projects.get(f"/v1/groups/{group['group_id']}/assignment")
    catalogue = {p["project_id"]: p for p in _items(projects.get("/v1/catalogues/2021/projects"))}
    project = catalogue.get(assignment["project_id"], {})
    for supervisor in project.get("supervisors", []):
        email = supervisor.get("email")
        if email:
            person_id = "demo-sup-" + email.split("@")[0].lower().replace(".", "-")[:40]
            return person_id, {
                "name": supervisor.get("name") or person_id,
                "email": email,
                "roles": ["supervisor", "examiner"],
                "programme": None,
            }
    return None


@seed_step
def seed_demo_exam(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """Examiners (two teachers, two examiners and Demo group 1's supervisor) available the whole
    poster day, then the day's visit plan solved and published."""
    if not {"gateway", "projects", "scheduling"} <= set(urls):
        log.warning("seed step seed_demo_exam skipped: needs gateway, projects and scheduling")
        return
    gateway = SeedClient("gateway", urls["gateway"], token)
    projects = SeedClient("projects", urls["projects"], token)
    scheduling = SeedClient("scheduling", urls["scheduling"], token)
    base = f"/v1/courses/{COURSE_ID}"
    try:
        examiners = list(EXAMINERS)
        supervisor = _demo_supervisor(projects)
        if supervisor is not None:
            examiners.append(supervisor)
        for person_id, body in examiners:
            if body is not None:
                gateway.put(f"/v1/roster/{person_id}", body)
        slots = sorted(scheduling.get(f"{base}/exam-days/{POSTER_DAY}/slots"), key=lambda s: s["starts_at"])
        if not slots:
            log.warning("demo: the poster day has no slots; no examiners seeded")
            return
        window = {"exam_day_id": POSTER_DAY, "starts_at": slots[0]["starts_at"], "ends_at": slots[-1]["ends_at"]}
        people = {p["id"]: p for p in _items(gateway.get("/v1/people", ids=",".join(e[0] for e in examiners)))}
        for person_id, _ in examiners:
            person = people.get(person_id, {})
            scheduling.put(
                f"{base}/examiners/{person_id}",
                {"name": person.get("name", person_id), "email": person.get("email"), "availability": [window]},
            )
        log.info("demo: %d examiners available on the poster day", len(examiners))
        _plan_once(scheduling, base)
    finally:
        gateway.close()
        projects.close()
        scheduling.close()


def _plan_once(scheduling: SeedClient, base: str) -> None:
    path = f"{base}/exam-days/{POSTER_DAY}/plan"
    existing = scheduling._http.get(path)
    if existing.status_code == 200:
        log.info("demo: the poster day has a plan, left as it is")
        return
    try:
        plan = scheduling.post(path)
        scheduling.post(f"{path}/publish")
    except SeedFailed as exc:
        log.warning("demo: no visit plan for the poster day (%s)", str(exc)[:300])
        return
    log.info("demo: visit plan of the poster day published (%d visits)", sum(plan.get("loads", {}).values()))
