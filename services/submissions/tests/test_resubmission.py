"""Resubmission to the teacher: only for a student whose lab was failed (lab.verdict_set.v1 from
review, kept as a projection); read by the owner and teachers only, never by peers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.contracts import Envelope
from peerlab.contracts.events.review import LabVerdictSetV1, ReviewAllocatedV1
from peerlab.submissions.events.handlers import consumer_spec


def _deliver(stack, event):
    runner = ConsumerRunner(
        consumer_spec(), engine=stack.client.app.state.engine, bootstrap=stack.settings.kafka_bootstrap
    )
    raw = Envelope.wrap(event, source="review", subject="x", course_id=stack.settings.course_id).to_bytes()
    assert runner.handle_message(raw, stop=threading.Event()) == "handled"


def _verdict(student, verdict, at):
    return LabVerdictSetV1(
        student_id=student,
        assignment_id="lab-1",
        lab_number=1,
        verdict=verdict,
        origin="teacher",
        set_by="teacher-1",
        set_at=at,
    )


def test_only_a_failed_student_may_resubmit_and_only_teachers_read_it(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1, opens_in_s=-7200, deadline_in_s=-3600)
    stack.assignment("resub-1", kind="resubmission", resubmits_assignment_id="lab-1")
    now = datetime.now(UTC)
    _deliver(stack, _verdict("failed", "fail", now))
    _deliver(stack, _verdict("passed", "pass", now))
    # an older verdict arriving late does not override the newer one
    _deliver(stack, _verdict("passed", "fail", now - timedelta(days=1)))
    ok = stack.hand_in("resub-1", "failed", make_notebook())
    assert ok.status_code == 201, ok.text
    for student in ("passed", "nobody"):
        r = stack.hand_in("resub-1", student, make_notebook())
        assert (r.status_code, r.json()["code"]) == (403, "not_allowed")
    event = stack.outbox("submission.received.v1")[-1]
    assert (event.data["assignment_kind"], event.data["resubmits_assignment_id"]) == ("resubmission", "lab-1")
    sid = ok.json()["submission"]["id"]
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.teacher).status_code == 200
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("ta-1", "ta")).status_code == 404
    assert stack.client.get(f"/v1/submissions/{sid}", headers=stack.auth("failed")).status_code == 200
    # even a (wrongly) allocated peer gets nothing
    _deliver(
        stack,
        ReviewAllocatedV1(
            allocation_id="al-9",
            round_id="r",
            assignment_id="resub-1",
            submission_id=sid,
            reviewer_id="peer",
            task_token="tok",
            due_at=now,
        ),
    )
    assert stack.client.get(f"/v1/submissions/{sid}/anonymised", headers=stack.auth("peer")).status_code == 403


def test_a_later_pass_closes_the_resubmission_door(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1, opens_in_s=-7200, deadline_in_s=-3600)
    stack.assignment("resub-1", kind="resubmission", resubmits_assignment_id="lab-1")
    now = datetime.now(UTC)
    _deliver(stack, _verdict("s1", "fail", now - timedelta(hours=1)))
    _deliver(stack, _verdict("s1", "pass", now))
    r = stack.hand_in("resub-1", "s1", make_notebook())
    assert (r.status_code, r.json()["code"]) == (403, "not_allowed")
