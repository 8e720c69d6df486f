"""Staff reads: rounds, runs, allocations and reviews of a round, batch reads for the gateway."""

from datetime import timedelta

from review_testkit import now, run_lab, students

from peerlab.review.models import AllocationRow

FULL = {"scores": {"overall": 5}, "answers": {"strengths": "a", "improvements": "b"}}


def test_round_reads_and_batch_reads(stack):
    people = students(6)
    run_lab(stack, 1, people, deadline=now() - timedelta(minutes=1))
    run_lab(stack, 2, people[:2], deadline=now() - timedelta(minutes=1))  # too few: fails
    client = stack.client()
    ta = stack.auth("ta-1", "ta")
    rounds = client.get("/v1/rounds", headers=ta).json()
    assert sorted((r["lab_number"], r["status"]) for r in rounds) == [(1, "allocated"), (2, "allocation_failed")]
    by_lab = {r["lab_number"]: r for r in rounds}
    picked = client.get("/v1/rounds", params={"ids": f"{by_lab[2]['id']},unknown"}, headers=ta).json()
    assert [r["id"] for r in picked] == [by_lab[2]["id"]]
    assert picked[0]["failure_reason_code"] == "too_few_submitters"

    rid = by_lab[1]["id"]
    runs = client.get(f"/v1/rounds/{rid}/runs", headers=ta).json()
    assert [(r["run_no"], r["outcome"], r["method"], r["submitters"], r["added"]) for r in runs] == [
        (1, "allocated", runs[0]["method"], 6, 18)
    ]
    allocations = client.get(f"/v1/rounds/{rid}/allocations", headers=ta).json()
    assert len(allocations) == 18 and {a["review_status"] for a in allocations} == {"todo"}
    first = allocations[0]
    with stack.session() as s:
        token = s.get(AllocationRow, first["id"]).task_token
    assert (
        client.post(f"/v1/tasks/{token}/review/submit", json=FULL, headers=stack.auth(first["reviewer_id"])).status_code
        == 200
    )
    reviews = client.get(f"/v1/rounds/{rid}/reviews", headers=ta).json()
    assert [(r["reviewer_id"], r["reviewee_id"], r["status"]) for r in reviews] == [
        (first["reviewer_id"], first["reviewee_id"], "submitted")
    ]
    batch = client.get("/v1/reviews", params=[("ids", reviews[0]["id"]), ("ids", "nope")], headers=ta).json()
    assert [r["id"] for r in batch] == [reviews[0]["id"]]

    statuses = client.get("/v1/lab-status", params={"student_ids": ",".join(people[:3])}, headers=ta).json()
    assert set(statuses) == set(people[:3])
    assert [lab["status"] for lab in statuses[people[0]]][:3] == ["pending", "pending", "not_handed_in"]
    assert (
        client.get("/v1/lab-status", params={"student_ids": ",".join(students(501))}, headers=ta).json()["code"]
        == "too_many_ids"
    )
    assert client.get(f"/v1/rounds/{rid}", headers=ta).json()["reviews_per_person"] == 3
    assert client.get("/v1/rounds/nope", headers=ta).status_code == 404

    overview = client.get("/v1/teacher/labs/1", headers=ta).json()
    assert (
        overview["handed_in"],
        overview["allocated_tasks"],
        overview["reviews_submitted"],
        overview["reviews_missing"],
    ) == (6, 18, 1, 17)
    progress = {p["reviewer_id"]: p for p in overview["reviewers"]}
    assert progress[first["reviewer_id"]]["submitted"] == 1 and progress[first["reviewer_id"]]["missing"] == 2
    failed = client.get("/v1/teacher/labs/2", headers=ta).json()
    assert [f["reason_code"] for f in failed["failures"]] == ["too_few_submitters"]
    assert client.get("/v1/teacher/labs/7", headers=ta).status_code == 404
    queue = client.get("/v1/teacher/queue", params={"kind": "allocation_failed"}, headers=ta).json()
    assert [q["lab_number"] for q in queue] == [2]
