"""Allocation runs of a round: exactly once on ``assignment.closed``, gap-filling reruns on demand.

Exactly once: a run starts by inserting its claim row ``(round_id, run_no)`` and flushing, in the
same transaction that writes the allocations and their ``review.allocated`` outbox rows. Of two
concurrent triggers one fails on the key and rolls back everything it did; retried, it finds
the run and does nothing. Duplicate deliveries of the same close event stop at the inbox.

Only on-time final hand-ins take part, as reviewers and as reviewees; resubmissions never do.
A rerun that drops an unstarted task publishes ``review.allocation_cancelled`` (reason ``rerun``)
for it, in the same transaction; one it reinstates is published as ``review.allocated`` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlmodel import Session

from peerlab.review import repository as repo
from peerlab.review.allocation import Allocation, AllocationInfeasible, Reason, allocate
from peerlab.review.events import publish
from peerlab.review.models import AllocationRow, AllocationRunRow, RoundRow
from peerlab.review.service import rounds, teacher_queue
from peerlab.review.service.common import new_id, new_task_token

Pair = tuple[str, str]
_KEPT_REASONS = {Reason.KEPT_EXCEEDS_K, Reason.KEPT_PAIRS_BLOCK, Reason.KEPT_PAIR_INVALID}
_SEED_VARIANTS = 3


class _NoAllocation(Exception):
    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(message)
        self.reason_code, self.message = reason_code, message


@dataclass(frozen=True)
class _Current:
    """The round's tasks as they stand before a run."""

    active: dict[Pair, AllocationRow]
    started: set[Pair]
    blocked: set[Pair]
    cancelled: dict[Pair, AllocationRow]


def due_at(round_row: RoundRow, now: datetime) -> datetime:
    return round_row.review_closes_at or now + timedelta(days=round_row.window_days)


def allocate_on_close(
    session: Session, *, round_row: RoundRow, event_id: str, course_id: str, now: datetime
) -> AllocationRunRow | None:
    """The first allocation of a round; a no-op if any run exists already."""
    if repo.allocation_runs(session, round_row.id):
        return None
    return run_allocation(
        session,
        round_row=round_row,
        trigger="assignment_closed",
        triggered_by=event_id,
        course_id=course_id,
        now=now,
        run_no=1,
    )


def run_allocation(
    session: Session,
    *,
    round_row: RoundRow,
    trigger: str,
    triggered_by: str,
    course_id: str,
    now: datetime,
    run_no: int | None = None,
) -> AllocationRunRow:
    """One run: claim ``run_no`` (default: the next one), then allocate or record why not."""
    if run_no is None:
        runs = repo.allocation_runs(session, round_row.id)
        run_no = (runs[-1].run_no + 1) if runs else 1
    claim = AllocationRunRow(
        round_id=round_row.id,
        run_no=run_no,
        trigger=trigger,
        triggered_by=triggered_by,
        outcome="running",
        created_at=now,
    )
    session.add(claim)
    session.flush()  # a concurrent run of the same number fails here, before any work

    pool = repo.review_pool(session, round_row.assignment_id)
    claim.submitters = len(pool)
    current = _current(session, round_row.id)
    if not pool and not current.active:
        return _nothing_to_allocate(round_row=round_row, run=claim, now=now)
    try:
        result = _compute(round_row, sorted(pool), rounds.group_of(session, round_row.id), current)
    except _NoAllocation as failure:
        return _fail(
            session, round_row=round_row, run=claim, failure=failure, current=current, course_id=course_id, now=now
        )

    wanted = set(result.pairs)
    for pair, row in current.active.items():
        if pair in wanted or pair in current.started:
            continue
        row.status, row.updated_at = "cancelled", now
        claim.cancelled += 1
        publish.allocation_cancelled(
            session, allocation=row, round_row=round_row, reason="rerun", course_id=course_id, now=now
        )
    new_pairs = sorted(wanted - set(current.active))
    fresh: list[dict] = []
    for reviewer, reviewee in new_pairs:
        submission_id = pool[reviewee].submission_id
        old = current.cancelled.get((reviewer, reviewee))
        if old is not None:
            old.status, old.run_no, old.updated_at = "active", claim.run_no, now
            ids = (old.id, old.task_token, None)
        else:
            ids = (new_id(), new_task_token(), None)
            fresh.append(
                dict(
                    id=ids[0],
                    round_id=round_row.id,
                    submission_id=submission_id,
                    reviewer_id=reviewer,
                    reviewee_id=reviewee,
                    task_token=ids[1],
                    status="active",
                    run_no=claim.run_no,
                    replaces_allocation_id=None,
                    created_at=now,
                    updated_at=now,
                )
            )
        publish.allocated(
            session,
            allocation_id=ids[0],
            submission_id=submission_id,
            reviewer_id=reviewer,
            task_token=ids[1],
            replaces_allocation_id=ids[2],
            round_row=round_row,
            due_at=due_at(round_row, now),
            course_id=course_id,
        )
    if fresh:
        session.execute(insert(AllocationRow), fresh)
    claim.outcome, claim.method = "allocated", result.method
    claim.added, claim.kept = len(new_pairs), len(wanted & set(current.active))
    round_row.status, round_row.failure_reason_code, round_row.failure_message = "allocated", None, None
    round_row.allocated_at = round_row.allocated_at or now
    round_row.updated_at = now
    return claim


def add_task(
    session: Session,
    *,
    round_row: RoundRow,
    reviewer_id: str,
    reviewee_id: str,
    submission_id: str,
    replaces: str | None,
    course_id: str,
    now: datetime,
) -> AllocationRow:
    """One new task (a replacement), published like any other."""
    row = AllocationRow(
        id=new_id(),
        round_id=round_row.id,
        submission_id=submission_id,
        reviewer_id=reviewer_id,
        reviewee_id=reviewee_id,
        task_token=new_task_token(),
        status="active",
        run_no=0,
        replaces_allocation_id=replaces,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    publish.allocated(
        session,
        allocation_id=row.id,
        submission_id=submission_id,
        reviewer_id=reviewer_id,
        task_token=row.task_token,
        replaces_allocation_id=replaces,
        round_row=round_row,
        due_at=due_at(round_row, now),
        course_id=course_id,
    )
    return row


def _current(session: Session, round_id: str) -> _Current:
    rows = repo.allocations_of_round(session, round_id)
    active = {(r.reviewer_id, r.reviewee_id): r for r in rows if r.status == "active"}
    reviews = repo.reviews_by_allocation(session, [r.id for r in active.values()]) if active else {}
    return _Current(
        active=active,
        started={pair for pair, r in active.items() if r.id in reviews},
        blocked={(r.reviewer_id, r.reviewee_id) for r in rows if r.status in ("flagged", "withdrawn")},
        cancelled={(r.reviewer_id, r.reviewee_id): r for r in rows if r.status == "cancelled"},
    )


def _compute(round_row: RoundRow, submitters: list[str], groups: dict[str, str], current: _Current) -> Allocation:
    """Keep every active task if possible, else every started or finished one; never hand a
    reviewer back a submission they flagged (another seed variant is tried, a bounded few)."""
    keeps: list[set[Pair]] = [set(current.active)]
    if current.started != keeps[0]:
        keeps.append(set(current.started))
    last: AllocationInfeasible | None = None
    for keep in keeps:
        for variant in range(_SEED_VARIANTS if current.blocked else 1):
            seed = round_row.seed if variant == 0 else f"{round_row.seed}:{variant}"
            try:
                result = allocate(submitters, k=round_row.k, seed=seed, groups=groups, keep=keep)
            except AllocationInfeasible as exc:
                if exc.reason_code not in _KEPT_REASONS:
                    raise _NoAllocation(str(exc.reason_code), exc.message) from exc
                last = exc
                break
            if not (set(result.pairs) & current.blocked):
                return result
    if last is not None:
        raise _NoAllocation(str(last.reason_code), last.message)
    raise _NoAllocation(
        "flagged_pair_unavoidable", "every allocation tried hands a reviewer a submission they flagged; change the seed"
    )


def _nothing_to_allocate(*, round_row: RoundRow, run: AllocationRunRow, now: datetime) -> AllocationRunRow:
    """Nobody handed in on time: the round is allocated with no tasks. Nothing failed, so there is no
    ``review.allocation_failed`` and no teacher-queue item (a past lab seeded without hand-ins, or a
    lab everyone skipped, is not something a teacher must act on)."""
    run.outcome, run.method = "allocated", "empty"
    round_row.status, round_row.failure_reason_code, round_row.failure_message = "allocated", None, None
    round_row.allocated_at = round_row.allocated_at or now
    round_row.updated_at = now
    return run


def _fail(
    session: Session,
    *,
    round_row: RoundRow,
    run: AllocationRunRow,
    failure: _NoAllocation,
    current: _Current,
    course_id: str,
    now: datetime,
) -> AllocationRunRow:
    """Nothing is written but the run, the round's failure, the event and a teacher-queue item."""
    run.outcome, run.reason_code, run.message = "failed", failure.reason_code, failure.message
    if not current.active:
        round_row.status = "allocation_failed"
    round_row.failure_reason_code, round_row.failure_message = failure.reason_code, failure.message
    round_row.updated_at = now
    publish.allocation_failed(
        session, round_row=round_row, reason_code=failure.reason_code, message=failure.message, course_id=course_id
    )
    teacher_queue.add_item(
        session,
        kind="allocation_failed",
        dedupe_key=f"allocation_failed:{round_row.id}:{run.run_no}",
        now=now,
        round_id=round_row.id,
        lab_number=round_row.lab_number,
        detail=f"Allocation run {run.run_no} failed ({failure.reason_code}): {failure.message}",
    )
    return run
