"""Verdicts that would break a course rule by accident: a pass needs a hand-in (or an explicit,
audited override), the student must be known and enrolled, a withdrawn hand-in passes nothing."""

from datetime import timedelta

from review_testkit import enrolled, hand_in, lab_assignment, now, run_lab, students, withdrawal

from peerlab.contracts.events.roster import PersonUnenrolledV1
from peerlab.review.models import AuditEntryRow, VerdictRow


def _lab(client, stack, student, n):
    labs = client.get(f"/v1/students/{student}/labs", headers=stack.auth("t", "teacher")).json()
    return labs["labs"][n - 1], labs["eligibility"]


def test_passing_a_lab_that_was_not_handed_in_needs_an_explicit_audited_override(stack):
    people = students(7)
    stack.feed(enrolled(people[6]))  # on the roster, never hands in
    run_lab(stack, 1, people[:5], deadline=now() - timedelta(days=1), late=[people[5]])
    client = stack.client()
    teacher = stack.auth("teacher-ole", "teacher")
    url = "/v1/students/{}/labs/1/verdict"

    missing = client.put(url.format(people[6]), json={"verdict": "pass", "comment": "ok"}, headers=teacher)
    assert (missing.status_code, missing.json()["code"]) == (409, "not_handed_in")
    late = client.put(url.format(people[5]), json={"verdict": "pass"}, headers=teacher)
    assert (late.status_code, late.json()["code"]) == (409, "not_handed_in")
    assert "late" in late.json()["detail"]

    def refused(student, body):
        r = client.put(url.format(student), json=body, headers=teacher)
        return r.status_code, r.json()["code"]

    assert refused(people[6], {"verdict": "pass", "without_hand_in": True}) == (422, "override_reason_required")
    assert refused(people[6], {"verdict": "pass", "without_hand_in": True, "override_reason": "  "}) == (
        422,
        "override_reason_required",
    )
    assert refused(people[6], {"verdict": "fail", "without_hand_in": True, "override_reason": "x"}) == (
        422,
        "override_only_for_pass",
    )
    assert refused(people[0], {"verdict": "pass", "without_hand_in": True, "override_reason": "x"}) == (
        409,
        "handed_in",
    )
    assert refused(people[6], {"verdict": "pass", "override_reason": "x"}) == (422, "unexpected_override_reason")
    assert stack.count(VerdictRow) == 0 and stack.count(AuditEntryRow) == 0
    assert stack.outbox("lab.verdict_set.v1") == []

    reason = "Hospitalised in week 1 (certificate on file); the exercise was shown in class."
    ok = client.put(
        url.format(people[6]),
        json={"verdict": "pass", "comment": "see audit", "without_hand_in": True, "override_reason": reason},
        headers=teacher,
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["verdict"], ok.json()["origin"], ok.json()["reason"]) == ("pass", "teacher", "without_hand_in")
    lab, elig = _lab(client, stack, people[6], 1)
    assert (lab["status"], lab["passed_without_hand_in"], lab["handed_in_at"]) == ("passed", True, None)
    assert elig["labs_passed"] == 1  # the teacher's judgement counts: "a lab is passed when the teacher judges it"
    own = client.get("/v1/me/labs", headers=stack.auth(people[6])).json()["labs"][0]
    assert own["passed_without_hand_in"] is True
    normal, _ = _lab(client, stack, people[0], 1)
    assert normal["passed_without_hand_in"] is False

    entries = client.get("/v1/audit", params={"student_ids": people[6]}, headers=stack.auth("ta-1", "ta")).json()
    assert [(e["action"], e["actor"], e["student_id"], e["lab_number"], e["reason"]) for e in entries] == [
        ("pass_without_hand_in", "teacher-ole", people[6], 1, reason)
    ]
    assert entries[0]["created_at"]
    assert client.get("/v1/audit", params={"student_ids": people[0]}, headers=teacher).json() == []
    assert len(client.get("/v1/audit", headers=teacher).json()) == 1
    assert client.get("/v1/audit", headers=stack.auth(people[6])).status_code == 403
    overview = client.get(f"/v1/teacher/students/{people[6]}", headers=teacher).json()
    assert [e["reason"] for e in overview["audit"]] == [reason]
    event = stack.outbox("lab.verdict_set.v1")[-1].data
    assert (event["student_id"], event["verdict"], event["reason"]) == (people[6], "pass", "without_hand_in")

    # failing needs no hand-in (nothing to pass is already not passed), nor an override
    assert client.put(url.format(people[5]), json={"verdict": "fail"}, headers=teacher).status_code == 200


def test_a_withdrawn_hand_in_cannot_be_passed_and_a_pass_it_had_stops_counting(stack):
    people = students(3)
    deadline = now() + timedelta(days=3)  # still open: students may withdraw
    stack.feed(lab_assignment(1, deadline=deadline))
    for p in people:
        stack.feed(hand_in(p, 1, at=now() - timedelta(hours=1)))
    client = stack.client()
    teacher = stack.auth("t", "teacher")
    url = "/v1/students/{}/labs/1/verdict"

    stack.feed(withdrawal(people[0], 1, at=now()))
    refused = client.put(url.format(people[0]), json={"verdict": "pass"}, headers=teacher)
    assert (refused.status_code, refused.json()["code"]) == (409, "not_handed_in")

    assert client.put(url.format(people[1]), json={"verdict": "pass"}, headers=teacher).status_code == 200
    lab, elig = _lab(client, stack, people[1], 1)
    assert (lab["status"], elig["labs_passed"]) == ("passed", 1)
    stack.feed(withdrawal(people[1], 1, at=now()))  # the hand-in the pass judged is gone
    lab, elig = _lab(client, stack, people[1], 1)
    assert (lab["status"], lab["handed_in_at"], lab["passed_without_hand_in"]) == ("not_handed_in", None, False)
    assert elig["labs_passed"] == 0


def test_verdicts_for_unknown_or_unenrolled_students_are_refused(stack):
    people = students(5)
    run_lab(stack, 1, people, deadline=now() - timedelta(days=1))
    client = stack.client()
    teacher = stack.auth("t", "teacher")
    typo = client.put("/v1/students/s21O001/labs/1/verdict", json={"verdict": "fail"}, headers=teacher)
    assert (typo.status_code, typo.json()["code"]) == (404, "unknown_student")
    stack.feed(PersonUnenrolledV1(person_id=people[2], unenrolled_at=now()))
    gone = client.put(f"/v1/students/{people[2]}/labs/1/verdict", json={"verdict": "pass"}, headers=teacher)
    assert (gone.status_code, gone.json()["code"]) == (409, "student_not_enrolled")
    assert stack.count(VerdictRow) == 0
    assert (
        client.put(f"/v1/students/{people[3]}/labs/1/verdict", json={"verdict": "pass"}, headers=teacher).status_code
        == 200
    )
