"""Review allocation end to end: ``assignment.closed.v1`` handled -> every allocation committed.

    uv run python bench/review_e2e_bench.py [--submitters 2000] [--repeat 3] [--db postgres|sqlite]

Each repetition gets a fresh, migrated database holding one lab with N on-time hand-ins (fed
through the consumer, not timed). Timed: the consumer runner handling the raw close envelope
(inbox check, projection of the final hand-ins, allocation, N*k allocation rows, N*k
``review.allocated.v1`` outbox rows, eligibility refresh of every student, one commit).

Baselines measured in the same run and database:
- ``allocate()`` alone (the pure construction, verify included);
- a plain bulk INSERT of N*k allocation-shaped rows (a table LIKE review_allocation, same
  indexes) in one transaction, the floor of writing that many rows;
- the outbox rows alone: N*k ``enqueue()`` of the same events and a commit;
- the eligibility refresh of N students alone (rolled back);
- a what-if: the same outbox rows written by one Core executemany instead of ``enqueue()``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, func, insert, select, text
from sqlmodel import Session

from peerlab.chassis.consumer import ConsumerRunner
from peerlab.chassis.db import make_engine, unit_of_work
from peerlab.chassis.migrations import alembic_config
from peerlab.chassis.outbox import OutboxEvent, enqueue
from peerlab.contracts import Envelope
from peerlab.contracts.events.review import ReviewAllocatedV1
from peerlab.contracts.events.submissions import (
    AssignmentClosedV1,
    AssignmentUpsertedV1,
    FinalSubmission,
    SubmissionReceivedV1,
)
from peerlab.local.launchers import PostgresServer, PostgresUnavailable
from peerlab.review.allocation import allocate
from peerlab.review.events.handlers import consumer_spec
from peerlab.review.models import AllocationRow, RoundRow
from peerlab.review.service import eligibility
from peerlab.review.settings import ReviewSettings

K = 3
COURSE = "02456-2021"


def fresh_url(kind: str, workdir: Path, server: PostgresServer | None) -> str:
    if kind == "postgres" and server is not None:
        return server.create_database(f"bench_review_{uuid.uuid4().hex[:8]}")
    return f"sqlite:///{workdir}/review-{uuid.uuid4().hex[:6]}.db"


def wrap(data, subject: str) -> bytes:
    return Envelope.wrap(data, source="submissions", subject=subject, course_id=COURSE).to_bytes()


def prepare(url: str, n: int) -> tuple[ReviewSettings, ConsumerRunner, bytes, list[str]]:
    command.upgrade(alembic_config(package="peerlab.review", settings=ReviewSettings(database_url=url)), "head")
    settings = ReviewSettings(
        database_url=url,
        environment="test",
        relay_in_process=False,
        course_id=COURSE,
        log_level="WARNING",
        log_json=False,
        kafka_bootstrap="127.0.0.1:9",
    )
    engine = make_engine(settings)
    runner = ConsumerRunner(consumer_spec(settings), engine=engine, bootstrap=settings.kafka_bootstrap)
    deadline = datetime.now(UTC) - timedelta(minutes=1)
    stop = threading.Event()
    runner.handle_message(
        wrap(
            AssignmentUpsertedV1(
                assignment_id="a-lab-1",
                kind="lab",
                lab_number=1,
                title="Lab 1",
                opens_at=deadline - timedelta(days=7),
                deadline=deadline,
            ),
            "a-lab-1",
        ),
        stop=stop,
    )
    people = [f"s{i:06d}" for i in range(n)]
    for p in people:
        runner.handle_message(
            wrap(
                SubmissionReceivedV1(
                    submission_id=f"s-1-{p}",
                    assignment_id="a-lab-1",
                    assignment_kind="lab",
                    lab_number=1,
                    owner_id=p,
                    submitted_by=p,
                    version=1,
                    file_name="week1-EXE.ipynb",
                    size=1000,
                    sha256="ab" * 32,
                    received_at=deadline - timedelta(hours=1),
                ),
                f"s-1-{p}",
            ),
            stop=stop,
        )
    close = wrap(
        AssignmentClosedV1(
            assignment_id="a-lab-1",
            kind="lab",
            lab_number=1,
            deadline=deadline,
            closed_at=deadline,
            final_submissions=[
                FinalSubmission(owner_id=p, submission_id=f"s-1-{p}", version=1, sha256="ab" * 32) for p in people
            ],
        ),
        "a-lab-1",
    )
    return settings, runner, close, people


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def one_repetition(url: str, n: int) -> dict[str, float]:
    settings, runner, close, people = prepare(url, n)
    engine = runner.engine
    out: dict[str, float] = {}
    outcome: list[str] = []
    out["e2e"] = timed(lambda: outcome.append(runner.handle_message(close, stop=threading.Event())))
    with unit_of_work(engine) as s:
        allocations = s.execute(select(func.count()).select_from(AllocationRow)).scalar_one()
        events = s.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "review.allocated.v1")
        ).scalar_one()
        seed = s.execute(select(RoundRow.seed)).scalar_one()
    assert outcome == ["handled"] and allocations == events == n * K, (outcome, allocations, events)

    result = allocate(people, k=K, seed=seed)
    out["allocate"] = min(timed(lambda: allocate(people, k=K, seed=seed)) for _ in range(3))

    stamp = datetime.now(UTC)
    rows = [
        dict(
            id=str(uuid.uuid4()),
            round_id="bench",
            submission_id=f"s-1-{reviewee}",
            reviewer_id=reviewer,
            reviewee_id=reviewee,
            task_token=uuid.uuid4().hex,
            status="active",
            run_no=1,
            replaces_allocation_id=None,
            created_at=stamp,
            updated_at=stamp,
        )
        for reviewer, reviewee in result.pairs
    ]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE TABLE bench_plain (LIKE review_allocation INCLUDING ALL)"))
        else:
            conn.execute(text("CREATE TABLE bench_plain AS SELECT * FROM review_allocation WHERE 0"))
    plain = AllocationRow.__table__.to_metadata(MetaData(), name="bench_plain")

    def plain_insert() -> None:
        with engine.begin() as conn:
            conn.execute(insert(plain), rows)

    out["plain_insert"] = timed(plain_insert)

    due = datetime.now(UTC) + timedelta(days=7)

    def outbox_only() -> None:
        with unit_of_work(engine) as s:
            for r in rows:
                enqueue(
                    s,
                    ReviewAllocatedV1(
                        allocation_id=r["id"],
                        round_id="bench",
                        assignment_id="a-lab-1",
                        submission_id=r["submission_id"],
                        reviewer_id=r["reviewer_id"],
                        task_token=r["task_token"],
                        due_at=due,
                        lab_number=1,
                    ),
                    source="review",
                    subject=r["id"],
                    course_id=COURSE,
                )

    out["outbox"] = timed(outbox_only)

    def outbox_core() -> None:
        """What-if: the same envelopes written by one Core executemany (no ORM objects, no RETURNING)."""
        stamp = datetime.now(UTC)
        batch = []
        for r in rows:
            env = Envelope.wrap(
                ReviewAllocatedV1(
                    allocation_id=r["id"],
                    round_id="bench",
                    assignment_id="a-lab-1",
                    submission_id=r["submission_id"],
                    reviewer_id=r["reviewer_id"],
                    task_token=r["task_token"],
                    due_at=due,
                    lab_number=1,
                ),
                source="review",
                subject=r["id"],
                course_id=COURSE,
            )
            batch.append(
                dict(
                    event_id=env.id,
                    topic="peerlab.review",
                    key=r["id"],
                    event_type=env.type,
                    payload=env.to_bytes(),
                    created_at=stamp,
                    sent_at=None,
                    attempts=0,
                    last_error=None,
                )
            )
        with engine.begin() as conn:
            conn.execute(insert(OutboxEvent.__table__), batch)

    out["outbox_core"] = timed(outbox_core)

    def eligibility_only() -> None:
        with engine.connect() as conn:
            with Session(bind=conn) as s:
                eligibility.refresh(s, student_ids=people, settings=settings, course_id=COURSE, now=datetime.now(UTC))
                s.rollback()

    out["eligibility"] = timed(eligibility_only)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submitters", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()
    server: PostgresServer | None = None
    if args.db == "postgres":
        try:
            server = PostgresServer.discover().start()
        except PostgresUnavailable as exc:
            print(f"PostgreSQL unavailable ({exc}); using SQLite")
    kind = "postgres" if server is not None else "sqlite"
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as workdir:
        for i in range(args.repeat):
            url = fresh_url(kind, Path(workdir), server)
            runs.append(one_repetition(url, args.submitters))
            print(f"run {i + 1}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in runs[-1].items()))
            if server is not None:
                server.drop_database(url.rsplit("/", 1)[-1])
    if server is not None:
        server.close()
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    n = args.submitters
    print(f"\n{kind}, {n} submitters, k={K}, {n * K} allocations + {n * K} outbox rows; medians of {len(runs)}")
    print(f"  close handled -> committed (e2e)   {med['e2e'] * 1000:8.0f} ms")
    print(
        f"  allocate() alone                   {med['allocate'] * 1000:8.1f} ms   e2e / allocate   = "
        f"{med['e2e'] / med['allocate']:.0f}x"
    )
    print(
        f"  plain bulk INSERT of {n * K} rows     {med['plain_insert'] * 1000:8.0f} ms   e2e / plain      = "
        f"{med['e2e'] / med['plain_insert']:.1f}x"
    )
    print(
        f"  outbox rows alone ({n * K} enqueue)   {med['outbox'] * 1000:8.0f} ms   outbox / plain   = "
        f"{med['outbox'] / med['plain_insert']:.1f}x   outbox share of e2e = {med['outbox'] / med['e2e']:.0%}"
    )
    print(
        f"  outbox rows by one Core executemany {med['outbox_core'] * 1000:6.0f} ms   (what-if) enqueue / core = "
        f"{med['outbox'] / med['outbox_core']:.1f}x"
    )
    print(
        f"  eligibility refresh of {n} students {med['eligibility'] * 1000:7.0f} ms   share of e2e = "
        f"{med['eligibility'] / med['e2e']:.0%}"
    )


if __name__ == "__main__":
    main()
