"""The project phase through GraphQL, over the real four services (uvicorn subprocesses, the real
broker, PostgreSQL): a staff list of 150 groups with members, choices, project and booking costs a
constant number of backend calls; a student's own group, project and booking; typed error codes;
and what a student, a supervisor and an examiner can never see of others.

Set-up goes through the services' own REST APIs as staff (the front ends use GraphQL only)."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from peerlab.chassis.auth import mint_dev_token
from peerlab.gateway.main import create_app

GROUPS = 150
BOOKED = 12
COURSE_ID = "02456-2021"
EXAM_DAY = "poster-gw"
FUTURE_DAY = date.today() + timedelta(days=40)  # the booking rules compare with the real clock

STAFF_GROUPS = """query Groups($first: Int!) { course { groups(first: $first) { totalCount nodes {
  id name state joinCode
  members { personId presentsPoster person { id name } }
  selection { choices { rank project { id title } } }
  project { id title supervisors { name } }
  booking { slotId startsAt }
} } } }"""

MY_GROUP = """{ me { labs { labNumber } eligibility { status }
  group { id joinCode members { personId person { name } }
          selection { choices { rank project { title } } } project { title } booking { slotId startsAt } }
  project { id title } grade { grade } } }"""


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


class Phase:
    """The course in its project phase: 150 groups of two, choices, an allocation, bookings."""

    def __init__(self, client: TestClient, secret: str, urls: dict[str, str], tag: str) -> None:
        self.client, self.secret, self.urls, self.tag = client, secret, urls, tag
        self.students = [f"{tag}s{i:03d}" for i in range(2 * GROUPS)]
        self.groups: list[dict] = []
        self.supervisor, self.examiner = f"{tag}-sup", f"{tag}-exa"
        self.assigned: dict[str, str] = {}

    @property
    def supervised_project(self) -> str:
        """The project the supervisor is linked to: that of the first group given one."""
        return next(self.assigned[g["group_id"]] for g in self.groups if g["group_id"] in self.assigned)

    def headers(self, sub: str, *roles: str) -> dict[str, str]:
        token = mint_dev_token(sub=sub, roles=roles or ("student",), secret=self.secret)
        return {"authorization": f"Bearer {token}"}

    def rest(
        self,
        method: str,
        service: str,
        path: str,
        body: dict | None = None,
        *,
        who: str = "t-ole",
        role: str = "teacher",
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> httpx.Response:
        response = httpx.request(
            method, self.urls[service] + path, json=body, headers=self.headers(who, role), timeout=60
        )
        assert response.status_code in ok, (method, path, response.status_code, response.text)
        return response

    def gql(self, sub: str, query: str, variables: dict | None = None, *roles: str) -> dict:
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers(sub, *roles)
        )
        assert response.status_code == 200, response.text
        return response.json()

    def calls_for(self, query: str, variables: dict, sub: str = "t-ole", *roles: str) -> tuple[dict, dict]:
        counter = self.client.app.state.backend_calls
        counter.reset()
        body = self.gql(sub, query, variables, *(roles or ("teacher",)))
        assert "errors" not in body, body["errors"][:2]
        return body["data"], counter.snapshot()


@pytest.fixture(scope="module")
def phase(services_stack, tmp_path_factory):
    settings = services_stack.gateway_settings(
        tmp_path_factory.mktemp("gw-course"), subscriptions_enabled=False, relay_in_process=True
    )
    tag = f"c{uuid.uuid4().hex[:5]}"
    with TestClient(create_app(settings)) as client:
        phase = Phase(client, settings.jwt_secret, services_stack.urls, tag)
        roster = [f"{s},Student {s},{s}@student.dtu.dk,student,msc" for s in phase.students]
        roster += [
            f"{phase.supervisor},Sue Pervisor,{phase.supervisor}@dtu.dk,supervisor,",
            f"{phase.examiner},Ex Aminer,{phase.examiner}@dtu.dk,examiner,",
        ]
        imported = client.post(
            "/v1/roster/import",
            content="id,name,email,roles,programme\n" + "\n".join(roster),
            headers={**phase.headers("t-admin", "admin"), "content-type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        phase.rest("POST", "projects", "/v1/catalogues/2021/import-bundled")

        def make_group(i: int) -> dict:
            members = phase.students[2 * i : 2 * i + 2]
            group = phase.rest(
                "POST", "projects", "/v1/groups", {"name": f"{tag} group {i}", "member_ids": members}
            ).json()
            choices = [{"project_id": f"p-2021-{2 + (i + k) % 20:02d}"} for k in range(3)]
            phase.rest("PUT", "projects", f"/v1/groups/{group['group_id']}/selection", {"choices": choices})
            return group

        with ThreadPoolExecutor(max_workers=4) as pool:
            phase.groups = list(pool.map(make_group, range(GROUPS)))
        allocated = phase.rest("POST", "projects", "/v1/allocations", {"dry_run": False}).json()
        assert allocated["assigned"], allocated
        phase.assigned = {a["group_id"]: a["project_id"] for a in allocated["assigned"]}
        course = f"/v1/courses/{COURSE_ID}"
        phase.rest(
            "PUT",
            "scheduling",
            f"{course}/exam-days/{EXAM_DAY}",
            {
                "kind": "poster",
                "title": "Poster session",
                "day": FUTURE_DAY.isoformat(),
                "start": "09:00",
                "end": "17:00",
                "time_zone": "Europe/Copenhagen",
                "location": "SkyLab",
                "slot_minutes": 30,
                "slot_capacity": 2,
            },
        )
        slots = phase.rest("GET", "scheduling", f"{course}/exam-days/{EXAM_DAY}/slots").json()
        known = lambda: len(phase.rest("GET", "scheduling", f"{course}/groups").json()) >= GROUPS  # noqa: E731
        _wait_for(known, 120, "scheduling to learn the groups (group.formed.v1)")
        for i, group in enumerate(phase.groups[:BOOKED]):
            phase.rest(
                "PUT",
                "scheduling",
                f"{course}/groups/{group['group_id']}/booking",
                {"slot_id": slots[i // 2]["slot_id"]},
            )
        yield phase


def test_150_groups_with_members_choices_project_and_booking_cost_a_constant_number_of_calls(phase) -> None:
    small, small_calls = phase.calls_for(STAFF_GROUPS, {"first": 3})
    large, large_calls = phase.calls_for(STAFF_GROUPS, {"first": 500})

    ours = {g["group_id"] for g in phase.groups}
    nodes = [n for n in large["course"]["groups"]["nodes"] if n["id"] in ours]
    assert len(nodes) == GROUPS
    assert all(
        len(n["members"]) == 2 and all(m["person"]["name"].startswith("Student ") for m in n["members"]) for n in nodes
    ), nodes[0]
    assert all(
        len(n["selection"]["choices"]) == 3 and n["selection"]["choices"][0]["project"]["title"] for n in nodes
    ), nodes[0]
    assert sum(n["project"] is not None for n in nodes) >= GROUPS // 2
    booked = {n["id"]: n["booking"] for n in nodes if n["booking"]}
    assert set(booked) == {g["group_id"] for g in phase.groups[:BOOKED]}
    # One call per service and list, whatever the number of groups.
    assert small_calls == large_calls, (small_calls, large_calls)
    assert large_calls == {
        ("projects", "GET", "/v1/groups"): 1,
        ("projects", "GET", "/v1/selections"): 1,
        ("projects", "GET", "/v1/assignments"): 1,
        ("projects", "GET", "/v1/catalogues/{year}/projects"): 1,
        ("scheduling", "GET", "/v1/courses/{course_id}/bookings"): 1,
    }


def test_a_student_sees_their_group_project_and_booking(phase) -> None:
    group = phase.groups[0]
    student, partner = (m["person_id"] for m in group["members"])
    data, calls = phase.calls_for(MY_GROUP, {}, student, "student")
    me = data["me"]
    assert calls[("projects", "GET", "/v1/groups/mine")] == 1, calls  # me.group and me.project share it
    assert me["group"]["id"] == group["group_id"] and me["group"]["joinCode"]
    assert {m["personId"] for m in me["group"]["members"]} == {student, partner}
    assert me["group"]["members"][0]["person"]["name"].startswith("Student ")
    assert [c["rank"] for c in me["group"]["selection"]["choices"]] == [1, 2, 3]
    assert me["group"]["booking"]["slotId"]
    assert me["grade"] is None  # not released (and not given)
    assert (me["project"] is None) == (me["group"]["project"] is None)


def test_catalogue_search_and_filters(phase) -> None:
    query = """query($s: String, $o: ProjectOrigin) { course { projects(year: 2021, search: $s, origin: $o, first: 500)
        { totalCount nodes { id title description requirements supervisors { name internal } subprojects { letter } } } } }"""
    everything = phase.gql(phase.students[0], query)["data"]["course"]["projects"]
    assert everything["totalCount"] >= 20
    some = everything["nodes"][5]
    word = max(some["title"].split(), key=len)
    found = phase.gql(phase.students[0], query, {"s": word})["data"]["course"]["projects"]["nodes"]
    assert some["id"] in {p["id"] for p in found} and len(found) < everything["totalCount"]
    assert all(word.casefold() in json.dumps(p).casefold() for p in found)
    supervisor = next(p for p in everything["nodes"] if p["supervisors"])["supervisors"][0]["name"].split()[-1]
    by_supervisor = phase.gql(phase.students[0], query, {"s": supervisor})["data"]["course"]["projects"]["nodes"]
    assert by_supervisor and all(
        supervisor in json.dumps(p["supervisors"]) or supervisor in json.dumps(p) for p in by_supervisor
    )
    external = phase.gql(phase.students[0], query, {"o": "EXTERNAL"})["data"]["course"]["projects"]["nodes"]
    assert all(any(s["internal"] is False for s in p["supervisors"]) for p in external)
    # Free places are the staff's to see (they come from the assignments).
    refused = phase.gql(phase.students[0], "{ course { projects(withFreePlaces: true) { totalCount } } }")
    assert refused["errors"][0]["extensions"]["code"] == "forbidden"
    free = phase.gql(
        "t-ole", "{ course { projects(withFreePlaces: true, first: 500) { nodes { freePlaces } } } }", None, "teacher"
    )["data"]["course"]["projects"]["nodes"]
    assert free and all(p["freePlaces"] is None or p["freePlaces"] > 0 for p in free)


def test_mutation_errors_carry_the_domains_codes(phase) -> None:
    lone = phase.students[-1]
    joined = phase.gql(lone, 'mutation { joinGroup(joinCode: "NOPE00") { group { id } errors { code message } } }')
    assert joined["data"]["joinGroup"] == {
        "group": None,
        "errors": [{"code": "unknown_join_code", "message": joined["data"]["joinGroup"]["errors"][0]["message"]}],
    }
    group = phase.groups[0]["group_id"]
    booked = phase.gql(
        lone,
        'mutation($g: ID!) { bookSlot(groupId: $g, slotId: "nope") { booking { slotId } errors { code } } }',
        {"g": group},
    )
    assert booked["data"]["bookSlot"]["errors"][0]["code"] in ("forbidden", "not_found")
    released = phase.gql(lone, "mutation { releaseGrades { finalGrades errors { code } } }")
    assert released["data"]["releaseGrades"]["errors"] == [{"code": "forbidden"}]
    # The enums are in the schema, with the services' codes.
    enum = phase.gql(lone, '{ __type(name: "SchedulingErrorCode") { enumValues { name } } }')
    names = {v["name"] for v in enum["data"]["__type"]["enumValues"]}
    assert {"slot_full", "booking_closed", "grade_not_on_scale", "forbidden"} <= names


def test_supervisors_see_only_their_groups(phase) -> None:
    project_id = phase.supervised_project
    link = f"/v1/supervisor-links/{phase.supervisor}/{project_id}"
    _wait_for(
        lambda: phase.rest("PUT", "projects", link, ok=(200, 201, 422)).status_code in (200, 201),
        120,
        "projects to learn the supervisor from the roster",
    )
    query = "{ supervising { projects { projectId groupIds } groups { id members { personId } project { id } } } }"
    body = phase.gql(phase.supervisor, query, None, "supervisor")
    assert "errors" not in body, body["errors"]
    groups = body["data"]["supervising"]["groups"]
    same_project = {g for g, p in phase.assigned.items() if p == project_id}
    assert {g["id"] for g in groups} == same_project and same_project
    others = {m["person_id"] for g in phase.groups if g["group_id"] not in same_project for m in g["members"]}
    assert not others & {m["personId"] for g in groups for m in g["members"]}
    # A student has nothing to supervise.
    refused = phase.gql(phase.students[0], "{ supervising { groups { id } } }")
    assert refused["data"] is None or refused["data"]["supervising"] is None


def test_nobody_reads_another_groups_selection_booking_grade_or_join_code(
    phase, schema_operations, without_echoes
) -> None:
    from peerlab.gateway.graphql.schema import build_schema
    from peerlab.gateway.settings import GatewaySettings

    victim_group, attacker_group = phase.groups[2], phase.groups[3]
    victim, victim_partner = (m["person_id"] for m in victim_group["members"])
    attacker = attacker_group["members"][0]["person_id"]
    course = f"/v1/courses/{COURSE_ID}"
    # The victim's group has a booking and the victim a released final grade.
    booking = phase.rest("GET", "scheduling", f"{course}/groups/{victim_group['group_id']}/booking").json()
    phase.rest(
        "PUT", "scheduling", f"{course}/groups/{victim_group['group_id']}/report-assessment", {"examiner_ids": []}
    )
    phase.rest("PUT", "scheduling", f"{course}/students/{victim}/final-grade", {"grade": "12"})
    phase.rest("POST", "scheduling", f"{course}/grades/release")
    selection = phase.rest("GET", "projects", f"/v1/groups/{victim_group['group_id']}/selection").json()
    secrets = {
        victim,
        victim_partner,
        victim_group["group_id"],
        victim_group["join_code"],
        booking["booking_id"],
        *(m["person_id"] for g in phase.groups if g is not attacker_group for m in g["members"]),
    }
    assert victim_group["join_code"]
    # The victim sees their own grade now (so there is one to leak).
    assert phase.gql(victim, "{ me { grade { grade status } } }")["data"]["me"]["grade"] == {
        "grade": "12",
        "status": "FINAL",
    }

    # The supervisor (if the supervision test linked them) legitimately sees one project's groups.
    supervised = {g for g, p in phase.assigned.items() if p == phase.supervised_project}
    if victim_group["group_id"] in supervised:
        pytest.skip("the victim's group shares the supervised project")
    supervised_ids = supervised | {
        m["person_id"] for g in phase.groups if g["group_id"] in supervised for m in g["members"]
    }

    schema = build_schema(GatewaySettings(environment="test"))._schema
    ids = [victim, victim_group["group_id"], booking["slot_id"]]
    # A join code is a capability (it lets a student in), not a secret to try on non-students.
    for who, roles, targets in (
        (attacker, ("student",), [*ids, victim_group["join_code"]]),
        (phase.supervisor, ("supervisor",), ids),
        (phase.examiner, ("examiner",), ids),
    ):
        operations = [op for kind in ("query", "mutation") for op in schema_operations(schema, kind, targets)]
        for operation in operations:
            body = phase.gql(who, operation, None, *roles)
            assert all("path" in e for e in body.get("errors", [])), (operation, body["errors"])
            data = without_echoes(json.dumps(body.get("data")), targets)
            visible = secrets - supervised_ids if who == phase.supervisor else secrets
            leaked = [s for s in visible if s in data]
            assert not leaked, (who, operation, leaked, data[:500])
    # Nothing the enumeration tried changed the victim's group.
    after = phase.rest("GET", "scheduling", f"{course}/groups/{victim_group['group_id']}/booking").json()
    assert after["booking_id"] == booking["booking_id"]
    assert phase.rest("GET", "projects", f"/v1/groups/{victim_group['group_id']}/selection").json() == selection


STALE_PLAN = """{ course { examDays { id plan { state revision stale staleSince
  staleReasons { change groupId examinerId at } } } } }"""


def test_staff_see_a_published_visit_plan_go_stale_and_fresh_again(phase) -> None:
    """A booking moved after the plan was published shows on the plan in GraphQL until staff plan
    and publish again. Its own exam day and groups, so the other tests' bookings stay as they were."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    course, day = f"/v1/courses/{COURSE_ID}", f"{EXAM_DAY}-plan"
    phase.rest(
        "PUT",
        "scheduling",
        f"{course}/exam-days/{day}",
        {
            "kind": "poster",
            "title": "Poster session (plan)",
            "day": FUTURE_DAY.isoformat(),
            "start": "09:00",
            "end": "12:00",
            "time_zone": "Europe/Copenhagen",
            "location": "SkyLab",
            "slot_minutes": 30,
            "slot_capacity": 2,
        },
    )
    slots = phase.rest("GET", "scheduling", f"{course}/exam-days/{day}/slots").json()
    groups = [g["group_id"] for g in phase.groups[-2:]]
    for group_id in groups:
        phase.rest("PUT", "scheduling", f"{course}/groups/{group_id}/booking", {"slot_id": slots[0]["slot_id"]})

    def at(hour: int) -> str:
        return datetime(*FUTURE_DAY.timetuple()[:3], hour, tzinfo=ZoneInfo("Europe/Copenhagen")).isoformat()

    for n in range(3):
        window = {"exam_day_id": day, "starts_at": at(9), "ends_at": at(12)}
        phase.rest("PUT", "scheduling", f"{course}/examiners/{phase.tag}-e{n}", {"name": "E", "availability": [window]})
    phase.rest("POST", "scheduling", f"{course}/exam-days/{day}/plan")
    phase.rest("POST", "scheduling", f"{course}/exam-days/{day}/plan/publish")

    def plan() -> dict:
        data, _ = phase.calls_for(STALE_PLAN, {})
        return next(d["plan"] for d in data["course"]["examDays"] if d["id"] == day)

    fresh = plan()
    assert fresh["state"] == "PUBLISHED" and fresh["stale"] is False and fresh["staleReasons"] == []
    phase.rest("PUT", "scheduling", f"{course}/groups/{groups[0]}/booking", {"slot_id": slots[1]["slot_id"]})
    stale = plan()
    assert stale["stale"] is True and stale["revision"] == fresh["revision"] and stale["staleSince"]
    assert [(r["change"], r["groupId"], r["examinerId"]) for r in stale["staleReasons"]] == [
        ("BOOKING_MOVED", groups[0], None)
    ]
    phase.rest("POST", "scheduling", f"{course}/exam-days/{day}/plan")
    phase.rest("POST", "scheduling", f"{course}/exam-days/{day}/plan/publish")
    again = plan()
    assert again["stale"] is False and again["revision"] == fresh["revision"] + 1
