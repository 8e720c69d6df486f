"""The course's dated rules as published: derive them from the term and exam days, keep what has
passed, record every move (who, when, old -> new), and publish ``term.dates_changed.v1`` with the
whole set in the same transaction (outbox) whenever something moved."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlmodel import Session

from peerlab.scheduling import course_dates
from peerlab.scheduling import repository as repo
from peerlab.scheduling.events import publish
from peerlab.scheduling.models import DateChange, DatedRuleRow, Term
from peerlab.scheduling.schemas import DateChangePublic, DatedRulePublic
from peerlab.scheduling.service.term_rule import rule_of


def _derived(session: Session, term: Term) -> list[course_dates.DatedRule]:
    exam_days = [
        course_dates.ExamDayDates(d.exam_day_id, d.kind, d.title, d.starts_at, d.ends_at)
        for d in repo.list_exam_days(session, term.course_id)
    ]
    return course_dates.derive(
        rule_of(term),
        deadline_time=time.fromisoformat(term.deadline_time),
        report_due_on=term.report_due_on,
        exam_days=exam_days,
    )


def _same(a: datetime | None, b: datetime | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)


def rows(session: Session, course_id: str) -> list[DatedRuleRow]:
    return list(
        session.scalars(
            select(DatedRuleRow).where(DatedRuleRow.course_id == course_id).order_by(DatedRuleRow.at, DatedRuleRow.key)
        )
    )


def sync(session: Session, *, term: Term, now: datetime, actor: str) -> list[str]:
    """Bring the published dates in line with the term; returns the keys that moved or appeared.

    A date that has passed (``at <= now``) is never moved: the deadline students were held to
    stays. Nothing changed: nothing written, nothing published."""
    existing = {r.key: r for r in rows(session, term.course_id)}
    changed: list[str] = []
    moved: list[tuple[DatedRuleRow, datetime]] = []
    for rule in _derived(session, term):
        row = existing.get(rule.key)
        if row is None:
            session.add(
                DatedRuleRow(
                    course_id=term.course_id,
                    key=rule.key,
                    kind=rule.kind,
                    label=rule.label,
                    at=rule.at,
                    opens_at=rule.opens_at,
                    ends_at=rule.ends_at,
                    sequence=0,
                    updated_at=now,
                )
            )
            changed.append(rule.key)
            continue
        if (
            _same(row.at, rule.at)
            and _same(row.opens_at, rule.opens_at)
            and _same(row.ends_at, rule.ends_at)
            and row.label == rule.label
        ):
            continue
        if row.at <= now:
            continue  # passed: never moved
        if not _same(row.at, rule.at):
            moved.append((row, row.at))
        row.at, row.opens_at, row.ends_at, row.label = rule.at, rule.opens_at, rule.ends_at, rule.label
        row.sequence += 1
        row.updated_at = now
        session.add(row)
        changed.append(rule.key)
    if not changed:
        return []
    term.dates_revision += 1
    session.add(term)
    for row, old in moved:
        session.add(
            DateChange(
                course_id=term.course_id,
                key=row.key,
                old_at=old,
                new_at=row.at,
                revision=term.dates_revision,
                changed_by=actor,
                changed_at=now,
            )
        )
    session.flush()
    publish.dates_changed(session, term=term, rows=rows(session, term.course_id), moved=changed, at=now, by=actor)
    return changed


def to_public(row: DatedRuleRow, *, now: datetime) -> DatedRulePublic:
    return DatedRulePublic(
        key=row.key,
        kind=row.kind,
        label=row.label,
        at=row.at,  # type: ignore[arg-type]
        opens_at=row.opens_at,
        ends_at=row.ends_at,
        sequence=row.sequence,
        passed=row.at <= now,
    )


def changes(session: Session, course_id: str) -> list[DateChangePublic]:
    found = session.scalars(
        select(DateChange).where(DateChange.course_id == course_id).order_by(DateChange.changed_at, DateChange.id)
    )
    return [DateChangePublic.model_validate(c, from_attributes=True) for c in found]
