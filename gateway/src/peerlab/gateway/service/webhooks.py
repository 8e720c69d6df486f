"""LMS webhook endpoints and their delivery log: registration, fan-in of events, retry policy.

Retry schedule (Standard Webhooks / Svix style): immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
10 h and 10 h after each failure, each delay with ±10 % jitter. Only 2xx counts as delivered; 410
disables the endpoint at once; 429/503 with ``Retry-After`` wait that long instead; an endpoint
that has failed every attempt for ``webhook_disable_after_days`` is disabled and admins are told.

Grades wait for the teachers' release, as the LTI passback does: a ``grade.finalised.v1`` delivery
is ``held`` until the course's ``grades.released.v1`` is recorded, then the dispatcher makes it due
(``repository.release_held_deliveries``); one finalised after the release goes out at once.
"""

from __future__ import annotations

import base64
import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session
from standardwebhooks.webhooks import Webhook

from peerlab.chassis.errors import ProblemError, not_found
from peerlab.contracts import EVENT_MODELS, Envelope
from peerlab.chassis import clock
from peerlab.gateway import repository
from peerlab.gateway.models import AdminNotice, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from peerlab.gateway.service import ssrf
from peerlab.gateway.service.webhook_payload import build_payload

RETRY_DELAYS_S = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_DELAYS_S)
MAX_RETRY_AFTER_S = 36000
SNIPPET_CHARS = 500
HELD_UNTIL_RELEASE = frozenset({"grade.finalised.v1"})


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_secret(secret: str) -> str:
    if not secret.startswith("whsec_"):
        raise ProblemError(422, "invalid_secret", "A secret must start with whsec_.")
    try:
        Webhook(secret)
    except Exception as exc:  # any decoding failure means a bad secret
        raise ProblemError(422, "invalid_secret", "The secret is not base64 after whsec_.") from exc
    if len(base64.b64decode(secret[6:] + "==")) < 24:
        raise ProblemError(422, "invalid_secret", "The secret must hold at least 24 random bytes.")
    return secret


def _check_types(event_types: list[str]) -> str:
    unknown = [t for t in event_types if t not in EVENT_MODELS]
    if unknown:
        raise ProblemError(422, "unknown_event_type", f"Unknown event types: {', '.join(unknown)}.")
    return ",".join(sorted(set(event_types)))


def register_endpoint(
    session: Session,
    *,
    url: str,
    event_types: list[str],
    description: str,
    secret: str | None,
    created_by: str,
    allow_private: bool,
) -> WebhookEndpoint:
    ssrf.check_registration(url, allow_private=allow_private)
    endpoint = WebhookEndpoint(
        id="ep_" + uuid.uuid4().hex[:20],
        url=url,
        description=description[:500],
        event_types=_check_types(event_types),
        secret=_check_secret(secret) if secret else new_secret(),
        enabled=True,
        created_by=created_by,
        created_at=clock.now(),
    )
    session.add(endpoint)
    return endpoint


def _endpoint(session: Session, endpoint_id: str) -> WebhookEndpoint:
    endpoint = repository.get_endpoint(session, endpoint_id)
    if endpoint is None:
        raise not_found("Webhook endpoint")
    return endpoint


def update_endpoint(
    session: Session,
    *,
    endpoint_id: str,
    url: str | None = None,
    event_types: list[str] | None = None,
    enabled: bool | None = None,
    description: str | None = None,
    allow_private: bool,
) -> WebhookEndpoint:
    endpoint = _endpoint(session, endpoint_id)
    if url is not None:
        ssrf.check_registration(url, allow_private=allow_private)
        endpoint.url = url
    if event_types is not None:
        endpoint.event_types = _check_types(event_types)
    if description is not None:
        endpoint.description = description[:500]
    if enabled is not None:
        endpoint.enabled = enabled
        if enabled:
            endpoint.disabled_reason, endpoint.failing_since = None, None
        else:
            endpoint.disabled_reason = "disabled_by_admin"
    return endpoint


def rotate_secret(
    session: Session, *, endpoint_id: str, overlap_s: float, secret: str | None = None
) -> WebhookEndpoint:
    """New secret now; the old one is also signed with until the overlap ends."""
    endpoint = _endpoint(session, endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = clock.now() + timedelta(seconds=overlap_s)
    endpoint.secret = _check_secret(secret) if secret else new_secret()
    return endpoint


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    out = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        out.append(endpoint.previous_secret)
    return out


def _wants(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return not endpoint.event_types or event_type in endpoint.event_types.split(",")


def fan_in(session: Session, *, envelope: Envelope, max_payload_bytes: int) -> int:
    """One delivery per enabled endpoint that wants this event type, pending (or held: a grade of a
    course whose grades are not released yet); returns how many."""
    now = clock.now()
    if envelope.type == "grades.released.v1":
        repository.record_grades_release(session, course_id=envelope.course_id, released_at=envelope.time)
    held = envelope.type in HELD_UNTIL_RELEASE and not repository.grades_released(session, envelope.course_id)
    payload = None
    created = 0
    for endpoint in repository.enabled_endpoints(session):
        if not _wants(endpoint, envelope.type):
            continue
        payload = payload or build_payload(envelope, max_bytes=max_payload_bytes)
        session.add(
            WebhookDelivery(
                id="dl_" + uuid.uuid4().hex[:20],
                endpoint_id=endpoint.id,
                event_id=envelope.id,
                event_type=envelope.type,
                webhook_id="msg_" + envelope.id.replace("-", ""),
                payload=payload,
                status="held" if held else "pending",
                course_id=envelope.course_id,
                attempts=0,
                next_attempt_at=None if held else now,
                created_at=now,
            )
        )
        created += 1
    return created


def redeliver(session: Session, *, delivery_id: str) -> WebhookDelivery:
    """Send again now with the same ``webhook-id`` (the receiver deduplicates on it)."""
    delivery = repository.get_delivery(session, delivery_id)
    if delivery is None:
        raise not_found("Delivery")
    endpoint = _endpoint(session, delivery.endpoint_id)
    if not endpoint.enabled:
        raise ProblemError(409, "endpoint_disabled", "Enable the endpoint before redelivering.")
    if _must_hold(session, delivery):
        raise ProblemError(409, "delivery_held", "This grade goes out when the course's grades are released.")
    delivery.status, delivery.next_attempt_at = "pending", clock.now()
    return delivery


def recover_since(session: Session, *, endpoint_id: str, since: datetime) -> int:
    """Queue again every failed delivery of the endpoint created since ``since``."""
    endpoint = _endpoint(session, endpoint_id)
    if not endpoint.enabled:
        raise ProblemError(409, "endpoint_disabled", "Enable the endpoint before recovering.")
    rows = repository.failed_deliveries_since(session, endpoint_id=endpoint_id, since=since)
    now = clock.now()
    for delivery in rows:  # a grade cancelled while held is held again, not sent before the release
        held = _must_hold(session, delivery)
        delivery.status, delivery.next_attempt_at = ("held", None) if held else ("pending", now)
    return len(rows)


def _must_hold(session: Session, delivery: WebhookDelivery) -> bool:
    return (
        delivery.event_type in HELD_UNTIL_RELEASE
        and delivery.course_id is not None
        and not repository.grades_released(session, delivery.course_id)
    )


@dataclass(frozen=True)
class AttemptResult:
    outcome: str  # success | http_error | timeout | network | unsafe_address | redirect
    status_code: int | None
    duration_ms: int
    snippet: str
    retry_after_s: float | None = None


def _notify_admins(session: Session, *, kind: str, ref: str, message: str) -> None:
    session.add(AdminNotice(kind=kind, ref=ref, message=message, created_at=clock.now()))


def _disable(session: Session, endpoint: WebhookEndpoint, reason: str, message: str) -> None:
    endpoint.enabled, endpoint.disabled_reason = False, reason
    repository.cancel_pending(session, endpoint_id=endpoint.id)
    _notify_admins(session, kind="webhook_endpoint_disabled", ref=endpoint.id, message=message)


def next_delay_s(attempts_done: int, *, rng: random.Random | None = None) -> float | None:
    """Delay before attempt ``attempts_done + 1`` with ±10 % jitter, or None when none is left."""
    if attempts_done >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS_S[attempts_done]
    return base * (0.9 + 0.2 * (rng or random).random())


def record_attempt(
    session: Session,
    *,
    delivery_id: str,
    started_at: datetime,
    result: AttemptResult,
    disable_after_s: float,
) -> WebhookDelivery:
    """Log the attempt and decide what happens next (done, retry later, give up, disable)."""
    delivery = repository.get_delivery(session, delivery_id)
    endpoint = repository.get_endpoint(session, delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_attempt_at = started_at
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempt_no=delivery.attempts,
            started_at=started_at,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            outcome=result.outcome,
            response_snippet=result.snippet[:SNIPPET_CHARS],
        )
    )
    now = clock.now()
    if result.outcome == "success":
        delivery.status, delivery.next_attempt_at = "succeeded", None
        endpoint.failing_since = None
        return delivery
    if result.status_code == 410:
        delivery.status, delivery.next_attempt_at = "failed", None
        _disable(session, endpoint, "gone", f"Endpoint {endpoint.url} answered 410 Gone and was disabled.")
        return delivery
    endpoint.failing_since = endpoint.failing_since or started_at
    if (now - endpoint.failing_since).total_seconds() >= disable_after_s:
        delivery.status, delivery.next_attempt_at = "failed", None
        _disable(
            session,
            endpoint,
            "failing",
            f"Endpoint {endpoint.url} failed every delivery since {endpoint.failing_since.isoformat()} "
            "and was disabled.",
        )
        return delivery
    delay = next_delay_s(delivery.attempts)
    if delay is None:
        delivery.status, delivery.next_attempt_at = "failed", None
        return delivery
    if result.retry_after_s is not None and result.status_code in (429, 503):
        delay = min(MAX_RETRY_AFTER_S, max(0.0, result.retry_after_s))
    delivery.status, delivery.next_attempt_at = "pending", now + timedelta(seconds=delay)
    return delivery
