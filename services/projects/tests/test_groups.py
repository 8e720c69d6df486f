"""Groups: the size rule with exemptions, the roster and eligibility gate, PhD students mixing with
MSc students, one group per student, and the events downstream services build on."""

import pytest
from projects_testkit import PAST

pytestmark = pytest.mark.dialect_sensitive  # deadlines and one group per student (constraints)

FORMED, CHANGED = "group.formed.v1", "group.changed.v1"


def _found(client, stack, who="s210001", name="Team"):
    response = client.post("/v1/groups", json={"name": name}, headers=stack.auth(who))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_group_forms_when_a_second_student_joins(stack):
    stack.enrol("s210001", "s210002", "s210003")
    client = stack.client()
    group = _found(client, stack)
    assert group["state"] == "forming" and [m["person_id"] for m in group["members"]] == ["s210001"]
    assert stack.outbox(FORMED) == []
    joined = client.post(
        "/v1/groups/join", json={"join_code": group["join_code"].lower()}, headers=stack.auth("s210002")
    )
    assert joined.status_code == 200 and joined.json()["state"] == "formed"
    formed = stack.outbox(FORMED)
    assert len(formed) == 1 and formed[0].subject == group["group_id"]
    assert formed[0].data["member_ids"] == ["s210001", "s210002"]
    client.post("/v1/groups/join", json={"join_code": group["join_code"]}, headers=stack.auth("s210003"))
    changed = stack.outbox(CHANGED)
    assert len(changed) == 1 and changed[0].data["member_ids"] == ["s210001", "s210002", "s210003"]
    mine = client.get("/v1/groups/mine", headers=stack.auth("s210003")).json()
    assert mine["group_id"] == group["group_id"] and mine["join_code"] == group["join_code"]


def test_one_group_per_student_and_a_maximum_size(stack):
    stack.enrol(*[f"s21000{i}" for i in range(1, 8)])
    client = stack.client(max_group_size=3)
    group = _found(client, stack)
    twice = client.post("/v1/groups", json={}, headers=stack.auth("s210001"))
    assert twice.status_code == 409 and twice.json()["code"] == "already_in_group"
    for who in ("s210002", "s210003"):
        assert (
            client.post("/v1/groups/join", json={"join_code": group["join_code"]}, headers=stack.auth(who)).status_code
            == 200
        )
    full = client.post("/v1/groups/join", json={"join_code": group["join_code"]}, headers=stack.auth("s210004"))
    assert full.status_code == 409 and full.json()["code"] == "group_full"
    wrong = client.post("/v1/groups/join", json={"join_code": "NOPE1234"}, headers=stack.auth("s210004"))
    assert wrong.status_code == 404 and wrong.json()["code"] == "unknown_join_code"
    other = client.get(f"/v1/groups/{group['group_id']}", headers=stack.auth("s210004"))
    assert other.status_code == 404  # non-members do not see a group (nor its join code)


def test_a_one_student_group_needs_a_teachers_exemption(stack):
    stack.enrol("s210001")
    client = stack.client()
    group = _found(client, stack)
    gid = group["group_id"]
    assert (
        client.put(
            f"/v1/groups/{gid}/exemption",
            json={"exempt": True, "reason": "works abroad"},
            headers=stack.auth("ta1", "ta"),
        ).status_code
        == 403
    )
    asking = client.post("/v1/groups", json={"exempt": True}, headers=stack.auth("s210002"))
    assert asking.status_code == 403
    granted = client.put(
        f"/v1/groups/{gid}/exemption",
        json={"exempt": True, "reason": "works abroad"},
        headers=stack.auth("t1", "teacher"),
    )
    assert granted.status_code == 200 and granted.json()["state"] == "formed" and granted.json()["exempt"]
    assert [e.data["member_ids"] for e in stack.outbox(FORMED)] == [["s210001"]]
    withdrawn = client.put(f"/v1/groups/{gid}/exemption", json={"exempt": False}, headers=stack.auth("t1", "teacher"))
    assert withdrawn.json()["state"] == "forming"
    assert [e.data["member_ids"] for e in stack.outbox(CHANGED)] == [["s210001"]]


def test_staff_create_groups_with_members_and_exemption(stack):
    stack.enrol("s210001", "s210002", "s210003")
    client = stack.client()
    pair = client.post("/v1/groups", json={"member_ids": ["s210001", "s210002"]}, headers=stack.auth("ta1", "ta"))
    assert pair.status_code == 201 and pair.json()["state"] == "formed"
    assert (
        client.post(
            "/v1/groups", json={"member_ids": ["s210003"], "exempt": True}, headers=stack.auth("ta1", "ta")
        ).status_code
        == 403
    )
    solo = client.post(
        "/v1/groups",
        json={"member_ids": ["s210003"], "exempt": True, "exemption_reason": "illness"},
        headers=stack.auth("t1", "teacher"),
    )
    assert solo.status_code == 201 and solo.json()["state"] == "formed"
    listed = client.get("/v1/groups?state=formed", headers=stack.auth("ta1", "ta")).json()
    assert len(listed) == 2 and all(g["join_code"] for g in listed)
    assert client.get("/v1/groups", headers=stack.auth("s210001")).status_code == 403


def test_roster_and_eligibility_gate(stack):
    stack.enrol("s210001", "s210002")
    stack.enrol("s210003", eligibility="not_eligible")
    stack.enrol("s210004", eligibility=None)  # nothing reported yet: undecided
    stack.enrol("s210005", eligibility="undecided")
    client = stack.client()
    group = _found(client, stack)

    def join(who, c=client):
        return c.post("/v1/groups/join", json={"join_code": group["join_code"]}, headers=stack.auth(who))

    assert join("s219999").json()["code"] == "not_on_roster"
    refused = join("s210003")
    assert refused.status_code == 409 and refused.json()["code"] == "not_eligible"
    assert join("s210004").status_code == 200  # undecided is fine while the labs run
    assert stack.set_dates(labs_end=PAST) == "handled"  # the calendar says the labs have ended
    late = client
    after_labs = join("s210005", late)
    assert after_labs.status_code == 409 and after_labs.json()["code"] == "eligibility_undecided"
    stack.set_eligibility("s210005", "eligible")
    assert join("s210005", late).status_code == 200
    ta = client.post("/v1/groups", json={}, headers=stack.auth("s219998"))
    assert ta.json()["code"] == "not_on_roster"


def test_phd_students_mix_with_msc_and_do_not_present(stack):
    stack.enrol("s210001")
    stack.enrol("s210012", programme="phd")
    client = stack.client()
    group = _found(client, stack, who="s210012")
    client.post("/v1/groups/join", json={"join_code": group["join_code"]}, headers=stack.auth("s210001"))
    shown = client.get(f"/v1/groups/{group['group_id']}", headers=stack.auth("s210001")).json()
    assert shown["state"] == "formed"
    assert {m["person_id"]: m["presents_poster"] for m in shown["members"]} == {"s210001": True, "s210012": False}


def test_leaving_and_unenrolling_change_the_group(stack):
    stack.enrol("s210001", "s210002", "s210003")
    client = stack.client()
    group = client.post(
        "/v1/groups", json={"member_ids": ["s210001", "s210002", "s210003"]}, headers=stack.auth("t1", "teacher")
    ).json()
    gid = group["group_id"]
    left = client.post(f"/v1/groups/{gid}/leave", headers=stack.auth("s210003"))
    assert left.status_code == 200 and left.json()["state"] == "formed"
    assert stack.unenrol("s210002") == "handled"
    assert client.get(f"/v1/groups/{gid}", headers=stack.auth("s210001")).json()["state"] == "forming"
    assert [e.data["member_ids"] for e in stack.outbox(CHANGED)] == [["s210001", "s210002"], ["s210001"]]
    person = client.get("/v1/people/s210002", headers=stack.auth("ta1", "ta")).json()
    assert person["enrolled"] is False and person["group_id"] is None
    assert client.get("/v1/people/s210002", headers=stack.auth("s210001")).status_code == 403
    client.post(f"/v1/groups/{gid}/leave", headers=stack.auth("s210001"))
    assert client.get(f"/v1/groups/{gid}", headers=stack.auth("t1", "teacher")).json()["state"] == "dissolved"
    assert len(stack.outbox(CHANGED)) == 2  # a group that was only forming dissolves silently


def test_students_change_groups_only_before_the_selection_deadline(stack):
    stack.enrol("s210001", "s210002")
    open_client = stack.client()
    group = _found(open_client, stack)
    assert stack.set_dates(selection=PAST) == "handled"
    closed = open_client
    late = closed.post("/v1/groups/join", json={"join_code": group["join_code"]}, headers=stack.auth("s210002"))
    assert late.status_code == 409 and late.json()["code"] == "selection_closed"
    staff = closed.put(f"/v1/groups/{group['group_id']}/members/s210002", headers=stack.auth("ta1", "ta"))
    assert staff.status_code == 200 and staff.json()["state"] == "formed"


def test_redelivered_roster_event_is_applied_once(stack):
    from datetime import UTC, datetime

    from peerlab.contracts.events.roster import PersonEnrolledV1

    event = PersonEnrolledV1(person_id="s210001", roles=["student"], programme="msc", enrolled_at=datetime.now(UTC))
    assert stack.feed(event, event_id="e-1") == "handled"
    assert stack.feed(event, event_id="e-1") == "duplicate"
    older = datetime(2021, 9, 1, tzinfo=UTC)
    stack.set_eligibility("s210001", "eligible")
    stack.set_eligibility("s210001", "not_eligible", at=older)  # late, stale delivery
    person = stack.client().get("/v1/people/s210001", headers=stack.auth("s210001")).json()
    assert person["eligibility"] == "eligible"


@pytest.mark.parametrize("require_roster", [True, False])
def test_only_students_found_or_join_a_group_as_members(stack, require_roster):
    """Even without the roster gate, supervisors, examiners, teachers and TAs never become members by
    founding or joining; staff keep making groups of students."""
    stack.enrol("s210001", "s210002", "s210003")
    client = stack.client(require_roster=require_roster)
    code = _found(client, stack)["join_code"]
    for who, role in (("sup1", "supervisor"), ("ex1", "examiner"), ("t1", "teacher"), ("ta1", "ta")):
        headers = stack.auth(who, role)
        founded = client.post("/v1/groups", json={"name": "Mine"}, headers=headers)
        staff = role in ("teacher", "ta")  # staff name the members; an empty list is refused as before
        assert (founded.status_code, founded.json()["code"]) == (
            (422, "no_members") if staff else (403, "students_only")
        ), (role, founded.text)
        itself = client.post("/v1/groups", json={"member_ids": [who]}, headers=headers)
        assert (itself.status_code, itself.json()["code"]) == (403, "students_only"), (role, itself.text)
        joined = client.post("/v1/groups/join", json={"join_code": code}, headers=headers)
        assert (joined.status_code, joined.json()["code"]) == (403, "students_only"), (role, joined.text)
        assert client.get("/v1/groups/mine", headers=headers).status_code == 404
    made = client.post("/v1/groups", json={"member_ids": ["s210002"]}, headers=stack.auth("ta1", "ta"))
    assert made.status_code == 201, made.text
    joined = client.post("/v1/groups/join", json={"join_code": code}, headers=stack.auth("s210003"))
    assert joined.status_code == 200, joined.text
