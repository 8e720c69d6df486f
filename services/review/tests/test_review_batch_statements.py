"""Every batch read behind the gateway's DataLoaders (``?ids=`` / ``?student_ids=``) runs as many SQL
statements for one id as for many: no query per row (counted with an SQLAlchemy event hook)."""

from datetime import timedelta

import pytest
from review_testkit import now, run_lab, students

from peerlab.local.testing import count_statements
from peerlab.review.models import AllocationRow

FULL = {"scores": {"overall": 5}, "answers": {"strengths": "a", "improvements": "b"}}


@pytest.fixture
def course(stack):
    """Two labs of six students, allocated, with two submitted reviews."""
    people = students(6)
    for lab in (1, 2):
        run_lab(stack, lab, people, deadline=now() - timedelta(minutes=1))
    client = stack.client()
    staff = stack.auth("t-1", "teacher")
    rounds = [r["id"] for r in client.get("/v1/rounds", headers=staff).json()]
    allocations = client.get(f"/v1/rounds/{rounds[0]}/allocations", headers=staff).json()[:2]
    for allocation in allocations:
        with stack.session() as s:
            token = s.get(AllocationRow, allocation["id"]).task_token
        assert (
            client.post(
                f"/v1/tasks/{token}/review/submit", json=FULL, headers=stack.auth(allocation["reviewer_id"])
            ).status_code
            == 200
        )
    reviews = [r["id"] for r in client.get(f"/v1/rounds/{rounds[0]}/reviews", headers=staff).json()]
    return {
        "client": client,
        "staff": staff,
        "people": people,
        "rounds": rounds,
        "reviews": reviews,
        "submissions": [f"s-{lab}-{p}" for lab in (1, 2) for p in people],
    }


@pytest.mark.parametrize(
    ("path", "param", "ids"),
    [
        ("/v1/rounds", "ids", "rounds"),
        ("/v1/reviews", "ids", "reviews"),
        ("/v1/submissions", "ids", "submissions"),
        ("/v1/lab-status", "student_ids", "people"),
        ("/v1/eligibility", "student_ids", "people"),
        ("/v1/audit", "student_ids", "people"),
    ],
)
def test_a_batch_read_costs_the_same_statements_for_one_id_as_for_all(course, path, param, ids):
    wanted = course[ids]
    assert len(wanted) >= 2
    counts = []
    for asked in (wanted[:1], wanted):
        with count_statements(course["client"].app.state.engine) as sql:
            r = course["client"].get(path, params={param: ",".join(asked)}, headers=course["staff"])
        assert r.status_code == 200, r.text
        counts.append(len(sql))
    assert 0 < counts[0] == counts[1], f"{path}: {counts[0]} statements for one id, {counts[1]} for {len(wanted)}"
