"""Supervisors read their groups' synopsis and report (list and download) and nothing else; the
projection of ``group.supervisors_changed.v1`` is idempotent and ignores late older events;
external read links work without a login until revoked or expired (clock injected, no sleeping)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.contracts import Envelope
from peerlab.contracts.events.projects import GroupFormedV1, GroupSupervisorsChangedV1
from peerlab.submissions.events.handlers import consumer_spec
from peerlab.submissions.models import ExternalLink, GroupSupervisor
from peerlab.chassis.clock import request_now

REPO = "https://github.com/group/project"


def deliver(stack, event, *, event_id: str | None = None) -> str:
    runner = ConsumerRunner(
        consumer_spec(), engine=stack.client.app.state.engine, bootstrap=stack.settings.kafka_bootstrap
    )
    raw = Envelope.wrap(
        event, source="test", subject="x", course_id=stack.settings.course_id, event_id=event_id
    ).to_bytes()
    return runner.handle_message(raw, stop=threading.Event())


def _hand_ins(stack, make_pdf) -> dict[str, dict]:
    """Group g-1 (alice, bob; supervised by sup-a) and g-2 (carol; by sup-b) hand in a synopsis,
    a report and a poster each."""
    now = datetime.now(UTC)
    deliver(stack, GroupFormedV1(group_id="g-1", member_ids=["alice", "bob"], formed_at=now))
    deliver(stack, GroupFormedV1(group_id="g-2", member_ids=["carol"], formed_at=now))
    deliver(
        stack,
        GroupSupervisorsChangedV1(
            group_id="g-1", project_id="p-2021-04", supervisor_ids=["sup-a", "co-a"], changed_at=now
        ),
    )
    deliver(
        stack,
        GroupSupervisorsChangedV1(group_id="g-2", project_id="p-2021-05", supervisor_ids=["sup-b"], changed_at=now),
    )
    stack.assignment("synopsis", kind="synopsis")
    stack.assignment("report", kind="report")
    stack.assignment("poster", kind="poster")
    out = {}
    for group, student in (("g-1", "alice"), ("g-2", "carol")):
        for kind, data in (
            ("synopsis", make_pdf(1)),
            ("report", make_pdf(3, url=REPO)),
            ("poster", make_pdf(1, size=(1684, 2384))),
        ):
            r = stack.hand_in(kind, student, data, name=f"{kind}.pdf")
            assert r.status_code == 201, r.text
            out[f"{group}/{kind}"] = r.json()["submission"]
    return out


def test_a_supervisor_reads_their_groups_synopsis_and_report_only(stack, make_pdf):
    subs = _hand_ins(stack, make_pdf)
    sup = stack.auth("sup-a", "supervisor")
    listed = stack.client.get("/v1/submissions", headers=sup).json()["items"]
    assert sorted((s["owner_id"], s["assignment_kind"]) for s in listed) == [("g-1", "report"), ("g-1", "synopsis")]
    for kind in ("synopsis", "report"):
        sid = subs[f"g-1/{kind}"]["id"]
        assert stack.client.get(f"/v1/submissions/{sid}", headers=sup).status_code == 200
        link = stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=sup)
        assert link.status_code == 200
        assert httpx.get(link.json()["url"]).content[:5] == b"%PDF-"
        # reading is all: no withdrawal
        assert stack.client.post(f"/v1/submissions/{sid}/withdraw", headers=sup).status_code == 403
    co = stack.auth("co-a", "supervisor")
    assert stack.client.get(f"/v1/submissions/{subs['g-1/report']['id']}", headers=co).status_code == 200
    # the poster is not theirs to read; another group's hand-ins are invisible
    for key in ("g-1/poster", "g-2/synopsis", "g-2/report"):
        sid = subs[key]["id"]
        assert stack.client.get(f"/v1/submissions/{sid}", headers=sup).status_code == 404, key
        assert stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=sup).status_code == 404
    assert stack.client.get("/v1/submissions", params={"owner_ids": "g-2"}, headers=sup).json()["items"] == []
    assert (
        stack.client.get("/v1/submissions", params={"ids": subs["g-2/report"]["id"]}, headers=sup).json()["items"] == []
    )
    # the person id alone is not enough: the supervisor role is required
    sid = subs["g-1/synopsis"]["id"]
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("sup-a")).status_code == 404
    # students of another group see nothing of g-1
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("carol")).status_code == 404


def test_supervisor_events_are_idempotent_and_a_late_older_list_changes_nothing(stack, make_pdf):
    subs = _hand_ins(stack, make_pdf)
    sid = subs["g-1/report"]["id"]
    later = datetime.now(UTC) + timedelta(minutes=1)
    event = GroupSupervisorsChangedV1(
        group_id="g-1", project_id="p-2021-04", supervisor_ids=["sup-new"], changed_at=later
    )
    assert deliver(stack, event, event_id="ev-1") == "handled"
    assert deliver(stack, event, event_id="ev-1") == "duplicate"
    assert deliver(stack, event, event_id="ev-1-replayed") == "handled"  # same content again: same rows
    with stack.session() as session:
        rows = session.execute(select(GroupSupervisor).where(GroupSupervisor.group_id == "g-1")).scalars().all()
        assert [r.supervisor_id for r in rows] == ["sup-new"]
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("sup-a", "supervisor")).status_code == 404
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("sup-new", "supervisor")).status_code == 200
    older = GroupSupervisorsChangedV1(
        group_id="g-1", supervisor_ids=["sup-a"], changed_at=later - timedelta(seconds=30)
    )
    assert deliver(stack, older) == "handled"
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("sup-a", "supervisor")).status_code == 404
    emptied = GroupSupervisorsChangedV1(group_id="g-1", supervisor_ids=[], changed_at=later + timedelta(seconds=1))
    deliver(stack, emptied)
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("sup-new", "supervisor")).status_code == 404


def test_an_external_read_link_works_without_login_until_revoked_or_expired(stack, make_pdf):
    subs = _hand_ins(stack, make_pdf)
    app = stack.client.app
    clock = {"now": datetime.now(UTC)}
    app.dependency_overrides[request_now] = lambda: clock["now"]
    try:
        url = "/v1/groups/g-1/external-links"
        body = {"expires_at": (clock["now"] + timedelta(days=7)).isoformat(), "note": "for Dr. External"}
        assert stack.client.post(url, json=body, headers=stack.auth("alice")).status_code == 403
        assert stack.client.post(url, json=body, headers=stack.auth("sup-a", "supervisor")).status_code == 403
        assert stack.client.post("/v1/groups/g-404/external-links", json=body, headers=stack.teacher).status_code == 404
        past = {"expires_at": (clock["now"] - timedelta(seconds=1)).isoformat()}
        assert stack.client.post(url, json=past, headers=stack.teacher).json()["code"] == "expiry_in_past"
        made = stack.client.post(url, json=body, headers=stack.teacher)
        assert made.status_code == 201, made.text
        link = made.json()
        with stack.session() as session:  # only the token's hash is kept
            stored = session.get(ExternalLink, link["id"])
            assert stored.token_sha256 != link["token"] and link["token"] not in stored.token_sha256

        seen = stack.client.get(link["path"])  # no Authorization header at all
        assert seen.status_code == 200, seen.text
        docs = {d["kind"]: d for d in seen.json()["documents"]}
        assert set(docs) == {"synopsis", "report"} and seen.json()["group_id"] == "g-1"
        assert docs["report"]["download"]["sha256"] == subs["g-1/report"]["versions"][0]["sha256"]
        assert httpx.get(docs["report"]["download"]["url"]).content[:5] == b"%PDF-"

        # revoked: gone, like an unknown token
        assert stack.client.get("/v1/external/not-a-token").status_code == 404
        revoked = stack.client.post(f"/v1/external-links/{link['id']}/revoke", headers=stack.teacher)
        assert revoked.status_code == 200 and revoked.json()["active"] is False
        assert stack.client.get(link["path"]).status_code == 404
        assert (
            stack.client.post(f"/v1/external-links/{link['id']}/revoke", headers=stack.auth("alice")).status_code == 403
        )

        # expired: works until the instant before, not at it
        second = stack.client.post(
            url, json={"expires_at": (clock["now"] + timedelta(hours=1)).isoformat()}, headers=stack.teacher
        ).json()
        clock["now"] += timedelta(minutes=59)
        assert stack.client.get(second["path"]).status_code == 200
        clock["now"] += timedelta(minutes=1)
        assert stack.client.get(second["path"]).status_code == 404
        listed = stack.client.get(url, headers=stack.teacher).json()
        assert sorted((x["id"], x["active"]) for x in listed) == sorted([(link["id"], False), (second["id"], False)])
        assert all("token" not in x for x in listed)
    finally:
        app.dependency_overrides.pop(request_now, None)
