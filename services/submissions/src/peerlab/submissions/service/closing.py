"""Closing assignments: ``assignment.closed.v1`` exactly once per assignment.

The closed marker (primary key = assignment id) and the outbox row are written in one
transaction, after the assignment row is locked ``FOR UPDATE``. A second closer (another replica,
or the same one after a restart) waits on that lock and then finds the marker, so it publishes
nothing; a closer that was down at the deadline closes everything due when it runs again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from peerlab.submissions import repository
from peerlab.chassis.clock import as_utc, now
from peerlab.submissions.events import publish
from peerlab.submissions.models import ClosedAssignment

log = logging.getLogger("peerlab.submissions.closing")


def close_if_due(session: Session, *, assignment_id: str, close_grace_s: int, at: datetime | None = None) -> bool:
    """Close one assignment if its deadline plus grace has passed and nobody closed it yet."""
    at = at or now()
    assignment = repository.get_assignment(session, assignment_id, lock="update")
    if assignment is None or as_utc(assignment.deadline) + timedelta(seconds=close_grace_s) > at:
        return False
    if repository.closed_marker(session, assignment_id) is not None:
        return False
    finals = repository.current_versions(session, assignment_id)
    envelope = publish.assignment_closed(session, assignment=assignment, closed_at=at, finals=finals)
    session.add(ClosedAssignment(assignment_id=assignment_id, closed_at=at, event_id=envelope.id,
                                 final_count=len(finals)))
    session.flush()
    log.info("closed assignment %s with %d final submissions", assignment_id, len(finals))
    return True


def close_due(session: Session, *, close_grace_s: int, at: datetime | None = None, limit: int = 50) -> list[str]:
    """Close every due assignment (bounded per call); returns the ids this call closed."""
    at = at or now()
    due = repository.due_unclosed_assignments(session, before=at - timedelta(seconds=close_grace_s), limit=limit)
    return [a for a in due if close_if_due(session, assignment_id=a, close_grace_s=close_grace_s, at=at)]
