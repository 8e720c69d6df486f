"""A cancelled review task (``review.allocation_cancelled.v1``) revokes its reviewer's anonymised
copy; the other reviewers of the same hand-in keep theirs. Events go through the real consumer
runner and inbox over the real database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.contracts import Envelope, EventData
from peerlab.contracts.events.review import ReviewAllocatedV1, ReviewAllocationCancelledV1
from peerlab.submissions.events.handlers import consumer_spec
from peerlab.submissions.models import Allocation


def _raw(stack, event: EventData, subject: str) -> bytes:
    return Envelope.wrap(event, source="review", subject=subject, course_id=stack.settings.course_id).to_bytes()


def _deliver(stack, raw: bytes) -> str:
    runner = ConsumerRunner(
        consumer_spec(), engine=stack.client.app.state.engine, bootstrap=stack.settings.kafka_bootstrap
    )
    return runner.handle_message(raw, stop=threading.Event())


def _allocated(allocation_id: str, submission_id: str, reviewer: str, token: str) -> ReviewAllocatedV1:
    return ReviewAllocatedV1(
        allocation_id=allocation_id,
        round_id="r-1",
        assignment_id="lab-1",
        submission_id=submission_id,
        reviewer_id=reviewer,
        task_token=token,
        due_at=datetime.now(UTC),
    )


def _cancelled(
    allocation_id: str, submission_id: str, reviewer: str, token: str, reason: str = "flagged"
) -> ReviewAllocationCancelledV1:
    return ReviewAllocationCancelledV1(
        allocation_id=allocation_id,
        round_id="r-1",
        assignment_id="lab-1",
        submission_id=submission_id,
        reviewer_id=reviewer,
        task_token=token,
        reason=reason,
        cancelled_at=datetime.now(UTC),
    )


def _copy(stack, submission_id: str, reviewer: str):
    return stack.client.get(f"/v1/submissions/{submission_id}/anonymised", headers=stack.auth(reviewer))


def test_a_cancelled_task_loses_the_copy_and_the_other_reviewers_keep_theirs(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    sid = stack.hand_in("lab-1", "alice", make_notebook()).json()["submission"]["id"]
    for allocation_id, reviewer, token in (("al-1", "bob", "tokBob"), ("al-2", "dave", "tokDave")):
        assert _deliver(stack, _raw(stack, _allocated(allocation_id, sid, reviewer, token), allocation_id)) == "handled"
    assert _copy(stack, sid, "bob").status_code == 200
    assert _copy(stack, sid, "dave").json()["file_name"] == "EXE_tokDave.ipynb"

    cancel = _raw(stack, _cancelled("al-1", sid, "bob", "tokBob"), "al-1")
    assert _deliver(stack, cancel) == "handled"

    refused, never = _copy(stack, sid, "bob"), _copy(stack, sid, "erin")  # erin was never allocated
    assert refused.status_code == never.status_code == 403
    assert refused.json()["code"] == never.json()["code"]
    assert refused.headers["content-type"].startswith("application/problem+json")
    kept = _copy(stack, sid, "dave")
    assert kept.status_code == 200 and kept.json()["file_name"] == "EXE_tokDave.ipynb"
    with stack.session() as session:
        assert session.get(Allocation, "al-1") is None and session.get(Allocation, "al-2") is not None


def test_each_reason_revokes_and_an_unknown_allocation_is_harmless(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    sid = stack.hand_in("lab-1", "alice", make_notebook()).json()["submission"]["id"]
    reviewers = {"rerun": "bob", "flagged": "carol", "submission_withdrawn": "dave"}
    for reviewer in reviewers.values():
        _deliver(stack, _raw(stack, _allocated(f"al-{reviewer}", sid, reviewer, f"t{reviewer}"), f"al-{reviewer}"))
    for reason, reviewer in reviewers.items():
        raw = _raw(stack, _cancelled(f"al-{reviewer}", sid, reviewer, f"t{reviewer}", reason), f"al-{reviewer}")
        assert _deliver(stack, raw) == "handled"
        assert _copy(stack, sid, reviewer).status_code == 403, reason
    assert _deliver(stack, _raw(stack, _cancelled("al-unknown", sid, "erin", "tErin"), "al-unknown")) == "handled"


def test_a_redelivered_cancellation_has_one_effect(stack, make_notebook):
    """A rerun may reinstate a dropped task (same allocation and token, allocated again); the
    earlier cancellation, delivered once more, must not take it away again."""
    stack.assignment("lab-1", lab_number=1)
    sid = stack.hand_in("lab-1", "alice", make_notebook()).json()["submission"]["id"]
    assert _deliver(stack, _raw(stack, _allocated("al-1", sid, "bob", "tokBob"), "al-1")) == "handled"
    cancel = _raw(stack, _cancelled("al-1", sid, "bob", "tokBob", "rerun"), "al-1")
    assert _deliver(stack, cancel) == "handled"
    assert _deliver(stack, cancel) == "duplicate"
    assert _copy(stack, sid, "bob").status_code == 403

    assert _deliver(stack, _raw(stack, _allocated("al-1", sid, "bob", "tokBob"), "al-1")) == "handled"
    assert _copy(stack, sid, "bob").status_code == 200
    assert _deliver(stack, cancel) == "duplicate"
    link = _copy(stack, sid, "bob")
    assert link.status_code == 200 and link.json()["file_name"] == "EXE_tokBob.ipynb"
