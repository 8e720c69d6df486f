"""Service-level version of the course end to end: 40 students hand in 8 labs (some late, some
missing, one withdrawn), reviews, flags and verdicts flow, and eligibility comes out as the rules
say (6 of 8 labs passed; lab 5's round requires peer grading). Events are fed straight into the
consumer; time is moved by handing the window-end rule a later clock."""

from datetime import timedelta

import pytest

from review_testkit import (
    closed,
    enrolled,
    hand_in,
    lab_assignment,
    now,
    students,
    withdrawal,
)

from peerlab.review.models import AllocationRow, SubmissionRow
from peerlab.review.service import window

FULL = {"scores": {"overall": 4}, "answers": {"strengths": "Good.", "improvements": "Explain the loss curve."}}


def _profiles(people):
    s = people
    missing = {n: set() for n in range(1, 9)}
    late = {n: set() for n in range(1, 9)}
    for p in s[25:30]:
        missing[7].add(p)
        missing[8].add(p)
    for p in s[30:33]:
        for n in (6, 7, 8):
            missing[n].add(p)
    for p in s[33:35]:
        for n in (1, 2, 3):
            late[n].add(p)
    for n in range(1, 9):
        missing[n].add(s[37])  # never hands in anything
    missing[7].add(s[39])
    missing[8].add(s[39])
    return missing, late


@pytest.mark.slow
def test_forty_students_eight_labs_reviews_verdicts_and_eligibility(stack):
    people = students(40)
    s = people
    client = stack.client()
    teacher = stack.auth("teacher-ole", "teacher")
    missing, late = _profiles(people)
    base = now() + timedelta(days=1)
    deadlines = {n: base + timedelta(days=7 * (n - 1)) for n in range(1, 9)}
    for p in people:
        assert stack.feed(enrolled(p)) == "handled"

    for n in range(1, 9):
        deadline = deadlines[n]
        stack.feed(lab_assignment(n, deadline=deadline))
        if n == 5:
            resp = client.post(
                "/v1/rounds", json={"assignment_id": "a-lab-5", "peer_grading_required": True}, headers=teacher
            )
            assert resp.status_code == 200 and resp.json()["peer_grading_required"] is True
        handers = [p for p in people if p not in missing[n] and p not in late[n]]
        for p in handers:
            stack.feed(hand_in(p, n, at=deadline - timedelta(hours=2)))
        if n == 6:  # s30 hands in lab 6, then withdraws it before the deadline
            stack.feed(hand_in(s[30], 6, at=deadline - timedelta(hours=5)))
            stack.feed(withdrawal(s[30], 6, at=deadline - timedelta(hours=4)))
        stack.feed(closed(n, handers, deadline=deadline))
        for p in late[n]:  # after the close, marked late by the submissions service
            stack.feed(hand_in(p, n, at=deadline + timedelta(hours=3), on_time=False))

        with stack.session() as session:
            tasks = session.query(AllocationRow).filter(AllocationRow.status == "active").all()
        lab_tasks = [a for a in tasks if a.submission_id.startswith(f"s-{n}-")]
        assert len(lab_tasks) == 3 * len(handers), n
        assert {a.reviewer_id for a in lab_tasks} == set(handers)

        if n == 4:  # s38's and s39's hand-ins are empty: each of their reviewers flags them
            for a in [a for a in lab_tasks if a.reviewee_id in (s[38], s[39])]:
                r = client.post(
                    f"/v1/tasks/{a.task_token}/flag", json={"reason": "empty"}, headers=stack.auth(a.reviewer_id)
                )
                assert r.status_code == 200, r.text
        if n in (1, 4, 5):
            lazy = {s[0], s[1], s[2], s[25]} if n == 5 else set()
            for p in handers:
                if p in lazy:
                    continue
                for t in client.get("/v1/me/tasks", headers=stack.auth(p)).json():
                    if t["lab_number"] == n and t["state"] == "todo":
                        r = client.post(f"/v1/tasks/{t['task_token']}/review/submit", json=FULL, headers=stack.auth(p))
                        assert r.status_code == 200, r.text

    # authors see their three reviews of lab 1, and nobody's name
    received = client.get("/v1/me/reviews", headers=stack.auth(s[7])).json()
    assert len([r for r in received if r["lab_number"] == 1]) == 3
    with stack.session() as session:
        assert session.get(SubmissionRow, f"s-4-{s[38]}").withdrawn_from_review is True
    # s37 is already out of the running after lab 3 (0 passed, 5 open)
    early = [e for e in stack.outbox("eligibility.changed.v1") if e.data["student_id"] == s[37]]
    assert early and early[0].data["status"] == "not_eligible"

    # teachers judge: s35 and s36 fail labs 1-3
    for p in (s[35], s[36]):
        for n in (1, 2, 3):
            r = client.put(
                f"/v1/students/{p}/labs/{n}/verdict", json={"verdict": "fail", "comment": "incomplete"}, headers=teacher
            )
            assert r.status_code == 200
    # both resubmit one lab to the teacher (never to peers)
    stack.feed(hand_in(s[35], 1, at=now(), kind="resubmission"))
    stack.feed(hand_in(s[36], 2, at=now(), kind="resubmission"))
    assert client.get(f"/v1/students/{s[35]}/labs", headers=teacher).json()["labs"][0]["status"] == "resubmitted"

    # every review window ends: no news is a pass (lab 5: only for those who reviewed)
    with stack.session() as session:
        judged = window.close_ended_windows(
            session, settings=stack.settings, course_id="c", now=deadlines[8] + timedelta(days=8)
        )
        session.commit()
    assert judged > 0
    assert (
        client.put(
            f"/v1/students/{s[35]}/labs/1/verdict", json={"verdict": "pass", "comment": "good"}, headers=teacher
        ).json()["origin"]
        == "resubmission"
    )
    assert (
        client.put(
            f"/v1/students/{s[36]}/labs/2/verdict", json={"verdict": "fail", "comment": "still not"}, headers=teacher
        ).json()["origin"]
        == "resubmission"
    )

    def withdrawn_items(student):
        items = client.get("/v1/teacher/queue", headers=teacher).json()
        return [i for i in items if i["kind"] == "submission_withdrawn" and i["student_id"] == student]

    assert [i["resolved_at"] for i in withdrawn_items(s[38])] == [None]
    client.put(
        f"/v1/students/{s[38]}/labs/4/verdict", json={"verdict": "pass", "comment": "ok on inspection"}, headers=teacher
    )
    assert withdrawn_items(s[38]) == []  # the verdict it waited for closed the item

    expected = {p: "eligible" for p in people}
    for p in (s[25], s[30], s[31], s[32], s[33], s[34], s[36], s[37]):
        expected[p] = "not_eligible"
    expected[s[39]] = "undecided"  # 5 passed, lab 4 waits for a teacher, labs 7-8 missing
    batch = client.get("/v1/eligibility", params={"student_ids": ",".join(people)}, headers=teacher).json()
    assert {e["student_id"]: e["status"] for e in batch} == expected
    passed = {e["student_id"]: e["labs_passed"] for e in batch}
    assert [passed[p] for p in (s[0], s[3], s[25], s[26], s[30], s[33], s[35], s[36], s[37], s[38], s[39])] == [
        7,
        8,
        5,
        6,
        5,
        5,
        6,
        5,
        0,
        8,
        5,
    ]

    labs = client.get("/v1/lab-status", params={"student_ids": f"{s[0]},{s[33]},{s[39]}"}, headers=teacher).json()
    assert labs[s[0]][4]["status"] == "failed" and labs[s[0]][4]["verdict_origin"] == "default_pass"
    assert labs[s[33]][0]["status"] == "not_handed_in" and labs[s[33]][0]["late"] is True
    assert labs[s[39]][3]["status"] == "pending"
    # the last published eligibility of every student agrees with the read model
    last = {}
    for e in stack.outbox("eligibility.changed.v1"):
        last[e.data["student_id"]] = e.data["status"]
    assert {p: last.get(p, "undecided") for p in people} == expected

    # the teacher decides s39's lab 4: now 6 passed and eligible
    client.put(f"/v1/students/{s[39]}/labs/4/verdict", json={"verdict": "pass"}, headers=teacher)
    newest = stack.outbox("eligibility.changed.v1")[-1].data
    assert (newest["student_id"], newest["status"], newest["labs_passed"]) == (s[39], "eligible", 6)

    overview = client.get("/v1/teacher/labs/4", headers=teacher).json()
    assert overview["handed_in"] == 39 and overview["reviews_missing"] == 0
    assert len(overview["flags"]) == 6 and overview["statuses"]["passed"] == 39
    assert overview["statuses"]["not_handed_in"] == 1
    student = client.get(f"/v1/teacher/students/{s[35]}", headers=teacher).json()
    assert [lab["status"] for lab in student["labs"]] == ["passed", "failed", "failed"] + ["passed"] * 5
