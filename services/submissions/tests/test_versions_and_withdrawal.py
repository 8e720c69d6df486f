"""Versions: a new hand-in before the deadline becomes current, earlier ones stay readable;
the owner withdraws before the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

pytestmark = pytest.mark.dialect_sensitive  # version numbers under a unique constraint


def test_new_hand_in_becomes_current_and_history_stays_downloadable(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    first, second = make_notebook(cells=1), make_notebook(cells=2)
    r1 = stack.hand_in("lab-1", "s1", first)
    r2 = stack.hand_in("lab-1", "s1", second, name="v2-EXE.ipynb")
    assert r1.json()["submission"]["id"] == r2.json()["submission"]["id"]
    sub = stack.client.get(f"/v1/submissions/{r2.json()['submission']['id']}", headers=stack.auth("s1")).json()
    assert sub["current_version"] == 2 and [v["current"] for v in sub["versions"]] == [False, True]
    for number, data in ((1, first), (2, second)):
        link = stack.client.get(f"/v1/submissions/{sub['id']}/versions/{number}/download", headers=stack.auth("s1"))
        assert link.status_code == 200
        fetched = httpx.get(link.json()["url"])
        assert fetched.status_code == 200 and fetched.content == data
    staff = stack.client.get(f"/v1/submissions/{sub['id']}/versions/1/download", headers=stack.auth("ta-1", "ta"))
    assert staff.status_code == 200
    assert [e.data["version"] for e in stack.outbox("submission.received.v1")] == [1, 2]


def test_withdraw_before_deadline_then_hand_in_again(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    sid = stack.hand_in("lab-1", "s1", make_notebook()).json()["submission"]["id"]
    r = stack.client.post(f"/v1/submissions/{sid}/withdraw", headers=stack.auth("s1"))
    assert r.status_code == 200, r.text
    assert r.json()["withdrawn_version"] == 1 and r.json()["submission"]["status"] == "withdrawn"
    again = stack.client.post(f"/v1/submissions/{sid}/withdraw", headers=stack.auth("s1"))
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_withdraw")
    events = stack.outbox("submission.withdrawn.v1")
    assert len(events) == 1 and events[0].data["version"] == 1
    v2 = stack.hand_in("lab-1", "s1", make_notebook(cells=4)).json()
    assert v2["version"]["version"] == 2 and v2["submission"]["current_version"] == 2
    history = stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("s1")).json()["versions"]
    assert history[0]["withdrawn_at"] is not None and history[1]["withdrawn_at"] is None


def test_only_the_owner_withdraws_and_only_before_the_deadline(stack, make_notebook, movable_clock):
    movable_clock.install()
    deadline = datetime.fromisoformat(stack.assignment("lab-1", lab_number=1)["deadline"])
    sid = stack.hand_in("lab-1", "s1", make_notebook()).json()["submission"]["id"]
    assert stack.client.post(f"/v1/submissions/{sid}/withdraw", headers=stack.auth("s2")).status_code == 404
    assert stack.client.post(f"/v1/submissions/{sid}/withdraw", headers=stack.teacher).status_code == 403
    movable_clock.move_to(deadline + timedelta(seconds=1))
    late = stack.client.post(f"/v1/submissions/{sid}/withdraw", headers=stack.auth("s1"))
    assert (late.status_code, late.json()["code"]) == (409, "deadline_passed")
    assert stack.outbox("submission.withdrawn.v1") == []


def test_hand_in_outside_the_window_is_refused(stack, make_notebook, nothing_kept):
    stack.assignment("future", opens_in_s=3600, deadline_in_s=7200)
    stack.assignment("past", opens_in_s=-7200, deadline_in_s=-3600)
    early = stack.hand_in("future", "s1", make_notebook())
    late = stack.hand_in("past", "s1", make_notebook())
    assert (early.status_code, early.json()["code"]) == (409, "not_open")
    assert (late.status_code, late.json()["code"]) == (409, "deadline_passed")
    assert (
        stack.client.post(
            "/v1/assignments/nope/submissions",
            content=b"{}",
            params={"file_name": "a-EXE.ipynb"},
            headers=stack.auth("s1"),
        ).status_code
        == 404
    )
    teacher = stack.hand_in("future", "s1", make_notebook(), headers=stack.teacher)
    assert teacher.status_code in (403, 409)
    nothing_kept(stack)
