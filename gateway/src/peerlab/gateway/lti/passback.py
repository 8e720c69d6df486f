"""AGS grade passback from the gateway worker. A lab verdict becomes a score on the line item of
that lab (pass 1, fail 0, out of 1); a final grade becomes a score on the "Final grade" line item
once the course's grades are released (held until then). Each is a row per event and platform
course (the consumer's inbox and a unique key make redelivery harmless); the delivery job sends
due rows, records every attempt, retries with backoff and gives up after ``max_attempts``.
The score's timestamp is the event's time, so a platform keeps the newest verdict whatever the
order of delivery."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from peerlab.chassis.consumer import ConsumerSpec, Handler
from peerlab.chassis import clock
from peerlab.contracts import Envelope, EventData, topics
from peerlab.gateway import repository
from peerlab.gateway.lti import claims
from peerlab.gateway.lti.models import (
    LtiAccount,
    LtiContext,
    LtiLineItem,
    LtiPassback,
    LtiPassbackAttempt,
    LtiPlatform,
)
from peerlab.gateway.lti.platform_api import PlatformClient, PlatformError

SCALE_MAXIMUM = 12.0  # the 7-step scale; -3 is sent as 0 with the grade in the comment
BACKOFF_S = (5, 30, 120, 600, 1800, 3600, 3 * 3600)
AGS_SCOPES = [claims.SCOPE_LINEITEM, claims.SCOPE_SCORE]


def _enqueue(
    session: Session,
    envelope: Envelope,
    *,
    person_id: str,
    key: str,
    label: str,
    given: float,
    maximum: float,
    comment: str,
    status: str,
) -> None:
    for context in session.exec(select(LtiContext).where(LtiContext.lineitems_url.is_not(None))):
        exists = session.exec(
            select(LtiPassback.id).where(
                LtiPassback.event_id == envelope.id,
                LtiPassback.platform_id == context.platform_id,
                LtiPassback.context_id == context.context_id,
            )
        ).first()
        if exists is None:
            session.add(
                LtiPassback(
                    id=f"pb_{uuid.uuid4().hex[:20]}",
                    event_id=envelope.id,
                    platform_id=context.platform_id,
                    context_id=context.context_id,
                    person_id=person_id,
                    key=key,
                    label=label,
                    score_given=given,
                    score_maximum=maximum,
                    comment=comment,
                    status=status,
                    occurred_at=envelope.time,
                    created_at=clock.now(),
                )
            )


def on_lab_verdict(session: Session, envelope: Envelope, _data: EventData) -> None:
    data = envelope.data
    if data.get("lab_number") is None:
        return
    passed = data["verdict"] == "pass"
    _enqueue(
        session,
        envelope,
        person_id=data["student_id"],
        key=f"lab-{data['lab_number']}",
        label=f"Lab {data['lab_number']}",
        given=1.0 if passed else 0.0,
        maximum=1.0,
        comment="passed" if passed else "not passed",
        status="pending",
    )


def on_grade_finalised(session: Session, envelope: Envelope, _data: EventData) -> None:
    data = envelope.data
    released = repository.grades_released(session, envelope.course_id)
    _enqueue(
        session,
        envelope,
        person_id=data["student_id"],
        key="final",
        label="Final grade",
        given=max(float(int(data["grade"])), 0.0),
        maximum=SCALE_MAXIMUM,
        comment=f"7-step grade {data['grade']}",
        status="pending" if released else "held",
    )


def on_grades_released(session: Session, envelope: Envelope, _data: EventData) -> None:
    repository.record_grades_release(session, course_id=envelope.course_id, released_at=envelope.time)
    session.execute(update(LtiPassback).where(LtiPassback.status == "held").values(status="pending"))


def consumer_spec(course_id: str) -> ConsumerSpec:
    """The worker's consumer; events of other courses than this gateway's are not its business."""

    def this_course(handler: Handler) -> Handler:
        def handle(session: Session, envelope: Envelope, data: EventData) -> None:
            if envelope.course_id == course_id:
                handler(session, envelope, data)

        return handle

    handlers = {
        "lab.verdict_set.v1": on_lab_verdict,
        "grade.finalised.v1": on_grade_finalised,
        "grades.released.v1": on_grades_released,
    }
    return ConsumerSpec(
        name="gateway-lti-passback",
        topics=[topics.REVIEW, topics.SCHEDULING],
        handlers={t: this_course(h) for t, h in handlers.items()},
    )


def deliver_due(session: Session, *, client: PlatformClient, max_attempts: int, course_id: str, limit: int = 20) -> int:
    """Send the due scores (oldest first); returns how many were tried.

    Each round first frees the grades held for a course whose release is recorded: a grade and the
    release handled at the same moment by two workers can leave one held that the release's own
    update did not see.
    """
    now = clock.now()
    if repository.grades_released(session, course_id):
        session.execute(update(LtiPassback).where(LtiPassback.status == "held").values(status="pending"))
    due = list(
        session.exec(
            select(LtiPassback)
            .where(
                LtiPassback.status == "pending",
                or_(LtiPassback.next_attempt_at.is_(None), LtiPassback.next_attempt_at <= now),
            )
            .order_by(LtiPassback.occurred_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )  # several workers
    for row in due:
        _deliver(session, row, client=client, max_attempts=max_attempts, now=now)
    return len(due)


def _deliver(session: Session, row: LtiPassback, *, client: PlatformClient, max_attempts: int, now: datetime) -> None:
    platform = session.get(LtiPlatform, row.platform_id)
    context = session.get(LtiContext, (row.platform_id, row.context_id))
    account = session.exec(
        select(LtiAccount).where(LtiAccount.platform_id == row.platform_id, LtiAccount.person_id == row.person_id)
    ).first()
    if account is None or platform is None or context is None or not context.lineitems_url:
        row.status = "unmapped"  # a roster pull that links the person puts it back to pending
        _attempt(session, row, now, None, "unmapped", "no account of this person on the platform")
        return
    row.attempts += 1
    try:
        item = session.get(LtiLineItem, (row.platform_id, row.context_id, row.key))
        if item is None:
            url = client.line_item(
                platform,
                context.lineitems_url,
                AGS_SCOPES,
                key=row.key,
                label=row.label,
                score_maximum=row.score_maximum,
            )
            item = LtiLineItem(platform_id=row.platform_id, context_id=row.context_id, key=row.key, url=url)
            session.add(item)
        score = {
            "userId": account.lti_user_id,
            "scoreGiven": row.score_given,
            "scoreMaximum": row.score_maximum,
            "comment": row.comment,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": row.occurred_at.isoformat(),
        }
        status = client.post_score(platform, item.url, AGS_SCOPES, score)
    except PlatformError as exc:
        gave_up = row.attempts >= max_attempts
        row.status = "failed" if gave_up else "pending"
        row.next_attempt_at = (
            None if gave_up else now + timedelta(seconds=BACKOFF_S[min(row.attempts, len(BACKOFF_S)) - 1])
        )
        _attempt(session, row, now, exc.status, "gave_up" if gave_up else "failed", str(exc)[:1000])
        return
    row.status, row.next_attempt_at = "succeeded", None
    _attempt(session, row, now, status, "succeeded", "")


def _attempt(
    session: Session, row: LtiPassback, now: datetime, status_code: int | None, outcome: str, detail: str
) -> None:
    session.add(row)
    session.add(
        LtiPassbackAttempt(
            passback_id=row.id,
            attempt_no=row.attempts,
            started_at=now,
            status_code=status_code,
            outcome=outcome,
            detail=detail,
        )
    )
