"""LMS webhooks out, against a real HTTP receiver on loopback that verifies with standardwebhooks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.chassis.db import make_engine, unit_of_work
from peerlab.contracts import Envelope
from peerlab.contracts.events.grades import GradeFinalisedV1, GradesReleasedV1
from peerlab.contracts.events.projects import SynopsisCommentedV1
from peerlab.contracts.events.review import LabVerdictSetV1
from peerlab.contracts.events.submissions import SubmissionReceivedV1
from peerlab.gateway import repository
from peerlab.gateway.events.handlers import webhook_consumer_spec
from peerlab.gateway.models import WebhookDelivery
from peerlab.gateway.service.dispatch import WebhookDispatcher


def _received(n: int = 1) -> Envelope:
    event = SubmissionReceivedV1(
        submission_id=f"s-{n:04d}",
        assignment_id="a-lab-1",
        assignment_kind="lab",
        lab_number=1,
        owner_id="s210001",
        submitted_by="s210001",
        version=1,
        file_name="ada-lovelace-EXE.ipynb",
        size=1234,
        sha256="ab" * 32,
        received_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="submissions", subject=f"s-{n:04d}", course_id="02456-2021")


def _verdict() -> Envelope:
    event = LabVerdictSetV1(
        student_id="s210001",
        assignment_id="a-lab-1",
        lab_number=1,
        verdict="pass",
        set_by="t-ole",
        set_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="review", subject="s210001", course_id="02456-2021")


def _finalised(student_id: str, course_id: str = "02456-2021") -> Envelope:
    event = GradeFinalisedV1(
        student_id=student_id,
        group_id="g-1",
        grade="10",
        how="agreed",
        decided_by=["e-1", "e-2"],
        finalised_at=datetime.now(UTC),
    )
    return Envelope.wrap(event, source="scheduling", subject=student_id, course_id=course_id)


def _released(course_id: str = "02456-2021") -> Envelope:
    event = GradesReleasedV1(final_grades=2, released_at=datetime.now(UTC))
    return Envelope.wrap(event, source="scheduling", subject=course_id, course_id=course_id)


class Harness:
    """The app for registration, plus the webhook consumer and dispatcher driven step by step."""

    def __init__(self, client, settings, admin_headers) -> None:
        self.client, self.settings, self.admin = client, settings, admin_headers
        self.engine = make_engine(settings)
        self.runner = ConsumerRunner(
            webhook_consumer_spec(settings), engine=self.engine, bootstrap=settings.kafka_bootstrap
        )
        self.dispatcher = WebhookDispatcher(self.engine, settings)

    def register(self, url: str, **body) -> dict:
        response = self.client.post("/v1/webhooks/endpoints", json={"url": url, **body}, headers=self.admin)
        assert response.status_code == 201, response.text
        return response.json()

    def publish(self, envelope: Envelope) -> None:
        assert self.runner.handle_message(envelope.to_bytes(), stop=threading.Event()) == "handled"

    def deliveries(self, endpoint_id: str) -> list[WebhookDelivery]:
        with Session(self.engine) as session:
            return repository.list_deliveries(session, endpoint_id=endpoint_id)

    def make_due(self) -> None:
        """Time travel: every pending delivery is due now (instead of waiting out the backoff)."""
        with unit_of_work(self.engine) as session:
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.status == "pending")
                .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
            )

    def delivery_log(self, delivery_id: str) -> dict:
        return self.client.get(f"/v1/webhooks/deliveries/{delivery_id}", headers=self.admin).json()

    def close(self) -> None:
        self.dispatcher.pool.shutdown()
        self.engine.dispose()


@pytest.fixture
def harness(client, settings, auth):
    h = Harness(client, settings, auth("t-admin", "admin"))
    yield h
    h.close()


def test_delivery_is_signed_and_verifies_and_a_flipped_byte_does_not(harness, receiver) -> None:
    endpoint = harness.register(receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    harness.publish(_received())
    assert harness.dispatcher.run_once() == 1
    [request] = receiver.requests
    payload = Webhook(endpoint["secret"]).verify(request["body"], request["headers"])
    assert payload["type"] == "submission.received.v1"
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["data"]["submission_id"] == "s-0001"
    assert "file_name" not in payload["data"] and "sha256" not in payload["data"]  # no personal data
    assert len(request["body"]) <= 20 * 1024
    flipped = bytearray(request["body"])
    flipped[len(flipped) // 2] ^= 0x01
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(bytes(flipped), request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJD" * 8).verify(request["body"], request["headers"])
    [delivery] = harness.deliveries(endpoint["id"])
    assert delivery.status == "succeeded"
    log = harness.delivery_log(delivery.id)
    assert log["attempt_log"][0]["status_code"] == 204 and log["attempt_log"][0]["outcome"] == "success"


def test_a_retry_after_the_clock_moved_is_signed_afresh(harness, receiver) -> None:
    """The first attempt goes out at T-10 min and fails; the retry at T carries T, not T-10 min, and
    verifies with standardwebhooks (whose tolerance is 5 minutes). Only the webhook id is kept."""
    clock_offset = [timedelta(minutes=-10)]
    harness.dispatcher.clock = lambda: datetime.now(UTC) + clock_offset[0]
    endpoint = harness.register(receiver.url)
    receiver.script = [(503, {}, 0.0), (204, {}, 0.0)]
    harness.publish(_received())
    assert harness.dispatcher.run_once() == 1
    clock_offset[0] = timedelta(0)  # ten minutes later
    harness.make_due()
    assert harness.dispatcher.run_once() == 1
    first, retry = receiver.requests
    assert first["headers"]["webhook-id"] == retry["headers"]["webhook-id"]
    assert int(retry["headers"]["webhook-timestamp"]) - int(first["headers"]["webhook-timestamp"]) >= 590
    assert first["headers"]["webhook-signature"] != retry["headers"]["webhook-signature"]
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(endpoint["secret"]).verify(first["body"], first["headers"])
    Webhook(endpoint["secret"]).verify(retry["body"], retry["headers"])
    [delivery] = harness.deliveries(endpoint["id"])
    assert delivery.status == "succeeded"


def test_retries_keep_the_webhook_id_until_2xx(harness, receiver) -> None:
    endpoint = harness.register(receiver.url)
    receiver.script = [(500, {}, 0.0), (302, {"location": receiver.url + "/elsewhere"}, 0.0), (200, {}, 0.0)]
    harness.publish(_received())
    harness.dispatcher.run_once()
    [delivery] = harness.deliveries(endpoint["id"])
    assert delivery.status == "pending" and delivery.attempts == 1
    wait = (delivery.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 3.5 <= wait <= 5.6  # the second try is about 5 s later (±10 % jitter)
    assert harness.dispatcher.run_once() == 0  # not due yet
    harness.make_due()
    harness.dispatcher.run_once()  # 302: a failure, and not followed
    assert len(receiver.requests) == 2 and all(r["path"] == "/hooks" for r in receiver.requests)
    harness.make_due()
    harness.dispatcher.run_once()
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1
    for request in receiver.requests:
        Webhook(endpoint["secret"]).verify(request["body"], request["headers"])
    log = harness.delivery_log(delivery.id)
    assert log["status"] == "succeeded"
    assert [(a["status_code"], a["outcome"]) for a in log["attempt_log"]] == [
        (500, "http_error"),
        (302, "redirect"),
        (200, "success"),
    ]
    assert all(a["duration_ms"] >= 0 for a in log["attempt_log"])


def test_410_disables_the_endpoint_and_tells_admins(harness, receiver) -> None:
    endpoint = harness.register(receiver.url)
    receiver.default = (410, {}, 0.0)
    harness.publish(_received(1))
    harness.dispatcher.run_once()
    state = harness.client.get(f"/v1/webhooks/endpoints/{endpoint['id']}", headers=harness.admin).json()
    assert state["enabled"] is False and state["disabled_reason"] == "gone"
    notices = harness.client.get("/v1/webhooks/notices", headers=harness.admin).json()
    assert notices[0]["kind"] == "webhook_endpoint_disabled" and notices[0]["ref"] == endpoint["id"]
    harness.publish(_received(2))  # a disabled endpoint gets nothing new
    assert harness.dispatcher.run_once() == 0 and len(receiver.requests) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(harness, receiver, status) -> None:
    endpoint = harness.register(receiver.url)
    receiver.script = [(status, {"retry-after": "120"}, 0.0)]
    harness.publish(_received())
    harness.dispatcher.run_once()
    [delivery] = harness.deliveries(endpoint["id"])
    wait = (delivery.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 110 <= wait <= 121


def test_event_type_filter(harness, receiver) -> None:
    endpoint = harness.register(receiver.url, event_types=["lab.verdict_set.v1"])
    harness.publish(_received())
    harness.publish(_verdict())
    harness.dispatcher.run_once()
    assert [r["headers"]["webhook-id"] for r in receiver.requests] and len(receiver.requests) == 1
    assert (
        Webhook(endpoint["secret"]).verify(receiver.requests[0]["body"], receiver.requests[0]["headers"])["type"]
        == "lab.verdict_set.v1"
    )
    bad = harness.client.post(
        "/v1/webhooks/endpoints", json={"url": receiver.url, "event_types": ["nope.v1"]}, headers=harness.admin
    )
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_event_type"


def test_a_supervisors_verdict_on_a_synopsis_reaches_a_subscriber(harness, receiver) -> None:
    """``synopsis.commented.v1`` is in the catalogue and forwarded with what mailing the group needs."""
    types = harness.client.get("/v1/webhooks/event-types", headers=harness.admin).json()
    assert "synopsis.commented.v1" in types
    endpoint = harness.register(receiver.url, event_types=["synopsis.commented.v1"])
    at = datetime(2021, 11, 9, 10, 0, tzinfo=UTC)
    event = SynopsisCommentedV1(
        comment_id="c-1",
        group_id="g-17",
        submission_id="sub-41",
        version=2,
        verdict="changes_requested",
        commenter_id="blia",
        commented_at=at,
    )
    harness.publish(Envelope.wrap(event, source="projects", subject="g-17", course_id="02456-2021"))
    harness.dispatcher.run_once()
    [request] = receiver.requests
    data = Webhook(endpoint["secret"]).verify(request["body"], request["headers"])["data"]
    assert {k: data[k] for k in ("group_id", "submission_id", "version", "verdict", "commenter_id")} == {
        "group_id": "g-17",
        "submission_id": "sub-41",
        "version": 2,
        "verdict": "changes_requested",
        "commenter_id": "blia",
    }
    assert datetime.fromisoformat(data["commented_at"]) == at


def test_manual_redelivery_and_recover_since_keep_the_id(harness, receiver) -> None:
    endpoint = harness.register(receiver.url)
    harness.publish(_received(1))
    harness.dispatcher.run_once()
    [delivery] = harness.deliveries(endpoint["id"])
    again = harness.client.post(f"/v1/webhooks/deliveries/{delivery.id}/redeliver", headers=harness.admin)
    assert again.status_code == 200 and again.json()["status"] == "pending"
    harness.dispatcher.run_once()
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1 and len(receiver.requests) == 2
    # Make one fail for good, then recover everything failed since a time before it.
    since = datetime.now(UTC) - timedelta(minutes=1)
    with unit_of_work(harness.engine) as session:
        session.execute(update(WebhookDelivery).values(status="failed", next_attempt_at=None))
    recovered = harness.client.post(
        f"/v1/webhooks/endpoints/{endpoint['id']}/recover", json={"since": since.isoformat()}, headers=harness.admin
    )
    assert recovered.json() == {"queued": 1}
    harness.dispatcher.run_once()
    assert len(receiver.requests) == 3 and len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1


def test_secret_rotation_signs_with_both_during_the_overlap(harness, receiver) -> None:
    endpoint = harness.register(receiver.url)
    rotated = harness.client.post(
        f"/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret", json={}, headers=harness.admin
    ).json()
    assert rotated["secret"] != endpoint["secret"] and rotated["previous_secret_until"]
    harness.publish(_received())
    harness.dispatcher.run_once()
    [request] = receiver.requests
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(rotated["secret"]).verify(request["body"], request["headers"])
    Webhook(endpoint["secret"]).verify(request["body"], request["headers"])


def test_timeout_counts_as_a_failure(make_settings, receiver, auth) -> None:
    from fastapi.testclient import TestClient

    from peerlab.gateway.main import create_app

    settings = make_settings(webhook_timeout_s=0.3)
    with TestClient(create_app(settings)) as client:
        harness = Harness(client, settings, auth("t-admin", "admin"))
        endpoint = harness.register(receiver.url)
        receiver.script = [(200, {}, 1.0)]
        harness.publish(_received())
        harness.dispatcher.run_once()
        [delivery] = harness.deliveries(endpoint["id"])
        log = harness.delivery_log(delivery.id)
        assert log["attempt_log"][0]["outcome"] == "timeout" and log["status"] == "pending"
        harness.close()


def test_endpoint_failing_for_too_long_is_disabled(make_settings, receiver, auth) -> None:
    from fastapi.testclient import TestClient

    from peerlab.gateway.main import create_app

    settings = make_settings(webhook_disable_after_days=0.5 / 86400)  # half a second of failures
    with TestClient(create_app(settings)) as client:
        harness = Harness(client, settings, auth("t-admin", "admin"))
        endpoint = harness.register(receiver.url)
        receiver.default = (500, {}, 0.0)
        harness.publish(_received())
        harness.dispatcher.run_once()
        assert (
            harness.client.get(f"/v1/webhooks/endpoints/{endpoint['id']}", headers=harness.admin).json()["enabled"]
            is True
        )
        import time

        time.sleep(0.6)
        harness.make_due()
        harness.dispatcher.run_once()
        state = harness.client.get(f"/v1/webhooks/endpoints/{endpoint['id']}", headers=harness.admin).json()
        assert state["enabled"] is False and state["disabled_reason"] == "failing"
        assert harness.client.get("/v1/webhooks/notices", headers=harness.admin).json()[0]["ref"] == endpoint["id"]
        harness.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://169.254.169.254/latest/meta-data",
        "http://172.16.5.4/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "ftp://example.org/x",
    ],
)
def test_private_addresses_are_refused_at_registration(make_settings, auth, url) -> None:
    from fastapi.testclient import TestClient

    from peerlab.gateway.main import create_app

    with TestClient(create_app(make_settings(webhook_allow_private=False))) as client:
        response = client.post("/v1/webhooks/endpoints", json={"url": url}, headers=auth("t-admin", "admin"))
    assert response.status_code == 422
    assert response.json()["code"] in ("unsafe_url", "invalid_url")


def test_private_address_is_refused_at_delivery_too(make_settings, receiver, auth) -> None:
    """Registered while allowed (or the DNS answer changed since): the delivery checks again."""
    from fastapi.testclient import TestClient

    from peerlab.gateway.main import create_app

    settings = make_settings(webhook_allow_private=True)
    with TestClient(create_app(settings)) as client:
        harness = Harness(client, settings, auth("t-admin", "admin"))
        endpoint = harness.register(receiver.url)
        harness.dispatcher = WebhookDispatcher(
            harness.engine, settings.model_copy(update={"webhook_allow_private": False})
        )
        harness.publish(_received())
        harness.dispatcher.run_once()
        assert receiver.requests == []
        [delivery] = harness.deliveries(endpoint["id"])
        log = harness.delivery_log(delivery.id)
        assert log["attempt_log"][0]["outcome"] == "unsafe_address"
        harness.close()


def test_only_admins_manage_endpoints(client, auth, receiver) -> None:
    for who in (auth("s210001"), auth("t-ta", "ta"), auth("t-ole", "teacher")):
        assert client.post("/v1/webhooks/endpoints", json={"url": receiver.url}, headers=who).status_code == 403
        assert client.get("/v1/webhooks/endpoints", headers=who).status_code == 403


def test_grades_are_held_until_the_course_releases_them(harness, receiver) -> None:
    """Like the LTI passback: a finalised grade waits for the teachers' release, then goes out once;
    a grade finalised after the release goes out at once; another course's grades stay held."""
    endpoint = harness.register(receiver.url)
    sent = lambda: [Webhook(endpoint["secret"]).verify(r["body"], r["headers"]) for r in receiver.requests]  # noqa: E731
    harness.publish(_finalised("s210001"))
    harness.publish(_finalised("s210002", course_id="other-course"))
    assert harness.dispatcher.run_once() == 0 and receiver.requests == []
    held = {d.id: d for d in harness.deliveries(endpoint["id"])}
    assert {d.status for d in held.values()} == {"held"}
    mine = next(d for d in held.values() if d.course_id == "02456-2021")
    early = harness.client.post(f"/v1/webhooks/deliveries/{mine.id}/redeliver", headers=harness.admin)
    assert (early.status_code, early.json()["code"]) == (409, "delivery_held")
    assert harness.dispatcher.run_once() == 0 and receiver.requests == []

    harness.publish(_released())
    assert harness.dispatcher.run_once() == 2  # the held grade and the release itself
    assert sorted((p["type"], p["data"].get("student_id")) for p in sent()) == [
        ("grade.finalised.v1", "s210001"),
        ("grades.released.v1", None),
    ]
    harness.publish(_released())  # a second release: only its own event goes out, no grade again
    harness.publish(_finalised("s210003"))  # finalised after the release: not held
    assert harness.dispatcher.run_once() == 2
    assert [p["data"].get("student_id") for p in sent() if p["type"] == "grade.finalised.v1"] == [
        "s210001",
        "s210003",
    ]
    statuses = {d.course_id: d.status for d in harness.deliveries(endpoint["id"]) if d.event_type.startswith("grade.")}
    assert statuses["other-course"] == "held"
    assert harness.dispatcher.run_once() == 0


def test_a_release_recorded_elsewhere_frees_held_grades(harness, receiver) -> None:
    """The release may be recorded by another consumer (LTI) or a worker racing the grade's own
    fan-in: the dispatcher frees every held grade of a released course on its next round."""
    from peerlab.gateway import repository as repo

    endpoint = harness.register(receiver.url)
    harness.publish(_finalised("s210001"))
    assert harness.dispatcher.run_once() == 0
    with unit_of_work(harness.engine) as session:
        repo.record_grades_release(session, course_id="02456-2021", released_at=datetime.now(UTC))
        repo.record_grades_release(session, course_id="02456-2021", released_at=datetime.now(UTC))  # idempotent
    assert harness.dispatcher.run_once() == 1
    [delivery] = harness.deliveries(endpoint["id"])
    assert delivery.status == "succeeded" and len(receiver.requests) == 1
