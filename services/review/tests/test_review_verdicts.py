"""Verdicts, the window-end rule (no news is a pass), resubmissions, lab status and eligibility."""

import threading
import time
from datetime import timedelta

from review_testkit import closed, enrolled, hand_in, lab_assignment, make_stack, now, run_lab, students

from peerlab.chassis.worker import start_worker_threads
from peerlab.review.models import AllocationRow, RoundRow, TeacherItemRow, VerdictRow
from peerlab.review.service import window
from peerlab.review.worker import window_job

FULL = {"scores": {"overall": 4}, "answers": {"strengths": "ok", "improvements": "ok"}}


def _close_windows(stack, at=None):
    with stack.session() as s:
        n = window.close_ended_windows(s, settings=stack.settings, course_id="c", now=at or now())
        s.commit()
    return n


def _statuses(client, stack, student):
    labs = client.get(f"/v1/students/{student}/labs", headers=stack.auth("t", "teacher")).json()["labs"]
    return {lab["lab_number"]: lab["status"] for lab in labs}


def test_a_verdict_by_a_student_is_403_and_by_a_ta_only_when_allowed(stack):
    run_lab(stack, 1, students(5), deadline=now() - timedelta(minutes=1))
    url = "/v1/students/s210000/labs/1/verdict"
    body = {"verdict": "fail", "comment": "no"}
    client = stack.client()
    student = client.put(url, json=body, headers=stack.auth("s210001"))
    assert (student.status_code, student.json()["code"]) == (403, "forbidden")
    assert client.put(url, json=body, headers=stack.auth("s210000")).status_code == 403  # not even on oneself
    assert client.put(url, json=body, headers=stack.auth("ta-1", "ta")).status_code == 403
    assert stack.count(VerdictRow) == 0
    lenient = stack.client(tas_may_set_verdicts=True)
    assert lenient.put(url, json=body, headers=stack.auth("ta-1", "ta")).status_code == 200
    ok = client.put(url, json={"verdict": "pass", "comment": "fine"}, headers=stack.auth("teacher-ole", "teacher"))
    assert ok.status_code == 200 and ok.json()["origin"] == "teacher" and ok.json()["set_by"] == "teacher-ole"
    assert (
        client.put("/v1/students/s210000/labs/9/verdict", json=body, headers=stack.auth("t", "teacher")).status_code
        == 422
    )
    events = stack.outbox("lab.verdict_set.v1")
    assert [(e.data["verdict"], e.data["set_by"], e.subject) for e in events] == [
        ("fail", "ta-1", "s210000"),
        ("pass", "teacher-ole", "s210000"),
    ]


def test_no_news_is_a_pass_when_the_window_ends(stack):
    deadline = now() - timedelta(days=7, hours=1)
    people = students(8)
    run_lab(stack, 1, people[:6], deadline=deadline, late=[people[6]])  # people[7] never hands in
    client = stack.client()
    teacher = stack.auth("t", "teacher")
    assert (
        client.put(
            f"/v1/students/{people[0]}/labs/1/verdict", json={"verdict": "fail", "comment": "empty"}, headers=teacher
        ).status_code
        == 200
    )
    assert _statuses(client, stack, people[1])[1] == "pending"

    judged = _close_windows(stack)
    assert judged == 5
    with stack.session() as s:
        verdicts = {(v.student_id, v.origin, v.verdict, v.reason) for v in s.query(VerdictRow)}
        assert s.query(RoundRow).one().window_closed_at is not None
    assert verdicts == {(people[0], "teacher", "fail", None)} | {
        (p, "default_pass", "pass", "no_news_is_a_pass") for p in people[1:6]
    }
    assert _statuses(client, stack, people[0])[1] == "failed"
    assert _statuses(client, stack, people[1])[1] == "passed"
    assert _statuses(client, stack, people[6])[1] == "not_handed_in"
    assert _statuses(client, stack, people[7])[1] == "not_handed_in"
    assert _close_windows(stack) == 0  # once per round
    assert len(stack.outbox("lab.verdict_set.v1")) == 6
    # a teacher may still fail a default pass afterwards: the latest verdict wins
    client.put(
        f"/v1/students/{people[1]}/labs/1/verdict", json={"verdict": "fail", "comment": "copied"}, headers=teacher
    )
    assert _statuses(client, stack, people[1])[1] == "failed"


def test_a_round_requiring_peer_grading_fails_those_who_did_not_review(stack):
    deadline = now() - timedelta(hours=1)
    people = students(6)
    stack.feed(lab_assignment(1, deadline=deadline))
    client = stack.client()
    client.post(
        "/v1/rounds",
        json={"assignment_id": "a-lab-1", "peer_grading_required": True},
        headers=stack.auth("t", "teacher"),
    )
    for p in people:
        stack.feed(hand_in(p, 1, at=deadline - timedelta(hours=1)))
    stack.feed(closed(1, people, deadline=deadline))
    diligent = people[0]
    with stack.session() as s:
        mine = s.query(AllocationRow).filter(AllocationRow.reviewer_id == diligent).all()
    for a in mine:
        assert (
            client.post(f"/v1/tasks/{a.task_token}/review/submit", json=FULL, headers=stack.auth(diligent)).status_code
            == 200
        )
    _close_windows(stack, at=deadline + timedelta(days=7, minutes=1))
    with stack.session() as s:
        outcome = {v.student_id: (v.verdict, v.reason) for v in s.query(VerdictRow)}
    assert outcome[diligent] == ("pass", "no_news_is_a_pass")
    assert {outcome[p] for p in people[1:]} == {("fail", "peer_grading_missing")}


def test_a_resubmission_verdict_overrides_the_fail(stack):
    deadline = now() - timedelta(days=8)
    people = students(5)
    run_lab(stack, 1, people, deadline=deadline)
    client = stack.client()
    teacher = stack.auth("t", "teacher")
    client.put(f"/v1/students/{people[0]}/labs/1/verdict", json={"verdict": "fail", "comment": "redo"}, headers=teacher)
    assert _statuses(client, stack, people[0])[1] == "failed"
    stack.feed(hand_in(people[0], 1, at=now(), kind="resubmission"))
    assert _statuses(client, stack, people[0])[1] == "resubmitted"
    resp = client.put(
        f"/v1/students/{people[0]}/labs/1/verdict", json={"verdict": "pass", "comment": "good now"}, headers=teacher
    )
    assert resp.json()["origin"] == "resubmission"
    assert _statuses(client, stack, people[0])[1] == "passed"
    with stack.session() as s:
        item = s.query(TeacherItemRow).filter(TeacherItemRow.kind == "resubmission").one()
    assert item.resolved_by == "t"
    _close_windows(stack)  # the window-end rule leaves judged labs alone
    assert _statuses(client, stack, people[0])[1] == "passed"
    history = client.get(f"/v1/students/{people[0]}/verdicts", headers=teacher).json()
    assert [(h["verdict"], h["origin"]) for h in history] == [("fail", "teacher"), ("pass", "resubmission")]


def test_eligibility_is_published_only_when_it_changes(fresh_database_url):
    with make_stack(fresh_database_url("elig"), total_labs=3, eligibility_threshold=2) as stack:
        base = now() - timedelta(days=30)
        a, b, c, d, e = "stud-a", "stud-b", "stud-c", "stud-d", "stud-e"
        for person in (a, b, c, d, e):
            stack.feed(enrolled(person))  # b is known from the roster only
        run_lab(stack, 1, [a, c, d, e], deadline=base)  # b misses lab 1
        assert stack.outbox("eligibility.changed.v1") == []  # everyone is still undecided
        run_lab(stack, 2, [a, c, d, e], deadline=base + timedelta(days=7))  # b misses lab 2: 0 + 1 open < 2
        changed = stack.outbox("eligibility.changed.v1")
        assert [(x.data["student_id"], x.data["status"]) for x in changed] == [(b, "not_eligible")]
        _close_windows(stack, at=base + timedelta(days=15))  # labs 1 and 2 pass by default
        changed = stack.outbox("eligibility.changed.v1")
        assert sorted((x.data["student_id"], x.data["status"]) for x in changed[1:]) == [
            (a, "eligible"),
            (c, "eligible"),
            (d, "eligible"),
            (e, "eligible"),
        ]
        client = stack.client()
        teacher = stack.auth("t", "teacher")
        client.put(f"/v1/students/{a}/labs/1/verdict", json={"verdict": "fail"}, headers=teacher)  # 1 + 1 open
        client.put(f"/v1/students/{a}/labs/3/verdict", json={"verdict": "fail"}, headers=teacher)  # 1 + 0 open
        client.put(f"/v1/students/{c}/labs/1/verdict", json={"verdict": "pass"}, headers=teacher)  # no change
        tail = [
            (x.data["student_id"], x.data["status"], x.data["labs_passed"], x.data["labs_open"])
            for x in stack.outbox("eligibility.changed.v1")[5:]
        ]
        assert tail == [(a, "undecided", 1, 1), (a, "not_eligible", 1, 0)]
        mine = client.get("/v1/me/eligibility", headers=stack.auth(d)).json()
        assert (mine["status"], mine["labs_passed"], mine["labs_open"], mine["threshold"]) == ("eligible", 2, 1, 2)
        batch = client.get("/v1/eligibility", params={"student_ids": f"{b},{d}"}, headers=stack.auth("ta", "ta")).json()
        assert [(x["student_id"], x["status"]) for x in batch] == [(b, "not_eligible"), (d, "eligible")]
        assert client.get("/v1/eligibility", params={"student_ids": b}, headers=stack.auth(d)).status_code == 403


def test_the_worker_runs_the_window_end_rule_periodically(stack):
    run_lab(stack, 1, students(5), deadline=now() - timedelta(days=7, minutes=5))
    settings = stack.settings.model_copy(update={"window_job_interval_s": 0.1})
    stop = threading.Event()
    threads = start_worker_threads(
        settings=settings, engine=stack.engine, stop=stop, periodic=[window_job(settings)], run_relay=False
    )
    try:
        deadline = time.monotonic() + 20
        while stack.count(VerdictRow) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert stack.count(VerdictRow) == 5
