"""Broker down: hand-ins are still accepted; their events wait in the outbox and are consumed by
review once the broker is back. Real processes; the broker process is really stopped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_walking_skeleton import notebook_bytes, wait_for

STACK = ["submissions", "review"]
DURABLE_BROKER = True


def test_hand_ins_accepted_while_broker_down_arrive_after_restart(stack):
    now = datetime.now(UTC)
    with stack.client("submissions", "teacher-ole", "teacher") as teacher:
        assert teacher.put(
            "/v1/assignments/outage-lab-2",
            json={
                "kind": "lab",
                "lab_number": 2,
                "title": "Lab 2",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "deadline": (now + timedelta(hours=2)).isoformat(),
            },
        ).status_code in (200, 201)
    # The assignment's own event must be through before the outage, so review knows the lab.
    review = stack.client("review", "teacher-ole", "teacher")
    stack.broker.stop()
    try:
        submission_ids = []
        for student in ("s210011", "s210012", "s210013"):
            with stack.client("submissions", student, "student") as client:
                accepted = client.post(
                    "/v1/assignments/outage-lab-2/submissions",
                    params={"file_name": "lab2-EXE.ipynb"},
                    content=notebook_bytes(),
                    headers={"content-type": "application/octet-stream"},
                )
                assert accepted.status_code == 201, accepted.text
                submission_ids.append(accepted.json()["submission"]["id"])
        assert all(review.get(f"/v1/submissions/{sid}").status_code == 404 for sid in submission_ids)
    finally:
        stack.broker.start()
    for sid in submission_ids:
        recorded = wait_for(
            lambda sid=sid: (r := review.get(f"/v1/submissions/{sid}")).status_code == 200 and r.json(), timeout_s=90
        )
        assert recorded["assignment_id"] == "outage-lab-2"
    review.close()
