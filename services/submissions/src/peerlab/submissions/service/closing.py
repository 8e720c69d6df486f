"""Closing assignments: ``assignment.closed.v1`` exactly once per assignment.

The closed marker (primary key = assignment id) and the outbox row are written in one
transaction, after the assignment row is locked ``FOR UPDATE``. A second closer (another replica,
or the same one after a restart) waits on that lock and then finds the marker, so it publishes
nothing; a closer that was down at the deadline closes everything due when it runs again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from peerlab.submissions import repository
from peerlab.chassis import clock
from peerlab.submissions.events import publish
from peerlab.submissions.models import ClosedAssignment
from peerlab.submissions.service.handins import closes_at

log = logging.getLogger("peerlab.submissions.closing")


def close_if_due(session: Session, *, assignment_id: str, close_grace_s: int, now: datetime | None = None) -> bool:
    """Close one assignment if its deadline plus grace (its own, else ``close_grace_s``) has passed
    by ``now`` (default: the clock) and nobody closed it yet."""
    at = now or clock.now()
    assignment = repository.get_assignment(session, assignment_id, lock="update")
    if assignment is None or closes_at(assignment, default_grace_s=close_grace_s) > at:
        return False
    if repository.closed_marker(session, assignment_id) is not None:
        return False
    finals = repository.current_versions(session, assignment_id)
    envelope = publish.assignment_closed(session, assignment=assignment, closed_at=at, finals=finals)
    session.add(
        ClosedAssignment(assignment_id=assignment_id, closed_at=at, event_id=envelope.id, final_count=len(finals))
    )
    session.flush()
    log.info("closed assignment %s with %d final submissions", assignment_id, len(finals))
    return True


def close_due(session: Session, *, close_grace_s: int, now: datetime | None = None, limit: int = 50) -> list[str]:
    """Close every due assignment (bounded per call); returns the ids this call closed.

    Candidates are unclosed assignments past their deadline (an assignment may carry a grace of its
    own, shorter or longer than the default); each closes only once its own grace has passed."""
    at = now or clock.now()
    past = repository.unclosed_past_deadline(session, at=at)
    due = [a.id for a in past if closes_at(a, default_grace_s=close_grace_s) <= at][:limit]
    return [a for a in due if close_if_due(session, assignment_id=a, close_grace_s=close_grace_s, now=at)]
