"""Supervision: catalogue supervisors matched to roster people by e-mail (co-supervisors alike) or
linked by staff; a supervisor sees only their own groups; comments reach the group's members and
nobody else; ``group.supervisors_changed.v1`` is published on a change only, and a redelivered
roster event changes nothing."""

from datetime import UTC, datetime

import pytest
from peerlab.contracts.events.roster import PersonEnrolledV1

pytestmark = pytest.mark.dialect_sensitive  # concurrent changes of one project

CHANGED = "group.supervisors_changed.v1"
COMMENTED = "synopsis.commented.v1"


def _project(title: str, *supervisors: tuple[str, str | None]) -> dict:
    return {
        "title": title,
        "description": "",
        "supervisors": [
            {"name": name, "email": email, "organisation": "DTU", "internal": True} for name, email in supervisors
        ],
    }


def _enrol_staff(stack, person_id: str, email: str | None, *roles: str, event_id: str | None = None) -> str:
    return stack.feed(
        PersonEnrolledV1(
            person_id=person_id, roles=list(roles or ("supervisor",)), email=email, enrolled_at=datetime.now(UTC)
        ),
        subject=person_id,
        event_id=event_id,
    )


def _setup(stack):
    """Project 4 (two co-supervisors, by e-mail), project 5 (carl); group A on 4, group B on 5."""
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    assert (
        client.put(
            "/v1/catalogues/2021/projects/4",
            headers=teacher,
            json=_project("Representations", ("Bo Li", "blia@dtu.dk"), ("Tommy Alstrøm", "tsal@dtu.dk")),
        ).status_code
        == 201
    )
    assert (
        client.put(
            "/v1/catalogues/2021/projects/5",
            headers=teacher,
            json=_project("Speech", ("Carl", "carl@dtu.dk"), ("Nameless external", None)),
        ).status_code
        == 201
    )
    _enrol_staff(stack, "blia", "BLIA@dtu.dk")
    _enrol_staff(stack, "tsal", "tsal@dtu.dk", "supervisor", "ta")
    _enrol_staff(stack, "carl", "carl@dtu.dk")
    stack.enrol("s1", "s2", "s3", "s4", "s9")
    a = client.post("/v1/groups", json={"member_ids": ["s1", "s2"]}, headers=teacher).json()["group_id"]
    b = client.post("/v1/groups", json={"member_ids": ["s3", "s4"]}, headers=teacher).json()["group_id"]
    for gid, pid in ((a, "p-2021-04"), (b, "p-2021-05")):
        assert client.put(f"/v1/groups/{gid}/assignment", json={"project_id": pid}, headers=teacher).status_code in (
            200,
            201,
        )
    return client, a, b


def test_co_supervisors_matched_by_email_see_their_group_and_nothing_else(stack):
    client, a, b = _setup(stack)
    events = {e.data["group_id"]: e.data for e in stack.outbox(CHANGED)}
    assert events[a]["supervisor_ids"] == ["blia", "tsal"] and events[a]["project_id"] == "p-2021-04"
    assert events[b]["supervisor_ids"] == ["carl"]

    mine = client.get("/v1/supervision/groups", headers=stack.auth("blia", "supervisor"))
    assert mine.status_code == 200
    [group] = mine.json()
    assert group["group_id"] == a and [m["person_id"] for m in group["members"]] == ["s1", "s2"]
    assert group["project_title"] == "Representations" and "join_code" not in group
    co = client.get("/v1/supervision/groups", headers=stack.auth("tsal", "supervisor", "ta"))
    assert [g["group_id"] for g in co.json()] == sorted([a, b])  # a TA is staff: every supervised group, by id
    co_own = client.get(
        "/v1/supervision/groups", params={"supervisor_id": "tsal"}, headers=stack.auth("tsal", "supervisor", "ta")
    )
    assert [g["group_id"] for g in co_own.json()] == [a]
    projects = client.get("/v1/supervision/projects", headers=stack.auth("blia", "supervisor")).json()
    assert [(p["project_id"], p["group_ids"]) for p in projects] == [("p-2021-04", [a])]

    # another supervisor's group: not found; students: forbidden on supervisor endpoints
    assert client.get(f"/v1/supervision/groups/{b}", headers=stack.auth("blia", "supervisor")).status_code == 404
    assert client.get(f"/v1/supervision/groups/{a}", headers=stack.auth("blia", "supervisor")).status_code == 200
    assert client.get("/v1/supervision/groups", headers=stack.auth("s1")).status_code == 403
    assert client.get(f"/v1/supervision/groups/{a}", headers=stack.auth("s1")).status_code == 403
    assert client.get("/v1/supervision/projects", headers=stack.auth("s1")).status_code == 403


def test_a_student_with_a_supervisors_email_supervises_nothing(stack):
    client = stack.client()
    teacher = stack.auth("t1", "teacher")
    client.put("/v1/catalogues/2021/projects/4", headers=teacher, json=_project("R", ("Bo", "blia@dtu.dk")))
    _enrol_staff(stack, "s7", "blia@dtu.dk", "student")
    stack.enrol("s1", "s2")
    gid = client.post("/v1/groups", json={"member_ids": ["s1", "s2"]}, headers=teacher).json()["group_id"]
    client.put(f"/v1/groups/{gid}/assignment", json={"project_id": "p-2021-04"}, headers=teacher)
    assert [e.data["supervisor_ids"] for e in stack.outbox(CHANGED)] == [[]]
    assert client.get(f"/v1/supervision/groups/{gid}", headers=stack.auth("s7", "supervisor")).status_code == 404


def test_comments_reach_the_groups_members_only(stack):
    client, a, b = _setup(stack)
    blia = stack.auth("blia", "supervisor")
    made = client.post(
        f"/v1/supervision/groups/{a}/comments",
        headers=blia,
        json={"decision": "changes_requested", "text": "Narrow the scope.", "submission_id": "sub-1", "version": 1},
    )
    assert made.status_code == 201, made.text
    client.post(
        f"/v1/supervision/groups/{a}/comments",
        headers=stack.auth("tsal", "supervisor"),
        json={"decision": "approved", "text": "Fine now."},
    )
    for member in ("s1", "s2"):
        seen = client.get(f"/v1/groups/{a}/comments", headers=stack.auth(member))
        assert seen.status_code == 200
        assert [(c["author_id"], c["decision"]) for c in seen.json()] == [
            ("blia", "changes_requested"),
            ("tsal", "approved"),
        ]
    assert client.get(f"/v1/groups/{a}/comments", headers=stack.auth("s3")).status_code == 404  # other group
    assert client.get(f"/v1/groups/{a}/comments", headers=stack.auth("s9")).status_code == 404  # no group
    assert client.get(f"/v1/groups/{a}/comments", headers=stack.auth("carl", "supervisor")).status_code == 404
    assert client.get(f"/v1/groups/{a}/comments", headers=stack.auth("blia", "supervisor")).status_code == 200
    # nobody else writes one
    body = {"decision": "approved", "text": "x"}
    assert (
        client.post(
            f"/v1/supervision/groups/{a}/comments", headers=stack.auth("carl", "supervisor"), json=body
        ).status_code
        == 404
    )
    assert client.post(f"/v1/supervision/groups/{a}/comments", headers=stack.auth("s1"), json=body).status_code == 403
    assert (
        client.post(f"/v1/supervision/groups/{a}/comments", headers=stack.auth("ta9", "ta"), json=body).status_code
        == 403
    )
    assert (
        client.post(
            f"/v1/supervision/groups/{a}/comments", headers=blia, json={"decision": "maybe", "text": "x"}
        ).status_code
        == 422
    )
    assert len(client.get(f"/v1/groups/{a}/comments", headers=stack.auth("s1")).json()) == 2


def test_a_comment_publishes_its_verdict_with_it(stack):
    """``synopsis.commented.v1`` is committed with the comment (so a webhook can mail the group); no
    text in it, and a refused comment publishes nothing."""
    client, a, _ = _setup(stack)
    made = client.post(
        f"/v1/supervision/groups/{a}/comments",
        headers=stack.auth("blia", "supervisor"),
        json={"decision": "changes_requested", "text": "Narrow the scope.", "submission_id": "sub-1", "version": 1},
    ).json()
    refused = client.post(
        f"/v1/supervision/groups/{a}/comments", headers=stack.auth("s1"), json={"decision": "approved", "text": "x"}
    )
    assert refused.status_code == 403
    [event] = stack.outbox(COMMENTED)
    assert event.subject == a and event.course_id == "02456-2021"
    commented_at = event.data.pop("commented_at")
    assert datetime.fromisoformat(commented_at.replace("Z", "+00:00")) == datetime.fromisoformat(made["created_at"])
    assert event.data == {
        "comment_id": made["id"],
        "group_id": a,
        "submission_id": "sub-1",
        "version": 1,
        "verdict": "changes_requested",
        "commenter_id": "blia",
    }


def test_staff_link_adds_a_supervisor_without_email_and_removing_it_takes_access_away(stack):
    client, a, b = _setup(stack)
    _enrol_staff(stack, "ext1", None)
    teacher = stack.auth("t1", "teacher")
    assert client.get(f"/v1/supervision/groups/{b}", headers=stack.auth("ext1", "supervisor")).status_code == 404
    assert client.put("/v1/supervisor-links/s1/p-2021-05", headers=teacher).status_code == 422  # a student
    assert client.put("/v1/supervisor-links/ext1/p-2021-05", headers=stack.auth("s1")).status_code == 403
    linked = client.put("/v1/supervisor-links/ext1/p-2021-05", headers=teacher)
    assert linked.status_code == 201
    assert client.put("/v1/supervisor-links/ext1/p-2021-05", headers=teacher).status_code == 200  # idempotent
    assert stack.outbox(CHANGED)[-1].data == {
        **stack.outbox(CHANGED)[-1].data,
        "group_id": b,
        "supervisor_ids": ["carl", "ext1"],
    }
    assert client.get(f"/v1/supervision/groups/{b}", headers=stack.auth("ext1", "supervisor")).status_code == 200
    assert client.delete("/v1/supervisor-links/ext1/p-2021-05", headers=teacher).status_code == 204
    assert stack.outbox(CHANGED)[-1].data["supervisor_ids"] == ["carl"]
    assert client.get(f"/v1/supervision/groups/{b}", headers=stack.auth("ext1", "supervisor")).status_code == 404


def test_roster_changes_move_supervision_and_redelivery_changes_nothing(stack):
    client, a, b = _setup(stack)
    published = len(stack.outbox(CHANGED))
    # the same event twice (same id): the inbox swallows the second
    assert _enrol_staff(stack, "carl", "carl@dtu.dk", event_id="ev-carl-1") == "handled"
    assert _enrol_staff(stack, "carl", "carl@dtu.dk", event_id="ev-carl-1") == "duplicate"
    assert len(stack.outbox(CHANGED)) == published  # an unchanged enrolment publishes nothing
    # carl's address changes: he no longer matches project 5
    _enrol_staff(stack, "carl", "carl.other@dtu.dk")
    assert stack.outbox(CHANGED)[-1].data["group_id"] == b and stack.outbox(CHANGED)[-1].data["supervisor_ids"] == []
    assert client.get(f"/v1/supervision/groups/{b}", headers=stack.auth("carl", "supervisor")).status_code == 404
    # the teacher fixes the catalogue: he is back
    client.put(
        "/v1/catalogues/2021/projects/5",
        headers=stack.auth("t1", "teacher"),
        json=_project("Speech", ("Carl", "carl.other@dtu.dk")),
    )
    assert stack.outbox(CHANGED)[-1].data["supervisor_ids"] == ["carl"]
    # unenrolled supervisors stop supervising
    from peerlab.contracts.events.roster import PersonUnenrolledV1

    stack.feed(PersonUnenrolledV1(person_id="blia", unenrolled_at=datetime.now(UTC)), subject="blia")
    assert stack.outbox(CHANGED)[-1].data == {
        **stack.outbox(CHANGED)[-1].data,
        "group_id": a,
        "supervisor_ids": ["tsal"],
    }
    # a student's enrolment never recomputes anything
    before = len(stack.outbox(CHANGED))
    stack.enrol("s20")
    assert len(stack.outbox(CHANGED)) == before


def test_concurrent_changes_of_one_projects_supervisors_publish_a_list_with_both(stack):
    """A link and a catalogue edit of the same project in two open transactions: the later waits
    for the earlier (project row lock) and publishes the list with both changes, stamped later."""
    import threading

    import pytest
    from sqlmodel import Session

    from peerlab.chassis.auth import Principal, Role
    from peerlab.projects.models import SupervisionRow
    from peerlab.projects.schemas import ProjectPut
    from peerlab.projects.service import catalogue, supervision
    from projects_testkit import COURSE

    if not stack.url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers by itself")
    client, a, b = _setup(stack)
    _enrol_staff(stack, "ext1", None)
    _enrol_staff(stack, "dana", "dana@dtu.dk")
    teacher = Principal(sub="t1", roles=frozenset({Role.TEACHER}))
    first = Session(stack.engine, expire_on_commit=False)
    supervision.put_link(
        first, course_id=COURSE, person_id="ext1", project_id="p-2021-05", principal=teacher, now=datetime.now(UTC)
    )
    errors = []

    def second() -> None:
        try:
            with Session(stack.engine) as session:
                body = ProjectPut(**_project("Speech", ("Carl", "carl@dtu.dk"), ("Dana", "dana@dtu.dk")))
                catalogue.put_project(session, year=2021, number=5, body=body, now=datetime.now(UTC))
                session.flush()
                supervision.refresh_projects(
                    session, course_id=COURSE, project_ids=["p-2021-05"], now=datetime.now(UTC)
                )
                session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=3)  # without the lock it finishes here, computing without the uncommitted link
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not thread.is_alive() and not errors
    last = [e for e in stack.outbox(CHANGED) if e.data["group_id"] == b][-1]
    assert last.data["supervisor_ids"] == ["carl", "dana", "ext1"]
    with Session(stack.engine) as session:
        assert session.get(SupervisionRow, b).supervisor_ids == ["carl", "dana", "ext1"]
