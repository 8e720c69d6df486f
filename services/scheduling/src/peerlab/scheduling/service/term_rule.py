"""A stored term as the calendar rules' ``TermRule`` (read by the term and the dated rules alike)."""

from __future__ import annotations

from datetime import date, time

from peerlab.scheduling import calendar_rules as rules
from peerlab.scheduling.models import Term


def rule_of(term: Term) -> rules.TermRule:
    return rules.TermRule(
        first_monday=term.first_monday,
        counted_weeks=term.counted_weeks,
        time_zone=term.time_zone,
        lab_weeks=term.lab_weeks,
        sessions=tuple(
            rules.SessionTime(int(s["weekday"]), time.fromisoformat(s["start"]), time.fromisoformat(s["end"]))
            for s in term.sessions
        ),
        breaks=tuple(
            rules.Break(date.fromisoformat(b["starts_on"]), date.fromisoformat(b["ends_on"]), b.get("label", ""))
            for b in term.breaks
        ),
    )
