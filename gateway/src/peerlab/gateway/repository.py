"""Queries over the gateway's tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.gateway.models import (
    AdminNotice,
    Enrolment,
    GradesRelease,
    Person,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

# --- identity and roster --------------------------------------------------------------------


def get_person(session: Session, person_id: str) -> Person | None:
    return session.get(Person, person_id)


def get_people(session: Session, ids: Sequence[str]) -> dict[str, Person]:
    if not ids:
        return {}
    rows = session.execute(select(Person).where(Person.id.in_(list(set(ids))))).scalars()
    return {p.id: p for p in rows}


def get_enrolment(session: Session, *, course_id: str, person_id: str) -> Enrolment | None:
    return session.get(Enrolment, (course_id, person_id))


def get_enrolments(session: Session, *, course_id: str, person_ids: Sequence[str]) -> dict[str, Enrolment]:
    if not person_ids:
        return {}
    rows = session.execute(
        select(Enrolment).where(Enrolment.course_id == course_id, Enrolment.person_id.in_(list(set(person_ids))))
    ).scalars()
    return {e.person_id: e for e in rows}


def list_roster(
    session: Session,
    *,
    course_id: str,
    role: str | None = None,
    after: str | None = None,
    limit: int = 100,
    active_only: bool = True,
) -> list[tuple[Person, Enrolment]]:
    """Enrolled people ordered by id, keyset-paginated by ``after``."""
    query = (
        select(Person, Enrolment)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.course_id == course_id)
        .order_by(Person.id)
        .limit(limit)
    )
    if active_only:
        query = query.where(Enrolment.active.is_(True))
    if after is not None:
        query = query.where(Person.id > after)
    if role is not None:
        query = query.where(
            or_(
                Enrolment.roles == role,
                Enrolment.roles.like(f"{role},%"),
                Enrolment.roles.like(f"%,{role}"),
                Enrolment.roles.like(f"%,{role},%"),
            )
        )
    return [(p, e) for p, e in session.execute(query).all()]


def active_person_ids(session: Session, *, course_id: str) -> set[str]:
    rows = session.execute(
        select(Enrolment.person_id).where(Enrolment.course_id == course_id, Enrolment.active.is_(True))
    ).scalars()
    return set(rows)


# --- webhooks -------------------------------------------------------------------------------


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at)).scalars())


def enabled_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.execute(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))).scalars())


def get_endpoint(session: Session, endpoint_id: str) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def get_delivery(session: Session, delivery_id: str) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)


def list_deliveries(
    session: Session, *, endpoint_id: str, status: str | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.created_at.desc())
        .limit(limit)
    )
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(session.execute(query).scalars())


def list_attempts(session: Session, delivery_id: str) -> list[WebhookAttempt]:
    return list(
        session.execute(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.attempt_no)
        ).scalars()
    )


def due_deliveries(session: Session, *, now: datetime, limit: int, lock: bool) -> list[WebhookDelivery]:
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).scalars())


def failed_deliveries_since(session: Session, *, endpoint_id: str, since: datetime) -> list[WebhookDelivery]:
    return list(
        session.execute(
            select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == "failed",
                WebhookDelivery.created_at >= since,
            )
        ).scalars()
    )


def cancel_pending(session: Session, *, endpoint_id: str) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status.in_(("pending", "held")))
        .values(status="failed", next_attempt_at=None)
    )


def release_held_deliveries(session: Session, *, now: datetime) -> int:
    """Held deliveries of every course whose grades were released become due now."""
    released = select(GradesRelease.course_id)
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == "held", WebhookDelivery.course_id.in_(released))
        .values(status="pending", next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- the course's grade release ---------------------------------------------------------------


def grades_released(session: Session, course_id: str) -> bool:
    return session.get(GradesRelease, course_id) is not None


def record_grades_release(session: Session, *, course_id: str, released_at: datetime) -> None:
    """Idempotent; the webhook and LTI consumers both record it, possibly at the same moment."""
    if grades_released(session, course_id):
        return
    try:
        with session.begin_nested():
            session.add(GradesRelease(course_id=course_id, released_at=released_at))
    except IntegrityError:
        pass  # the other consumer recorded it first


def list_notices(session: Session, *, limit: int = 100) -> list[AdminNotice]:
    return list(session.execute(select(AdminNotice).order_by(AdminNotice.id.desc()).limit(limit)).scalars())
