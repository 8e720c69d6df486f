"""Pure rules of webhooks out: payload size and content, retry schedule, address checks."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from peerlab.contracts import Envelope
from peerlab.contracts.events.review import ReviewAllocatedV1
from peerlab.contracts.events.submissions import AssignmentClosedV1, FinalSubmission
from peerlab.gateway.service import ssrf
from peerlab.gateway.service.webhook_payload import build_payload
from peerlab.gateway.service.webhooks import RETRY_DELAYS_S, next_delay_s


def test_payload_of_a_large_event_stays_under_20_kb() -> None:
    finals = [
        FinalSubmission(owner_id=f"s21{i:04d}", submission_id=f"sub-{i:05d}", version=1, sha256="a" * 64)
        for i in range(1000)
    ]
    event = AssignmentClosedV1(
        assignment_id="a-lab-1",
        kind="lab",
        lab_number=1,
        deadline=datetime.now(UTC),
        closed_at=datetime.now(UTC),
        final_submissions=finals,
    )
    envelope = Envelope.wrap(event, source="submissions", subject="a-lab-1", course_id="c")
    body = build_payload(envelope, max_bytes=20 * 1024)
    assert len(body.encode()) <= 20 * 1024
    data = json.loads(body)["data"]
    assert data["truncated"] is True and data["assignment_id"] == "a-lab-1" and "final_submissions" not in data
    small = Envelope.wrap(
        event.model_copy(update={"final_submissions": finals[:3]}),
        source="submissions",
        subject="a-lab-1",
        course_id="c",
    )
    kept = json.loads(build_payload(small, max_bytes=20 * 1024))["data"]["final_submissions"]
    assert kept[0] == {"owner_id": "s210000", "submission_id": "sub-00000", "version": 1}  # no hash


def test_task_tokens_never_leave() -> None:
    event = ReviewAllocatedV1(
        allocation_id="al-1",
        round_id="r-1",
        assignment_id="a-1",
        submission_id="s-1",
        reviewer_id="s210002",
        task_token="secret-token",
        due_at=datetime.now(UTC),
    )
    body = build_payload(Envelope.wrap(event, source="review", subject="al-1", course_id="c"), max_bytes=20480)
    assert "secret-token" not in body and json.loads(body)["type"] == "review.allocated.v1"


def test_retry_schedule_with_jitter() -> None:
    assert RETRY_DELAYS_S == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    rng = random.Random(7)
    for attempts_done, base in enumerate(RETRY_DELAYS_S):
        delays = [next_delay_s(attempts_done, rng=rng) for _ in range(200)]
        assert all(0.9 * base <= d <= 1.1 * base for d in delays)
        if base:
            assert len({round(d, 6) for d in delays}) > 100  # jittered, not constant
    assert next_delay_s(len(RETRY_DELAYS_S)) is None


@pytest.mark.parametrize(
    "address,public",
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:10.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_address_classification(address: str, public: bool) -> None:
    assert ssrf.address_is_public(address) is public
