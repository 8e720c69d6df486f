"""Rules staff could break by accident, or must be able to bend on purpose: staff put a student
past the eligibility gate only with an explicit override and a reason, which is audited; students
never; the roster rule and the maximum group size hold for staff too."""

from projects_testkit import PAST
from sqlalchemy import func, select
from sqlmodel import Session

from peerlab.projects.models import AuditEntryRow, GroupRow, MembershipRow

FORMED = "group.formed.v1"


def _count(stack, model) -> int:
    with Session(stack.engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_staff_override_the_eligibility_gate_with_an_audited_reason(stack):
    stack.enrol("s210001", eligibility="not_eligible")
    stack.enrol("s210002", "s210004")
    stack.enrol("s210003", eligibility="undecided")
    client = stack.client()
    ta = stack.auth("ta1", "ta")
    members = {"member_ids": ["s210001", "s210002"], "name": "Pair"}

    blocked = client.post("/v1/groups", json=members, headers=ta)
    assert (blocked.status_code, blocked.json()["code"]) == (409, "not_eligible")
    no_reason = client.post("/v1/groups", json={**members, "override_eligibility": True}, headers=ta)
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "override_reason_required")
    stray = client.post("/v1/groups", json={**members, "override_reason": "why not"}, headers=ta)
    assert (stray.status_code, stray.json()["code"]) == (422, "unexpected_override_reason")
    assert _count(stack, GroupRow) == 0 and _count(stack, AuditEntryRow) == 0

    reason = "Lab 6 verdict is being corrected in review; the teacher confirmed 6 passed labs."
    made = client.post(
        "/v1/groups", json={**members, "override_eligibility": True, "override_reason": reason}, headers=ta
    )
    assert made.status_code == 201, made.text
    group = made.json()
    assert group["state"] == "formed" and len(stack.outbox(FORMED)) == 1
    log = client.get("/v1/audit", headers=stack.auth("t1", "teacher")).json()
    assert [(e["action"], e["actor"], e["person_id"], e["group_id"], e["rule"], e["reason"]) for e in log] == [
        ("eligibility_override", "ta1", "s210001", group["group_id"], "not_eligible", reason)
    ]  # not s210002
    assert log[0]["created_at"]

    # after the labs end an undecided student needs the override too, also when added to a group
    stack.set_dates(labs_end=PAST)
    late = client
    url = f"/v1/groups/{group['group_id']}/members/s210003"
    refused = late.put(url, headers=ta)
    assert (refused.status_code, refused.json()["code"]) == (409, "eligibility_undecided")
    added = late.put(url, json={"override_eligibility": True, "override_reason": "Lab 8 verdict pending"}, headers=ta)
    assert added.status_code == 200 and "s210003" in [m["person_id"] for m in added.json()["members"]]
    mine = client.get("/v1/audit", params={"person_id": "s210003"}, headers=ta).json()
    assert [(e["rule"], e["reason"]) for e in mine] == [("eligibility_undecided", "Lab 8 verdict pending")]

    # the roster rule is not the eligibility gate: no override for someone not enrolled
    outsider = client.put(
        f"/v1/groups/{group['group_id']}/members/s219999",
        json={"override_eligibility": True, "override_reason": "x"},
        headers=ta,
    )
    assert (outsider.status_code, outsider.json()["code"]) == (409, "not_on_roster")
    assert _count(stack, AuditEntryRow) == 2


def test_students_may_not_override_the_gate(stack):
    stack.enrol("s210001", eligibility="not_eligible")
    client = stack.client()
    student = stack.auth("s210001")
    asked = client.post("/v1/groups", json={"override_eligibility": True, "override_reason": "please"}, headers=student)
    assert asked.status_code == 403
    plain = client.post("/v1/groups", json={}, headers=student)
    assert (plain.status_code, plain.json()["code"]) == (409, "not_eligible")
    assert client.get("/v1/audit", headers=student).status_code == 403
    assert _count(stack, GroupRow) == 0 and _count(stack, AuditEntryRow) == 0


def test_staff_cannot_build_a_group_over_the_maximum_size(stack):
    people = [f"s21000{i}" for i in range(1, 6)]
    stack.enrol(*people)
    client = stack.client(max_group_size=3)
    teacher = stack.auth("t1", "teacher")
    big = client.post("/v1/groups", json={"member_ids": people[:4]}, headers=teacher)
    assert (big.status_code, big.json()["code"]) == (409, "group_full")
    assert "4 were named" in big.json()["detail"]
    assert _count(stack, GroupRow) == 0 and _count(stack, MembershipRow) == 0 and stack.outbox() == []
    group = client.post("/v1/groups", json={"member_ids": people[:3]}, headers=teacher).json()
    over = client.put(f"/v1/groups/{group['group_id']}/members/{people[3]}", headers=teacher)
    assert (over.status_code, over.json()["code"]) == (409, "group_full")
    assert _count(stack, MembershipRow) == 3
