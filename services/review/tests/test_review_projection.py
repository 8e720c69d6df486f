"""The projection of the submissions events, fed through the real ConsumerRunner and inbox."""

from datetime import timedelta

import pytest
from review_testkit import (
    closed,
    enrolled,
    hand_in,
    lab_assignment,
    now,
    resubmission_assignment,
    withdrawal,
)

from peerlab.chassis.inbox import InboxEntry
from peerlab.review.models import AssignmentRow, RoundRow, StudentRow, SubmissionRow, TeacherItemRow

pytestmark = pytest.mark.dialect_sensitive  # datetimes with offsets stored and read back


def test_a_received_submission_is_recorded_via_the_inbox_and_readable_through_the_api(stack):
    deadline = now() + timedelta(days=2)
    data = hand_in("s210001", 1, at=deadline - timedelta(hours=3))
    assert stack.feed(data, subject=data.submission_id) == "handled"
    assert stack.count(InboxEntry, InboxEntry.event_type == "submission.received.v1") == 1

    client = stack.client()
    own = client.get(f"/v1/submissions/{data.submission_id}", headers=stack.auth("s210001"))
    assert own.status_code == 200, own.text
    body = own.json()
    assert (body["owner_id"], body["assignment_id"], body["version"], body["on_time"]) == (
        "s210001",
        "a-lab-1",
        1,
        True,
    )
    staff = client.get(
        "/v1/submissions", params={"ids": f"{data.submission_id},nope"}, headers=stack.auth("ta-1", "ta")
    )
    assert [s["submission_id"] for s in staff.json()] == [data.submission_id]
    other = client.get(f"/v1/submissions/{data.submission_id}", headers=stack.auth("s210002"))
    assert other.status_code == 404
    assert (
        client.get("/v1/submissions", params={"ids": data.submission_id}, headers=stack.auth("s210002")).status_code
        == 403
    )


def test_duplicate_delivery_has_one_effect(stack):
    data = hand_in("s210001", 1, at=now())
    event_id = "fixed-event-id-1"
    assert stack.feed(data, event_id=event_id) == "handled"
    assert stack.feed(data, event_id=event_id) == "duplicate"
    assert stack.count(SubmissionRow) == 1
    assert stack.count(InboxEntry) == 1


def test_an_older_version_arriving_late_changes_nothing(stack):
    at = now()
    stack.feed(hand_in("s1", 1, at=at, version=2))
    stack.feed(hand_in("s1", 1, at=at - timedelta(hours=1), version=1))
    with stack.session() as s:
        assert s.get(SubmissionRow, "s-1-s1").version == 2


def test_withdrawal_and_roster(stack):
    at = now()
    stack.feed(hand_in("s1", 1, at=at))
    stack.feed(withdrawal("s1", 1, at=at + timedelta(minutes=5)))
    stack.feed(enrolled("s2"))
    with stack.session() as s:
        assert s.get(SubmissionRow, "s-1-s1").withdrawn is True
        assert {r.student_id for r in s.query(StudentRow)} == {"s1", "s2"}


def test_a_lab_assignment_gets_a_round_with_the_defaults_and_its_window_follows_the_deadline(stack):
    deadline = now() + timedelta(days=3)
    stack.feed(lab_assignment(2, deadline=deadline))
    with stack.session() as s:
        row = s.query(RoundRow).one()
        assert (row.k, row.window_days, row.peer_grading_required, row.status) == (3, 7, False, "configured")
        first_close = row.review_closes_at
    moved = deadline + timedelta(days=1)
    stack.feed(lab_assignment(2, deadline=moved))
    with stack.session() as s:
        row = s.query(RoundRow).one()
        assert row.review_closes_at != first_close
        assert abs((row.review_closes_at - (moved + timedelta(days=7))).total_seconds()) < 1
    stack.feed(resubmission_assignment(2, deadline=deadline + timedelta(days=30)))
    assert stack.count(RoundRow) == 1  # resubmissions get no peer review round


def test_a_resubmission_goes_to_the_teacher_queue_once(stack):
    data = hand_in("s1", 3, at=now(), kind="resubmission")
    stack.feed(data, event_id="resub-1")
    stack.feed(data, event_id="resub-1-redelivered-under-a-new-id")
    with stack.session() as s:
        items = s.query(TeacherItemRow).all()
    assert [(i.kind, i.student_id, i.lab_number) for i in items] == [("resubmission", "s1", 3)]


def test_a_close_event_arriving_before_the_hand_in_events_still_records_the_final_hand_ins(stack):
    deadline = now() - timedelta(minutes=1)
    stack.feed(lab_assignment(1, deadline=deadline))
    stack.feed(closed(1, ["a", "b", "c", "d", "e"], deadline=deadline))
    with stack.session() as s:
        rows = s.query(SubmissionRow).all()
    assert sorted(r.owner_id for r in rows if r.final and r.on_time) == ["a", "b", "c", "d", "e"]
    late = hand_in("a", 1, at=deadline - timedelta(hours=2))  # the received event, delivered after the close
    stack.feed(late)
    with stack.session() as s:
        assert s.get(SubmissionRow, "s-1-a").final is True


def test_times_with_an_offset_are_stored_as_the_same_instant(stack):
    from datetime import timezone

    copenhagen = timezone(timedelta(hours=2))
    deadline = (now() + timedelta(days=1)).astimezone(copenhagen)
    stack.feed(lab_assignment(1, deadline=deadline))
    with stack.session() as s:
        stored = s.get(AssignmentRow, "a-lab-1").deadline
    assert stored.tzinfo == timezone.utc and abs((stored - deadline).total_seconds()) < 1
