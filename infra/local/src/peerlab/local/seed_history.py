"""Seed step: the fall-2021 labs played as history, on a fresh data directory only.

The course's 8 lab deadlines (2021) have passed, and the services keep their rules: a passed date
is never moved, a closed hand-in's deadline never changes, a hand-in after the deadline is refused.
So the history is played *before* the calendar holds the 2021 term, through the calendar itself:

1. scheduling gets the same term shifted to a coming Monday (every lab due in the future);
2. submissions gets labs 1-8 linked to the calendar's dates (open since the 2021 term's start), and
   the 40 demo students hand them in as the pattern below says (some twice);
3. scheduling gets the real 2021 term: every date moves back to fall 2021, each move audited
   (``GET /v1/courses/02456-2021/calendar/date-changes``; submissions keeps its own audit of the deadline
   moves); submissions closes the labs and review allocates them, with windows that ended in 2021,
   so the window-end rule passes every on-time hand-in without a verdict and computes eligibility;
4. four late hand-ins of lab 8 are refused (409 ``deadline_passed``, the course's strict rule); a
   teacher fails one student's lab 3 and another's lab 2; the first re-submits to the teachers
   and is passed.

Peer reviews cannot be written for these labs: their review windows ended in 2021 (the living
demo's lab 9 has reviews, reactions and a flag). The step runs only while scheduling has no term
(a fresh data directory); once the term exists it writes nothing, so seeding twice changes nothing.
It runs first (see ``peerlab.local.seed``), before the course's own steps put the 2021 term.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from functools import partial

import httpx
from peerlab.local.seed_steps import SeedOptions, seed_step
from peerlab.local.seed_client import SeedClient, SeedFailed
from peerlab.local.seed_course_data import COURSE_ID, LAB_TOPICS, TERM, shifted_plan

log = logging.getLogger("peerlab.local.seed")

STUDENTS = 40
LATE = (29, 30, 31, 32)  # tried to hand in lab 8 after its deadline (refused)
FAILED_AND_RESUBMITTED = (7, 3)  # student 7's lab 3: failed, re-submitted, passed
FAILED = (8, 2)  # student 8's lab 2: failed, stays failed
RESUBMISSION = "lab-3-resubmission-s210007"
WAIT_S = 300.0  # review consumes ~300 events first; slow on a loaded machine
HAND_IN_THREADS = 4


def student(n: int) -> str:
    return f"s2100{n:02d}"


def labs_handed_in(n: int) -> list[int]:
    """Which of labs 1-8 student ``n`` handed in on time: 37-40 gave up after lab 3, 33-36 missed
    three labs in a row (both groups fall short of the 6 labs eligibility needs), a few others
    missed one, the late ones missed lab 8."""
    labs = range(1, len(LAB_TOPICS) + 1)
    if n > 36:
        return [k for k in labs if k <= 3]
    if n > 32:
        return [k for k in labs if not n - 30 <= k <= n - 28]
    return [k for k in labs if (n + k) % 13 != 0 and not (n in LATE and k == 8)]


def _coming_monday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 + (7 - today.weekday()) % 7)


@seed_step
def seed_history(urls: dict[str, str], token: str, options: SeedOptions) -> None:
    """The fall-2021 labs as history (see the module's docstring)."""
    if not {"gateway", "scheduling", "submissions", "review"} <= set(urls):
        log.warning("seed step seed_history skipped: needs the gateway, scheduling, submissions and review")
        return
    if options.term_start is not None:
        log.info("history: not played for a shifted term (--term-start); only the fall-2021 term has one")
        return
    clients = {name: SeedClient(name, urls[name], token) for name in ("gateway", "scheduling", "submissions", "review")}
    try:
        if clients["scheduling"]._http.get(f"/v1/courses/{COURSE_ID}/term").status_code != 404:
            log.info(
                "history: the term exists already, so the history was played (or the data directory "
                "predates it); left as it is"
            )
            return
        started = time.monotonic()
        _play(clients, options)
        log.info("history: labs 1-8 played in %.1f s", time.monotonic() - started)
    finally:
        for client in clients.values():
            client.close()


def _play(clients: dict[str, SeedClient], options: SeedOptions) -> None:
    from peerlab.local.seed_course import lab_assignments  # the course's own step module (registered after this)
    from peerlab.local.seed_demo import demo_students

    gateway, scheduling, submissions = clients["gateway"], clients["scheduling"], clients["submissions"]
    for person_id, body in demo_students():
        gateway.put(f"/v1/roster/{person_id}", body)
    future_term, _ = shifted_plan(_coming_monday())
    scheduling.put(f"/v1/courses/{COURSE_ID}/term", future_term)
    opened = f"{TERM['first_monday']}T00:00:00+00:00"  # open since the 2021 term's start
    labs = [(aid, body) for aid, body in lab_assignments() if body["kind"] == "lab"]
    for assignment_id, body in labs:
        put = partial(submissions.put, f"/v1/assignments/{assignment_id}", {**body, "opens_at": opened})
        _retry(put, "calendar_date_unknown", options.calendar_wait_s)
    _hand_in_all(submissions._http)
    scheduling.put(f"/v1/courses/{COURSE_ID}/term", TERM)  # every date back to fall 2021 (audited moves)
    _wait(lambda: _closed(submissions, [aid for aid, _ in labs]), "labs 1-8 to close")
    _wait(
        lambda: _allocated(clients["review"], [body["lab_number"] for _, body in labs]), "review to allocate labs 1-8"
    )
    _late_attempts(submissions._http)
    _verdicts_and_resubmission(clients)
    _wait(
        lambda: _windows_closed(clients["review"], [body["lab_number"] for _, body in labs]),
        "review to close the labs' ended windows (eligibility decided)",
    )


def _hand_in_all(http: httpx.Client) -> None:
    from peerlab.local.seed_demo import _hand_in

    work = [
        (f"lab-{k}", student(n), f"history-lab-{k}-{student(n)}-{v}")
        for n in range(1, STUDENTS + 1)
        for k in labs_handed_in(n)
        for v in ((1, 2) if k == 1 and n <= 5 else (1,))
    ]  # students 1-5 improved lab 1 before its deadline
    with ThreadPoolExecutor(HAND_IN_THREADS) as pool:
        list(pool.map(lambda item: _hand_in(http, *item), work))
    log.info("history: %d hand-ins of labs 1-8", len(work))


def _late_attempts(http: httpx.Client) -> None:
    from peerlab.local.seed_demo import _as, _notebook

    for n in LATE:
        response = http.post(
            "/v1/assignments/lab-8/submissions",
            params={"file_name": "week8-EXE.ipynb"},
            content=_notebook(),
            headers={
                **_as(student(n)),
                "Idempotency-Key": f"history-late-{n}",
                "content-type": "application/octet-stream",
            },
        )
        if response.status_code != 409 or response.json().get("code") != "deadline_passed":
            raise SeedFailed(f"a late hand-in of lab 8 answered {response.status_code}: {response.text[:300]}")
    log.info("history: %d late hand-ins of lab 8 refused (deadline_passed)", len(LATE))


def _verdicts_and_resubmission(clients: dict[str, SeedClient]) -> None:
    from peerlab.local.seed_demo import _hand_in

    review, submissions = clients["review"], clients["submissions"]
    for n, k in (FAILED_AND_RESUBMITTED, FAILED):
        review.put(
            f"/v1/students/{student(n)}/labs/{k}/verdict",
            {"verdict": "fail", "comment": "Demo: the backpropagation exercise is missing."},
        )
    n, k = FAILED_AND_RESUBMITTED
    at = datetime.now(UTC)
    submissions.put(
        f"/v1/assignments/{RESUBMISSION}",
        {
            "kind": "resubmission",
            "title": f"Lab {k}: re-submission of {student(n)}",
            "resubmits_assignment_id": f"lab-{k}",
            "lab_number": k,
            "owner_type": "student",
            "opens_at": (at - timedelta(days=1)).isoformat(),
            "deadline": (at + timedelta(days=7)).isoformat(),
        },
    )
    # submissions learns the fail from review's event; until then the re-submission is refused (403)
    _retry(
        lambda: _hand_in(submissions._http, RESUBMISSION, student(n), f"history-{RESUBMISSION}"), "answered 403", WAIT_S
    )
    review.put(
        f"/v1/students/{student(n)}/labs/{k}/verdict",
        {"verdict": "pass", "comment": "Demo: the re-submission is complete."},
    )
    log.info(
        "history: %s failed lab %d and passed on re-submission; %s failed lab %d",
        student(n),
        k,
        student(FAILED[0]),
        FAILED[1],
    )


def _closed(submissions: SeedClient, ids: list[str]) -> bool:
    listed = submissions.get("/v1/assignments", ids=",".join(ids))["items"]
    return len(listed) == len(ids) and all(a["closed"] for a in listed)


def _allocated(review: SeedClient, numbers: list[int]) -> bool:
    """Review has every hand-in and the close of each lab, and has allocated its round."""
    for number in numbers:
        response = review._http.get(f"/v1/labs/{number}/round")
        status = response.json().get("status") if response.status_code == 200 else None
        if status == "allocation_failed":
            raise SeedFailed(f"history: review could not allocate lab {number}: {response.text[:300]}")
        if status != "allocated":
            return False
    return True


def _windows_closed(review: SeedClient, numbers: list[int]) -> bool:
    """Review's window-end rule has passed each lab's remaining hand-ins (and decided eligibility)."""
    closed = {r["lab_number"] for r in review.get("/v1/rounds") if r.get("window_closed_at") is not None}
    return set(numbers) <= closed


def _retry(call: Callable[[], object], refusal: str, wait_s: float) -> None:
    """``call()``, again every half second while it fails with ``refusal`` (an event on its way)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            call()
            return
        except SeedFailed as exc:
            if refusal not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def _wait(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        if time.monotonic() >= deadline:
            raise SeedFailed(f"history: waited {WAIT_S:.0f} s for {what}")
        time.sleep(0.5)
