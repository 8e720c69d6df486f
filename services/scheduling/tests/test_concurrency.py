"""Concurrent bookings and print requests on PostgreSQL: no slot over capacity, one slot per
group, no more prints than the quota, however the requests interleave."""

import threading
import uuid

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from peerlab.chassis.auth import Principal, Role
from peerlab.chassis.db import unit_of_work
from peerlab.chassis.errors import ProblemError
from peerlab.chassis.clock import now
from peerlab.scheduling.models import Booking, PrintRequest, Slot
from peerlab.scheduling.service import bookings, printing
from scheduling_testkit import COURSE, future_poster_day, make_stack, slot_of

THREADS = 8


@pytest.fixture
def pg_stack(pg_server):
    """Always PostgreSQL (also when the other tests run on SQLite): row locks are the point here."""
    if pg_server is None:
        pytest.skip("needs PostgreSQL")
    name = f"t_sched_race_{uuid.uuid4().hex[:10]}"
    url = pg_server.create_database(name)
    try:
        with make_stack(url, database_pool_size=THREADS) as built:
            yield built
    finally:
        pg_server.drop_database(name)


def _race(count: int, work) -> list[str]:
    """Run ``work(i)`` in ``count`` threads released together; collect 'ok' or the problem code."""
    barrier = threading.Barrier(count)
    results: list[str] = [""] * count

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            work(i)
            results[i] = "ok"
        except ProblemError as exc:
            results[i] = exc.code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def _setup(stack, *, capacity: int) -> None:
    client = stack.client()
    client.put(
        f"/v1/courses/{COURSE}/exam-days/poster-2021",
        json=future_poster_day(slot_capacity=capacity),
        headers=stack.auth("t1", "teacher"),
    )
    for i in range(THREADS):
        stack.feed_group(f"g-{i}", [f"s2100{i:02d}", f"s2101{i:02d}"])


def test_a_slot_never_takes_more_groups_than_its_capacity(pg_stack):
    _setup(pg_stack, capacity=3)
    slot = slot_of("poster-2021", "1000")

    def work(i: int) -> None:
        with unit_of_work(pg_stack.engine) as session:
            bookings.book(
                session,
                course_id=COURSE,
                group_id=f"g-{i}",
                slot_id=slot,
                principal=Principal(sub=f"s2100{i:02d}", roles=frozenset({Role.STUDENT})),
                now=now(),
            )

    results = _race(THREADS, work)
    assert results.count("ok") == 3 and results.count("slot_full") == THREADS - 3
    with Session(pg_stack.engine) as session:
        assert session.get(Slot, (COURSE, slot)).booked == 3
        assert session.scalar(select(func.count()).select_from(Booking)) == 3
    assert len(pg_stack.outbox("exam.booked.v1")) == 3


def test_a_group_racing_for_several_slots_ends_with_one(pg_stack):
    _setup(pg_stack, capacity=5)
    slots = [slot_of("poster-2021", hhmm) for hhmm in ("0900", "0930", "1000", "1030", "1100", "1130", "1200", "1230")]

    def work(i: int) -> None:
        with unit_of_work(pg_stack.engine) as session:
            bookings.book(
                session,
                course_id=COURSE,
                group_id="g-0",
                slot_id=slots[i],
                principal=Principal(sub="s210000", roles=frozenset({Role.STUDENT})),
                now=now(),
            )

    results = _race(THREADS, work)
    assert results.count("ok") >= 1
    assert set(results) <= {"ok", "group_already_booked"}
    with Session(pg_stack.engine) as session:
        rows = list(session.scalars(select(Booking)))
        assert len(rows) == 1
        places = {s.slot_id: s.booked for s in session.scalars(select(Slot))}
    assert sum(places.values()) == 1 and places[rows[0].slot_id] == 1


def test_free_prints_stop_at_the_quota(pg_stack):
    _setup(pg_stack, capacity=1)

    def work(i: int) -> None:
        with unit_of_work(pg_stack.engine) as session:
            printing.request_print(
                session,
                course_id=COURSE,
                group_id=f"g-{i}",
                quota=5,
                now=now(),
                principal=Principal(sub=f"s2100{i:02d}", roles=frozenset({Role.STUDENT})),
            )

    results = _race(THREADS, work)
    assert results.count("ok") == 5 and results.count("print_quota_exhausted") == THREADS - 5
    with Session(pg_stack.engine) as session:
        positions = sorted(r.position for r in session.scalars(select(PrintRequest)))
    assert positions == [1, 2, 3, 4, 5]
