"""Every task that stops being active publishes ``review.allocation_cancelled.v1`` with it: a flag
(the reviewer gets a replacement), a hand-in withdrawn from review after flags, a rerun that drops
an unstarted task."""

from datetime import timedelta

from review_testkit import make_stack, now, run_lab, students

from peerlab.review.models import AllocationRow, RoundRow

CANCELLED = "review.allocation_cancelled.v1"
FULL = {"scores": {"overall": 4}, "answers": {"strengths": "Clear code.", "improvements": "Label the plots."}}


def _allocations(stack):
    with stack.session() as s:
        return s.query(AllocationRow).order_by(AllocationRow.reviewer_id, AllocationRow.reviewee_id).all()


def _status(stack, allocation_id):
    with stack.session() as s:
        return s.get(AllocationRow, allocation_id).status


def test_a_flag_cancels_the_task_it_replaces(stack):
    run_lab(stack, 1, students(10), deadline=now() - timedelta(minutes=1))
    client = stack.client()
    a = _allocations(stack)[0]
    assert stack.outbox(CANCELLED) == []

    receipt = client.post(f"/v1/tasks/{a.task_token}/flag", json={"reason": "empty"}, headers=stack.auth(a.reviewer_id))
    assert receipt.status_code == 200, receipt.text

    [event] = stack.outbox(CANCELLED)
    assert event.subject == a.id  # the key of review.allocated.v1 too: one partition, in order
    assert {k: event.data[k] for k in ("allocation_id", "submission_id", "reviewer_id", "task_token", "reason")} == {
        "allocation_id": a.id,
        "submission_id": a.submission_id,
        "reviewer_id": a.reviewer_id,
        "task_token": a.task_token,
        "reason": "flagged",
    }
    with stack.session() as s:
        round_row = s.get(RoundRow, a.round_id)
    assert (event.data["round_id"], event.data["assignment_id"]) == (round_row.id, round_row.assignment_id)
    assert _status(stack, a.id) == "flagged"
    # the replacement is granted as usual; a refused second flag publishes nothing more
    assert [
        e.data["task_token"] for e in stack.outbox("review.allocated.v1") if e.data["replaces_allocation_id"] == a.id
    ] == [receipt.json()["replacement_task_token"]]
    again = client.post(f"/v1/tasks/{a.task_token}/flag", json={"reason": "empty"}, headers=stack.auth(a.reviewer_id))
    assert again.status_code == 409
    assert len(stack.outbox(CANCELLED)) == 1


def test_withdrawal_after_three_flags_cancels_the_unfinished_tasks_and_a_rerun_its_owners(fresh_database_url):
    """k = 5, so the hand-in has reviewers beyond its three flaggers: one submitted (keeps the
    task), one drafting (loses it)."""
    with make_stack(fresh_database_url("review"), default_reviews_per_person=5) as stack:
        people = students(12)
        run_lab(stack, 1, people, deadline=now() - timedelta(minutes=1))
        client = stack.client()
        victim = people[4]
        on_victim = [a for a in _allocations(stack) if a.reviewee_id == victim]
        assert len(on_victim) == 5
        finished, drafting, flaggers = on_victim[0], on_victim[1], on_victim[2:]
        assert (
            client.post(
                f"/v1/tasks/{finished.task_token}/review/submit", json=FULL, headers=stack.auth(finished.reviewer_id)
            ).status_code
            == 200
        )
        assert (
            client.put(
                f"/v1/tasks/{drafting.task_token}/review",
                json={"scores": {"overall": 2}},
                headers=stack.auth(drafting.reviewer_id),
            ).status_code
            == 200
        )
        for a in flaggers:
            resp = client.post(
                f"/v1/tasks/{a.task_token}/flag", json={"reason": "empty"}, headers=stack.auth(a.reviewer_id)
            )
            assert resp.status_code == 200, resp.text

        reasons = {e.data["allocation_id"]: e.data["reason"] for e in stack.outbox(CANCELLED)}
        assert reasons == {**{a.id: "flagged" for a in flaggers}, drafting.id: "submission_withdrawn"}
        assert _status(stack, drafting.id) == "withdrawn" and _status(stack, finished.id) == "active"

        # a rerun drops the victim's own unstarted tasks (it left the review as reviewer too)
        before = len(stack.outbox(CANCELLED))
        run = client.post(f"/v1/rounds/{finished.round_id}/allocate", headers=stack.auth("t", "teacher"))
        assert run.status_code == 200 and run.json()["outcome"] == "allocated", run.text
        dropped = [e.data for e in stack.outbox(CANCELLED)[before:]]
        assert dropped and len(dropped) == run.json()["cancelled"]
        assert {d["reason"] for d in dropped} == {"rerun"}
        assert {d["reviewer_id"] for d in dropped} == {victim}
        assert all(_status(stack, d["allocation_id"]) == "cancelled" for d in dropped)

        # an unchanged rerun cancels nothing
        before = len(stack.outbox(CANCELLED))
        again = client.post(f"/v1/rounds/{finished.round_id}/allocate", headers=stack.auth("t", "teacher"))
        assert again.json()["cancelled"] == 0 and len(stack.outbox(CANCELLED)) == before
