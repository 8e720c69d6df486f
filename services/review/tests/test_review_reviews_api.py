"""Reviews through the HTTP API: drafts, submission, the window, reactions, flags, rubric versions."""

from datetime import timedelta

from review_testkit import now, run_lab, students

from peerlab.review.models import AllocationRow, SubmissionRow, TeacherItemRow

FULL = {"scores": {"overall": 4}, "answers": {"strengths": "Clear code.", "improvements": "Label the plots."}}


def _setup(stack, n=8, *, deadline=None):
    deadline = deadline or now() - timedelta(minutes=1)
    people = students(n)
    run_lab(stack, 1, people, deadline=deadline)
    with stack.session() as s:
        allocations = s.query(AllocationRow).order_by(AllocationRow.reviewer_id, AllocationRow.reviewee_id).all()
    return people, allocations, stack.client()


def test_draft_then_submit_within_the_window(stack):
    _, allocations, client = _setup(stack)
    a = allocations[0]
    me = stack.auth(a.reviewer_id)
    tasks = client.get("/v1/me/tasks", headers=me).json()
    assert len(tasks) == 3 and {t["state"] for t in tasks} == {"todo"} and all(t["window_open"] for t in tasks)
    url = f"/v1/tasks/{a.task_token}"
    draft = client.put(url + "/review", json={"scores": {"overall": 3}}, headers=me)
    assert draft.status_code == 200 and draft.json()["state"] == "draft"
    assert draft.json()["review"]["scores"] == {"overall": 3}

    bad = client.put(url + "/review", json={"scores": {"nonsense": 3}}, headers=me)
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_rubric_key")
    bad = client.put(url + "/review", json={"scores": {"overall": 9}}, headers=me)
    assert (bad.status_code, bad.json()["code"]) == (422, "score_out_of_range")
    incomplete = client.post(url + "/review/submit", headers=me)
    assert (incomplete.status_code, incomplete.json()["code"]) == (422, "review_incomplete")
    assert set(incomplete.json()["keys"]) == {"strengths", "improvements"}

    done = client.post(url + "/review/submit", json=FULL, headers=me)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "submitted" and done.json()["submitted_at"]
    again = client.post(url + "/review/submit", json=FULL, headers=me)
    assert (again.status_code, again.json()["code"]) == (409, "review_already_submitted")
    events = stack.outbox("review.submitted.v1")
    assert [(e.data["reviewer_id"], e.data["submission_id"]) for e in events] == [(a.reviewer_id, a.submission_id)]


def test_a_review_after_the_window_is_409(stack):
    _, allocations, client = _setup(stack, deadline=now() - timedelta(days=7, minutes=1))
    a = allocations[0]
    me = stack.auth(a.reviewer_id)
    for method, path, body in [
        ("put", "/review", FULL),
        ("post", "/review/submit", FULL),
        ("post", "/flag", {"reason": "empty"}),
    ]:
        resp = getattr(client, method)(f"/v1/tasks/{a.task_token}{path}", json=body, headers=me)
        assert (resp.status_code, resp.json()["code"]) == (409, "review_window_closed"), path
    task = client.get(f"/v1/tasks/{a.task_token}", headers=me).json()
    assert task["window_open"] is False


def test_a_token_of_someone_else_is_not_found(stack):
    _, allocations, client = _setup(stack)
    a = allocations[0]
    stranger = next(x.reviewer_id for x in allocations if x.reviewer_id != a.reviewer_id)
    assert client.get(f"/v1/tasks/{a.task_token}", headers=stack.auth(stranger)).status_code == 404
    assert client.put(f"/v1/tasks/{a.task_token}/review", json=FULL, headers=stack.auth(stranger)).status_code == 404
    assert client.get("/v1/tasks/not-a-token", headers=stack.auth(a.reviewer_id)).status_code == 404
    assert client.get("/v1/me/tasks").status_code == 401


def test_the_author_sees_submitted_reviews_only_and_rates_their_helpfulness(stack):
    _, allocations, client = _setup(stack)
    author = allocations[0].reviewee_id
    mine = [a for a in allocations if a.reviewee_id == author]
    assert (
        client.post(
            f"/v1/tasks/{mine[0].task_token}/review/submit", json=FULL, headers=stack.auth(mine[0].reviewer_id)
        ).status_code
        == 200
    )
    assert (
        client.put(
            f"/v1/tasks/{mine[1].task_token}/review",
            json={"scores": {"overall": 1}},
            headers=stack.auth(mine[1].reviewer_id),
        ).status_code
        == 200
    )
    received = client.get("/v1/me/reviews", headers=stack.auth(author)).json()
    assert len(received) == 1 and received[0]["scores"] == {"overall": 4}
    review_id = received[0]["review_id"]

    rated = client.put(
        f"/v1/reviews/{review_id}/reaction", json={"helpfulness": 5, "comment": "Thanks"}, headers=stack.auth(author)
    )
    assert rated.status_code == 200 and rated.json()["helpfulness"] == 5
    assert (
        client.put(f"/v1/reviews/{review_id}/reaction", json={"helpfulness": 6}, headers=stack.auth(author)).status_code
        == 422
    )
    assert (
        client.put(
            f"/v1/reviews/{review_id}/reaction", json={"helpfulness": 1}, headers=stack.auth(mine[0].reviewer_id)
        ).status_code
        == 404
    )  # not the author
    # the reviewer sees how helpful their review was (and nothing about who said so)
    task = client.get(f"/v1/tasks/{mine[0].task_token}", headers=stack.auth(mine[0].reviewer_id)).json()
    assert task["reaction"]["helpfulness"] == 5
    again = client.get("/v1/me/reviews", headers=stack.auth(author)).json()
    assert again[0]["my_reaction"]["comment"] == "Thanks"


def test_a_flagged_submission_gives_the_reviewer_a_replacement_task(stack):
    people, allocations, client = _setup(stack, n=10)
    a = allocations[0]
    me = stack.auth(a.reviewer_id)
    receipt = client.post(
        f"/v1/tasks/{a.task_token}/flag", json={"reason": "wrong_lab", "comment": "lab 2"}, headers=me
    )
    assert receipt.status_code == 200, receipt.text
    new_token = receipt.json()["replacement_task_token"]
    assert new_token and new_token != a.task_token
    tasks = client.get("/v1/me/tasks", headers=me).json()
    states = sorted(t["state"] for t in tasks)
    assert states == ["flagged", "todo", "todo", "todo"]
    with stack.session() as s:
        active = (
            s.query(AllocationRow)
            .filter(AllocationRow.reviewer_id == a.reviewer_id, AllocationRow.status == "active")
            .all()
        )
    assert len(active) == 3 and len({x.reviewee_id for x in active}) == 3
    assert a.reviewee_id not in {x.reviewee_id for x in active} and a.reviewer_id not in {x.reviewee_id for x in active}
    replaced = [e for e in stack.outbox("review.allocated.v1") if e.data["replaces_allocation_id"] == a.id]
    assert len(replaced) == 1 and replaced[0].data["task_token"] == new_token
    again = client.post(f"/v1/tasks/{a.task_token}/flag", json={"reason": "empty"}, headers=me)
    assert (again.status_code, again.json()["code"]) == (409, "task_inactive")


def test_three_flags_withdraw_a_submission_from_review_and_tell_the_teachers(stack):
    people, allocations, client = _setup(stack, n=10)
    victim = people[4]
    on_victim = [a for a in allocations if a.reviewee_id == victim]
    for a in on_victim[:2]:
        assert (
            client.post(
                f"/v1/tasks/{a.task_token}/flag", json={"reason": "empty"}, headers=stack.auth(a.reviewer_id)
            ).status_code
            == 200
        )
    with stack.session() as s:
        assert s.get(SubmissionRow, f"s-1-{victim}").withdrawn_from_review is False
    assert (
        client.post(
            f"/v1/tasks/{on_victim[2].task_token}/flag",
            json={"reason": "empty"},
            headers=stack.auth(on_victim[2].reviewer_id),
        ).status_code
        == 200
    )
    with stack.session() as s:
        assert s.get(SubmissionRow, f"s-1-{victim}").withdrawn_from_review is True
        still = (
            s.query(AllocationRow).filter(AllocationRow.reviewee_id == victim, AllocationRow.status == "active").count()
        )
        items = s.query(TeacherItemRow).filter(TeacherItemRow.kind == "submission_withdrawn").all()
    assert still == 0
    assert [(i.student_id, i.lab_number) for i in items] == [(victim, 1)]
    queue = client.get("/v1/teacher/queue", headers=stack.auth("ta", "ta")).json()
    assert any(q["kind"] == "submission_withdrawn" and q["student_id"] == victim for q in queue)
    overview = client.get("/v1/teacher/labs/1", headers=stack.auth("ta", "ta")).json()
    assert len([f for f in overview["flags"] if f["submission_id"] == f"s-1-{victim}"]) == 3
    # every reviewer still holds three tasks
    with stack.session() as s:
        for reviewer in {a.reviewer_id for a in on_victim}:
            assert (
                s.query(AllocationRow)
                .filter(AllocationRow.reviewer_id == reviewer, AllocationRow.status == "active")
                .count()
                == 3
            )


def test_an_author_flags_an_inappropriate_review_and_the_teachers_are_told(stack):
    _, allocations, client = _setup(stack)
    a = allocations[0]
    client.post(f"/v1/tasks/{a.task_token}/review/submit", json=FULL, headers=stack.auth(a.reviewer_id))
    review_id = client.get("/v1/me/reviews", headers=stack.auth(a.reviewee_id)).json()[0]["review_id"]
    flagged = client.post(
        f"/v1/reviews/{review_id}/flag",
        json={"reason": "offensive", "comment": "rude"},
        headers=stack.auth(a.reviewee_id),
    )
    assert flagged.status_code == 200
    again = client.post(
        f"/v1/reviews/{review_id}/flag", json={"reason": "offensive"}, headers=stack.auth(a.reviewee_id)
    )
    assert (again.status_code, again.json()["code"]) == (409, "already_flagged")
    queue = client.get(
        "/v1/teacher/queue", params={"kind": "review_flagged"}, headers=stack.auth("t", "teacher")
    ).json()
    assert [(q["review_id"], q["student_id"]) for q in queue] == [(review_id, a.reviewer_id)]
    resolved = client.post(
        f"/v1/teacher/queue/{queue[0]['id']}/resolve",
        json={"resolution": "talked to them"},
        headers=stack.auth("t", "teacher"),
    )
    assert resolved.json()["resolved_by"] == "t"
    assert (
        client.get("/v1/teacher/queue", params={"kind": "review_flagged"}, headers=stack.auth("t", "teacher")).json()
        == []
    )
    assert client.get("/v1/me/reviews", headers=stack.auth(a.reviewee_id)).json()[0]["flagged_by_me"] is True


def test_a_new_rubric_version_leaves_started_reviews_on_theirs(stack):
    _, allocations, client = _setup(stack)
    a, b = allocations[0], next(x for x in allocations if x.reviewer_id != allocations[0].reviewer_id)
    client.put(f"/v1/tasks/{a.task_token}/review", json={"scores": {"overall": 3}}, headers=stack.auth(a.reviewer_id))
    round_id = client.get("/v1/rounds", headers=stack.auth("t", "teacher")).json()[0]["id"]
    rubric = {
        "criteria": [{"key": "correctness", "title": "Correct?", "min_score": 0, "max_score": 2}],
        "questions": [{"key": "comment", "prompt": "Anything else?", "required": False}],
    }
    v2 = client.put(f"/v1/rounds/{round_id}/rubric", json=rubric, headers=stack.auth("t", "teacher"))
    assert v2.status_code == 200 and v2.json()["version"] == 2
    assert client.put(f"/v1/rounds/{round_id}/rubric", json=rubric, headers=stack.auth("ta", "ta")).status_code == 403
    old = client.post(f"/v1/tasks/{a.task_token}/review/submit", json=FULL, headers=stack.auth(a.reviewer_id))
    assert old.status_code == 200 and old.json()["rubric"]["version"] == 1
    new = client.post(
        f"/v1/tasks/{b.task_token}/review/submit",
        json={"scores": {"correctness": 2}},
        headers=stack.auth(b.reviewer_id),
    )
    assert new.status_code == 200 and new.json()["rubric"]["version"] == 2
    lab_round = client.get("/v1/labs/1/round", headers=stack.auth(a.reviewer_id)).json()
    assert lab_round["rubric"]["version"] == 2 and "seed" not in lab_round and "exclusion_groups" not in lab_round
