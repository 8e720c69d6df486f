"""Allocation at the deadline, through the consumer and the database: exact k, only on-time
hand-ins, exclusion groups, infeasible rounds, exactly once, reruns that keep started work."""

import random
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from review_testkit import closed, enrolled, hand_in, lab_assignment, new_event_id, now, run_lab, students

from peerlab.review.allocation import verify
from peerlab.review.service import allocating
from peerlab.review.models import (
    AllocationRow,
    AllocationRunRow,
    ReviewRow,
    RoundRow,
    SubmissionRow,
    TeacherItemRow,
)

pytestmark = pytest.mark.dialect_sensitive  # one allocation per close: constraints and locking


def _active_pairs(stack, round_id=None):
    with stack.session() as s:
        q = s.query(AllocationRow).filter(AllocationRow.status == "active")
        if round_id:
            q = q.filter(AllocationRow.round_id == round_id)
        return [(a.reviewer_id, a.reviewee_id) for a in q]


def _round(stack, n=1):
    with stack.session() as s:
        return s.query(RoundRow).filter(RoundRow.lab_number == n).one()


def test_close_allocates_exactly_k_for_on_time_hand_ins_only(stack):
    deadline = now() - timedelta(minutes=1)
    on_time = students(12)
    late, missing = ["late-1", "late-2"], ["absent-1", "absent-2"]
    for s in missing:
        stack.feed(enrolled(s))
    stack.feed(hand_in("resub-1", 1, at=deadline - timedelta(days=1), kind="resubmission"))
    run_lab(stack, 1, on_time, deadline=deadline, late=late)

    pairs = _active_pairs(stack)
    verify(pairs, on_time, k=3)  # exactly 3 out and 3 in each, no self-review
    people = {p for pair in pairs for p in pair}
    assert people == set(on_time)
    assert not people & {*late, *missing, "resub-1"}

    round_row = _round(stack)
    assert round_row.status == "allocated"
    events = stack.outbox("review.allocated.v1")
    assert len(events) == len(pairs) == 36
    tokens = [e.data["task_token"] for e in events]
    assert len(set(tokens)) == 36 and min(len(t) for t in tokens) >= 24
    with stack.session() as s:
        by_id = {a.id: a for a in s.query(AllocationRow)}
    for e in events:
        row = by_id[e.data["allocation_id"]]
        assert (e.data["reviewer_id"], e.data["submission_id"], e.data["task_token"]) == (
            row.reviewer_id,
            row.submission_id,
            row.task_token,
        )
        assert e.data["lab_number"] == 1 and e.subject == row.id
    expected_due = deadline + timedelta(days=7)
    dues = {datetime.fromisoformat(e.data["due_at"]) for e in events}
    assert len(dues) == 1 and abs((dues.pop() - expected_due).total_seconds()) < 1


def test_exclusion_groups_configured_by_a_teacher_are_respected(stack):
    deadline = now() - timedelta(minutes=1)
    people = students(20)
    groups = [people[0:4], people[4:7], people[7:9]]
    stack.feed(lab_assignment(1, deadline=deadline))
    client = stack.client()
    teacher = stack.auth("teacher-ole", "teacher")
    resp = client.post(
        "/v1/rounds", json={"assignment_id": "a-lab-1", "exclusion_groups": groups, "seed": "fixed"}, headers=teacher
    )
    assert resp.status_code == 200, resp.text  # the round existed (created with the assignment): updated
    assert resp.json()["exclusion_groups"] == [sorted(g) for g in groups]
    for s in people:
        stack.feed(hand_in(s, 1, at=deadline - timedelta(hours=1)))
    stack.feed(closed(1, people, deadline=deadline))
    pairs = _active_pairs(stack)
    group_of = {m: i for i, g in enumerate(groups) for m in g}
    verify(pairs, people, k=3, groups=group_of)
    assert not [p for p in pairs if p[0] in group_of and group_of.get(p[0]) == group_of.get(p[1])]
    # k, seed and groups are fixed once allocated
    round_id = resp.json()["id"]
    assert client.patch(f"/v1/rounds/{round_id}", json={"seed": "other"}, headers=teacher).status_code == 409


def test_four_hundred_submitters_with_random_groups_of_one_to_four(stack):
    deadline = now() - timedelta(minutes=1)
    rng = random.Random(2021)
    people = students(400)
    shuffled = people[:]
    rng.shuffle(shuffled)
    groups, i = [], 0
    while i < len(shuffled):
        size = rng.randint(1, 4)
        groups.append(shuffled[i : i + size])
        i += size
    stack.feed(lab_assignment(1, deadline=deadline))
    client = stack.client()
    resp = client.post(
        "/v1/rounds", json={"assignment_id": "a-lab-1", "exclusion_groups": groups}, headers=stack.auth("t", "teacher")
    )
    assert resp.status_code == 200
    stack.feed(closed(1, people, deadline=deadline))
    group_of = {m: gi for gi, g in enumerate(groups) for m in g}
    pairs = _active_pairs(stack)
    verify(pairs, people, k=3, groups=group_of)
    assert Counter(a for a, _ in pairs) == Counter({p: 3 for p in people})
    assert len(stack.outbox("review.allocated.v1")) == 1200


@pytest.mark.parametrize(
    ("n", "groups", "reason"),
    [(3, None, "too_few_submitters"), (6, [[0, 1, 2, 3]], "group_too_large")],
)
def test_infeasible_rounds_are_marked_failed_with_a_reason_and_nothing_is_allocated(stack, n, groups, reason):
    deadline = now() - timedelta(minutes=1)
    people = students(n)
    stack.feed(lab_assignment(1, deadline=deadline))
    if groups:
        client = stack.client()
        body = {"assignment_id": "a-lab-1", "exclusion_groups": [[people[i] for i in g] for g in groups]}
        assert client.post("/v1/rounds", json=body, headers=stack.auth("t", "teacher")).status_code == 200
    stack.feed(closed(1, people, deadline=deadline))
    round_row = _round(stack)
    assert (round_row.status, round_row.failure_reason_code) == ("allocation_failed", reason)
    assert round_row.failure_message
    assert stack.count(AllocationRow) == 0
    assert stack.outbox("review.allocated.v1") == []
    failed = stack.outbox("review.allocation_failed.v1")
    assert [(e.data["reason_code"], e.data["round_id"]) for e in failed] == [(reason, round_row.id)]
    assert stack.count(TeacherItemRow, TeacherItemRow.kind == "allocation_failed") == 1
    # a duplicate close does not report it twice
    stack.feed(closed(1, people, deadline=deadline), event_id=new_event_id())
    assert len(stack.outbox("review.allocation_failed.v1")) == 1


def test_a_lab_nobody_handed_in_allocates_nothing_and_raises_no_teacher_item(stack):
    """Zero on-time hand-ins is not a failure: the round is allocated with no tasks, no
    review.allocation_failed is published and the teacher queue stays empty."""
    deadline = now() - timedelta(minutes=1)
    stack.feed(lab_assignment(1, deadline=deadline))
    stack.feed(closed(1, [], deadline=deadline))
    round_row = _round(stack)
    assert (round_row.status, round_row.failure_reason_code) == ("allocated", None)
    assert stack.count(AllocationRow) == 0
    assert stack.outbox("review.allocation_failed.v1") == []
    assert stack.count(TeacherItemRow) == 0
    runs = stack.client().get(f"/v1/rounds/{round_row.id}/runs", headers=stack.auth("t", "teacher")).json()
    assert [(r["outcome"], r["method"], r["submitters"], r["added"]) for r in runs] == [("allocated", "empty", 0, 0)]


def test_a_teacher_fixes_a_failed_round_and_reruns_it(stack):
    deadline = now() - timedelta(minutes=1)
    people = students(6)
    stack.feed(lab_assignment(1, deadline=deadline))
    client = stack.client()
    teacher = stack.auth("t", "teacher")
    created = client.post(
        "/v1/rounds", json={"assignment_id": "a-lab-1", "exclusion_groups": [people[:4]]}, headers=teacher
    ).json()
    stack.feed(closed(1, people, deadline=deadline))
    assert _round(stack).status == "allocation_failed"
    assert (
        client.patch(
            f"/v1/rounds/{created['id']}", json={"exclusion_groups": [people[:2]]}, headers=teacher
        ).status_code
        == 200
    )
    run = client.post(f"/v1/rounds/{created['id']}/allocate", headers=teacher)
    assert run.status_code == 200, run.text
    assert (run.json()["outcome"], run.json()["run_no"], run.json()["added"]) == ("allocated", 2, 18)
    assert _round(stack).status == "allocated"
    verify(_active_pairs(stack), people, k=3, groups={people[0]: "g", people[1]: "g"})
    assert client.post(f"/v1/rounds/{created['id']}/allocate", headers=stack.auth("s", "student")).status_code == 403


def test_duplicate_close_events_allocate_once(stack):
    deadline = now() - timedelta(minutes=1)
    people = students(10)
    run_lab(stack, 1, people, deadline=deadline)
    first = stack.count(AllocationRow)
    again = closed(1, people, deadline=deadline)
    assert stack.feed(again, event_id=new_event_id()) == "handled"  # a second close under another id
    event_id = new_event_id()
    assert stack.feed(again, event_id=event_id) == "handled"
    assert stack.feed(again, event_id=event_id) == "duplicate"  # the same envelope redelivered
    assert stack.count(AllocationRow) == first == 30
    assert stack.count(AllocationRunRow) == 1
    assert len(stack.outbox("review.allocated.v1")) == 30


def test_concurrent_close_events_allocate_once(stack):
    deadline = now() - timedelta(minutes=1)
    people = students(60)
    stack.feed(lab_assignment(1, deadline=deadline))
    for s in people:
        stack.feed(hand_in(s, 1, at=deadline - timedelta(hours=1)))
    raws = [stack.envelope(closed(1, people, deadline=deadline), subject="a-lab-1").to_bytes() for _ in range(4)]
    barrier = threading.Barrier(len(raws))
    results: list[str] = []

    def deliver(raw: bytes) -> None:
        barrier.wait(timeout=10)
        results.append(stack.feed_raw(raw))

    threads = [threading.Thread(target=deliver, args=(raw,)) for raw in raws]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == ["handled"] * 4
    assert stack.count(AllocationRunRow) == 1
    assert stack.count(AllocationRow) == 180
    assert len(stack.outbox("review.allocated.v1")) == 180
    verify(_active_pairs(stack), people, k=3)


def test_the_claim_row_refuses_a_second_first_run_that_raced_past_the_check(stack):
    """The window the claim closes: B checked (no run yet), then A allocated and committed."""
    deadline = now() - timedelta(minutes=1)
    people = students(8)
    stack.feed(lab_assignment(1, deadline=deadline))
    for s in people:
        stack.feed(hand_in(s, 1, at=deadline - timedelta(hours=1)))
    stack.feed(closed(1, people, deadline=deadline))  # A: run 1 committed
    with stack.session() as s:
        round_row = s.query(RoundRow).one()
        with pytest.raises(IntegrityError):
            allocating.run_allocation(
                s,
                round_row=round_row,
                trigger="assignment_closed",
                triggered_by="B",
                course_id="c",
                now=now(),
                run_no=1,
            )
        s.rollback()
    assert stack.count(AllocationRunRow) == 1
    assert stack.count(AllocationRow) == 24


def test_a_rerun_keeps_started_and_finished_reviews_and_fills_the_gaps(stack):
    deadline = now() - timedelta(minutes=1)
    people = students(10)
    run_lab(stack, 1, people, deadline=deadline)
    client = stack.client()
    round_id = _round(stack).id
    teacher = stack.auth("t", "teacher")

    # an unchanged round: a rerun adds and cancels nothing and publishes nothing
    events_before = len(stack.outbox("review.allocated.v1"))
    same = client.post(f"/v1/rounds/{round_id}/allocate", headers=teacher).json()
    assert (same["added"], same["cancelled"], same["kept"]) == (0, 0, 30)
    assert len(stack.outbox("review.allocated.v1")) == events_before

    with stack.session() as s:
        allocations = s.query(AllocationRow).order_by(AllocationRow.reviewer_id, AllocationRow.reviewee_id).all()
    victim = "s210003"
    # two reviews are under way: one submitted, one drafted (neither touches the victim)
    started = [a for a in allocations if victim not in (a.reviewer_id, a.reviewee_id)][:2]
    body = {"scores": {"overall": 4}, "answers": {"strengths": "clear", "improvements": "plots"}}
    r = client.post(
        f"/v1/tasks/{started[0].task_token}/review/submit", json=body, headers=stack.auth(started[0].reviewer_id)
    )
    assert r.status_code == 200, r.text
    assert (
        client.put(
            f"/v1/tasks/{started[1].task_token}/review",
            json={"scores": {"overall": 2}},
            headers=stack.auth(started[1].reviewer_id),
        ).status_code
        == 200
    )
    # the victim's hand-in is flagged by its three reviewers and leaves the review
    for a in [a for a in allocations if a.reviewee_id == victim]:
        resp = client.post(
            f"/v1/tasks/{a.task_token}/flag", json={"reason": "empty"}, headers=stack.auth(a.reviewer_id)
        )
        assert resp.status_code == 200, resp.text
    with stack.session() as s:
        assert s.get(SubmissionRow, f"s-1-{victim}").withdrawn_from_review is True

    run = client.post(f"/v1/rounds/{round_id}/allocate", headers=teacher)
    assert run.status_code == 200 and run.json()["outcome"] == "allocated", run.text
    pool = [p for p in people if p != victim]
    with stack.session() as s:
        active = s.query(AllocationRow).filter(AllocationRow.status == "active").all()
        kept = {a.id: a for a in active}
        reviews = s.query(ReviewRow).count()
    for a in started:  # the same task, the same token, still active
        assert a.id in kept and kept[a.id].task_token == a.task_token
    among_pool = [(a.reviewer_id, a.reviewee_id) for a in active if a.reviewer_id in pool and a.reviewee_id in pool]
    verify(among_pool, pool, k=3)
    assert reviews == 2
