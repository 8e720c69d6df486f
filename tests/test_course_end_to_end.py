"""A course in miniature, across real processes: 40 students hand in 8 labs (some late, some
missing), review is allocated at the deadline, reviews and verdicts flow, the review windows end
("no news is a pass"), and eligibility comes out as the rules say (6 of 8 labs passed). The
deadlines arrive by moving the services' clock (a test clock file), not by waiting for them."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from peerlab.local.testing import MovableClock
from test_walking_skeleton import notebook_bytes, wait_for

STACK = ["submissions", "review", "gateway"]
STACK_ENV = {
    "PEERLAB_SUBMISSIONS_CLOSE_GRACE_S": "0",
    "PEERLAB_SUBMISSIONS_CLOSER_INTERVAL_S": "1",
    "PEERLAB_REVIEW_WINDOW_JOB_INTERVAL_S": "1",
}

STUDENTS = [f"s23{i:04d}" for i in range(40)]
LABS = range(1, 9)
MISSING = {**{s: {1, 2, 3} for s in STUDENTS[30:35]}, STUDENTS[38]: {7, 8}}
FAILED = {**{s: {2, 4, 6} for s in STUDENTS[35:38]}, STUDENTS[39]: {1, 2}}
EXPECTED = {s: ("not_eligible" if s in STUDENTS[30:38] else "eligible") for s in STUDENTS}
TEACHER = ("teacher-ole", "teacher")


def lab_id(n: int) -> str:
    return f"course-lab-{n}"


@pytest.fixture(scope="module", autouse=True)
def clock(tmp_path_factory: pytest.TempPathFactory) -> MovableClock:
    """The stack's clock (autouse: set up before the module's stack, which reads STACK_ENV)."""
    movable = MovableClock(tmp_path_factory.mktemp("clock") / "clock")
    for service in STACK:
        STACK_ENV.update(movable.env(service))
    return movable


def test_course_from_hand_ins_to_eligibility(stack, clock):
    now = datetime.now(UTC)
    deadline = now + timedelta(hours=1)
    with stack.client("submissions", *TEACHER) as teacher:
        for n in LABS:
            response = teacher.put(
                f"/v1/assignments/{lab_id(n)}",
                json={
                    "kind": "lab",
                    "lab_number": n,
                    "title": f"Lab {n}",
                    "opens_at": (now - timedelta(days=1)).isoformat(),
                    "deadline": deadline.isoformat(),
                },
            )
            assert response.status_code in (200, 201), response.text

        def hand_in(student: str, n: int) -> int:
            with stack.client("submissions", student, "student") as client:
                return client.post(
                    f"/v1/assignments/{lab_id(n)}/submissions",
                    params={"file_name": f"lab{n}-EXE.ipynb"},
                    content=notebook_bytes(),
                    headers={"content-type": "application/octet-stream"},
                ).status_code

        jobs = [(s, n) for s in STUDENTS for n in LABS if n not in MISSING.get(s, set())]
        with ThreadPoolExecutor(max_workers=6) as pool:
            assert set(pool.map(lambda job: hand_in(*job), jobs)) == {201}

        # The deadlines arrive (deadlines are server time: the services' clock moves past them).
        clock.move_to(deadline + timedelta(seconds=1))
        late = hand_in(STUDENTS[30], 1)
        assert late == 409, "a hand-in after the deadline is refused"

    review = stack.client("review", *TEACHER)
    rounds = wait_for(
        lambda: len(r := [x for x in review.get("/v1/rounds").json() if x["status"] == "allocated"]) == 8 and r,
        timeout_s=120,
    )
    assert {r["assignment_id"] for r in rounds} == {lab_id(n) for n in LABS}

    # Reviewers see their tasks, anonymised, and review them.
    for reviewer in STUDENTS[:10]:
        with stack.client("review", reviewer, "student") as client:
            tasks = client.get("/v1/me/tasks").json()
            assert len(tasks) == 3 * 8, "k = 3 per lab handed in"
            assert not _other_students_in(client.get("/v1/me/tasks").text, reviewer)
            for task in tasks[:6]:
                content = {
                    "scores": {c["key"]: c["max_score"] for c in task["rubric"]["criteria"]},
                    "answers": {q["key"]: "Clear and correct." for q in task["rubric"]["questions"]},
                }
                assert client.put(f"/v1/tasks/{task['task_token']}/review", json=content).status_code == 200
                submitted = client.post(f"/v1/tasks/{task['task_token']}/review/submit")
                assert submitted.status_code == 200, submitted.text

    # Authors see the reviews of their hand-ins, never who wrote them.
    for author in STUDENTS[:40]:
        with stack.client("review", author, "student") as client:
            received = client.get("/v1/me/reviews")
            assert received.status_code == 200
            assert not _other_students_in(received.text, author)

    # Teachers fail some labs; students may not.
    with stack.client("review", STUDENTS[0], "student") as student:
        assert student.put(f"/v1/students/{STUDENTS[1]}/labs/1/verdict", json={"verdict": "fail"}).status_code == 403
    for student, labs in FAILED.items():
        for n in labs:
            response = review.put(
                f"/v1/students/{student}/labs/{n}/verdict",
                json={"verdict": "fail", "comment": "The network does not train."},
            )
            assert response.status_code == 200, response.text

    # The review windows end: no news is a pass.
    for r in rounds:
        assert review.patch(f"/v1/rounds/{r['id']}", json={"window_days": 0}).status_code == 200

    def all_decided():
        rows = review.get("/v1/eligibility", params={"student_ids": ",".join(STUDENTS)}).json()
        got = {row["student_id"]: row["status"] for row in rows}
        return got if got == EXPECTED else None

    eligibility = wait_for(all_decided, timeout_s=120)
    assert eligibility == EXPECTED
    review.close()

    # The gateway tells each student their own eligibility.
    with stack.client("gateway", STUDENTS[38], "student") as gateway:
        body = gateway.post("/graphql", json={"query": "{ me { eligibility { status labsPassed } } }"}).json()
        assert body["data"]["me"]["eligibility"] == {"status": "ELIGIBLE", "labsPassed": 6}


def _other_students_in(text: str, me: str) -> set[str]:
    return {sid for sid in re.findall(r"s23\d{4}", text) if sid != me}
