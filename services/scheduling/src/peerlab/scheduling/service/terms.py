"""The term and the rule "Monday of counted week N"."""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import Session

from peerlab.chassis.errors import ProblemError, not_found
from peerlab.scheduling import calendar_rules as rules
from peerlab.scheduling import repository as repo
from peerlab.chassis.clock import in_zone
from peerlab.scheduling.models import Term
from peerlab.scheduling.service import dates
from peerlab.scheduling.service.term_rule import rule_of
from peerlab.scheduling.schemas import CalendarWeeks, SessionPublic, TermPublic, TermPut, WeekPublic


def _stored_fields(body: TermPut) -> dict:
    return {
        "title": body.title,
        "first_monday": body.first_monday,
        "counted_weeks": body.counted_weeks,
        "lab_weeks": body.lab_weeks,
        "time_zone": body.time_zone,
        "sessions": [
            {"weekday": s.weekday, "start": s.start.isoformat("minutes"), "end": s.end.isoformat("minutes")}
            for s in body.sessions
        ],
        "breaks": [
            {"starts_on": b.starts_on.isoformat(), "ends_on": b.ends_on.isoformat(), "label": b.label}
            for b in body.breaks
        ],
        "deadline_time": body.deadline_time.isoformat("minutes"),
        "report_due_on": body.report_due_on,
    }


def put_term(
    session: Session, *, course_id: str, body: TermPut, max_weeks: int, now: datetime, actor: str
) -> tuple[Term, bool]:
    """Create or replace the term and re-derive its dates (``dates.sync``: deadlines still ahead move,
    passed ones stay, each move audited and published); returns (term, created). Repeating the same
    body changes nothing."""
    if body.counted_weeks > max_weeks:
        raise ProblemError(422, "too_many_weeks", f"A term has at most {max_weeks} counted weeks.")
    fields = _stored_fields(body)
    candidate = Term(course_id=course_id, updated_at=now, **fields)
    try:
        rules.counted_weeks(rule_of(candidate))
    except rules.CalendarError as exc:
        raise ProblemError(422, "invalid_calendar", str(exc)) from exc
    term = repo.get_term(session, course_id)
    if term is None:
        candidate.dates_revision = 0
        session.add(candidate)
        session.flush()
        dates.sync(session, term=candidate, now=now, actor=actor)
        return candidate, True
    if any(getattr(term, k) != v for k, v in fields.items()):
        for key, value in fields.items():
            setattr(term, key, value)
        term.revision += 1
        term.updated_at = now
        session.add(term)
        session.flush()
        dates.sync(session, term=term, now=now, actor=actor)
    return term, False


def require_term(session: Session, course_id: str) -> Term:
    term = repo.get_term(session, course_id)
    if term is None:
        raise not_found("Term")
    return term


def to_public(term: Term) -> TermPublic:
    return TermPublic(
        course_id=term.course_id,
        revision=term.revision,
        updated_at=term.updated_at,
        title=term.title,
        first_monday=term.first_monday,
        counted_weeks=term.counted_weeks,
        lab_weeks=term.lab_weeks,
        time_zone=term.time_zone,
        sessions=term.sessions,
        breaks=term.breaks,
        deadline_time=time.fromisoformat(term.deadline_time),
        report_due_on=term.report_due_on,
        dates_revision=term.dates_revision,
    )


def _week_public(week: rules.CountedWeek, zone: str) -> WeekPublic:
    return WeekPublic(
        week=week.number,
        monday=week.monday,
        phase=week.phase,
        sessions=[
            SessionPublic(
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                starts_at_local=in_zone(s.starts_at, zone),
                ends_at_local=in_zone(s.ends_at, zone),
            )
            for s in week.sessions
        ],
    )


def calendar_weeks(term: Term) -> CalendarWeeks:
    rule = rule_of(term)
    return CalendarWeeks(
        course_id=term.course_id,
        time_zone=term.time_zone,
        weeks=[_week_public(w, term.time_zone) for w in rules.counted_weeks(rule)],
        skipped_mondays=rules.skipped_mondays(rule),
    )


def one_week(term: Term, week: int) -> WeekPublic:
    if not 1 <= week <= term.counted_weeks:
        raise ProblemError(404, "no_such_week", f"Week {week} is outside 1..{term.counted_weeks}.")
    return _week_public(rules.counted_weeks(rule_of(term))[week - 1], term.time_zone)
