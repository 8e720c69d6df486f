"""Per-person calendar feeds at a secret address (for calendar apps, which send no bearer token).

The address carries a random secret; only its SHA-256 is stored, so the table cannot be turned
back into working addresses. A new secret replaces the old one; deleting revokes the address.
The feed is the course calendar with its deadlines, plus the person's own items: their group's
exam booking and, for an examiner, their visits of the published plans.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import icalendar
from sqlmodel import Session, select

from peerlab.chassis.errors import not_found
from peerlab.scheduling import calendar_rules, ics
from peerlab.scheduling import repository as repo
from peerlab.scheduling.models import Booking, CalendarFeed, GroupMemberRow, Slot
from peerlab.scheduling.service import dates, terms, visit_plans


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(session: Session, *, course_id: str, person_id: str, now: datetime) -> str:
    """A new secret for the person's feed (the previous one stops working); returns the secret."""
    secret = secrets.token_urlsafe(32)
    row = session.get(CalendarFeed, (course_id, person_id))
    if row is None:
        row = CalendarFeed(course_id=course_id, person_id=person_id, secret_sha256=_digest(secret), created_at=now)
    else:
        row.secret_sha256, row.created_at = _digest(secret), now
    session.add(row)
    session.flush()
    return secret


def revoke(session: Session, *, course_id: str, person_id: str) -> bool:
    row = session.get(CalendarFeed, (course_id, person_id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def feed_of(session: Session, *, secret: str) -> CalendarFeed:
    row = session.exec(select(CalendarFeed).where(CalendarFeed.secret_sha256 == _digest(secret))).first()
    if row is None:
        raise not_found("calendar feed")
    return row


def personal_calendar(session: Session, *, feed: CalendarFeed) -> bytes:
    """The course calendar and its deadlines, the person's group's exam booking and their visits as
    an examiner (published plans only)."""
    term = terms.require_term(session, feed.course_id)
    base = ics.build_calendar(
        course_id=feed.course_id,
        title=term.title,
        time_zone=term.time_zone,
        weeks=calendar_rules.counted_weeks(terms.rule_of(term)),
        rooms=repo.list_rooms(session, feed.course_id),
        exam_days=repo.list_exam_days(session, feed.course_id),
        deadlines=dates.rows(session, feed.course_id),
        stamp=term.updated_at,
    )
    cal = icalendar.Calendar.from_ical(base)
    cal["x-wr-calname"] = f"{term.title or feed.course_id} ({feed.person_id})"
    membership = session.get(GroupMemberRow, (feed.course_id, feed.person_id))
    booking = session.get(Booking, (feed.course_id, membership.group_id)) if membership else None
    slot = session.get(Slot, (feed.course_id, booking.slot_id)) if booking else None
    if slot is not None:
        cal.add_component(
            ics._event(
                f"{feed.course_id}-booking-{booking.group_id}@peerlab",
                f"{term.title or feed.course_id}: your exam slot",
                slot.starts_at,
                slot.ends_at,
                term.time_zone,
                booking.booked_at,
                description=f"Booked for group {booking.group_id}.",
            )
        )
    for visit in visit_plans.published_visits_of(session, course_id=feed.course_id, examiner_id=feed.person_id):
        cal.add_component(
            ics._event(
                f"{feed.course_id}-{visit.exam_day_id}-{visit.group_id}-{feed.person_id}@peerlab",
                f"{term.title or feed.course_id}: poster of group {visit.group_id}",
                visit.starts_at,
                visit.ends_at,
                term.time_zone,
                term.updated_at,
                description=f"Exam day {visit.exam_day_id}, slot {visit.slot_id}.",
            )
        )
    return cal.to_ical()
