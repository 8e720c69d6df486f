"""Concurrent joins on PostgreSQL: a group never passes its maximum size and a student never ends
up in two groups, however the requests interleave."""

import threading
import uuid

import pytest
from sqlalchemy import select
from sqlmodel import Session

from peerlab.chassis.auth import Principal, Role
from peerlab.chassis.db import unit_of_work
from peerlab.chassis.errors import ProblemError
from peerlab.chassis.clock import now
from peerlab.projects.models import GroupRow, MembershipRow
from peerlab.projects.schemas import GroupCreate
from peerlab.projects.service import groups
from peerlab.projects.service.groups import GroupPolicy
from projects_testkit import make_stack

THREADS = 8


@pytest.fixture
def pg_stack(pg_server):
    """Always PostgreSQL (also when the other tests run on SQLite): row locks are the point here."""
    if pg_server is None:
        pytest.skip("needs PostgreSQL")
    name = f"t_proj_race_{uuid.uuid4().hex[:10]}"
    url = pg_server.create_database(name)
    try:
        with make_stack(url, database_pool_size=THREADS, max_group_size=4) as built:
            yield built
    finally:
        pg_server.drop_database(name)


def _student(sub: str) -> Principal:
    return Principal(sub=sub, roles=frozenset({Role.STUDENT}))


def _race(count: int, work) -> list[str]:
    barrier = threading.Barrier(count)
    results = [""] * count

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


def _found(stack, sub: str) -> GroupRow:
    with unit_of_work(stack.engine) as session:
        policy = GroupPolicy.of(stack.settings, session)
        return groups.create_group(session, body=GroupCreate(), principal=_student(sub), policy=policy, now=now())


def test_concurrent_joins_stop_at_the_maximum_size(pg_stack):
    joiners = [f"s2101{i:02d}" for i in range(THREADS)]
    pg_stack.enrol("s210000", *joiners)
    group = _found(pg_stack, "s210000")
    with unit_of_work(pg_stack.engine) as session:
        policy = GroupPolicy.of(pg_stack.settings, session)

    def work(i: int) -> None:
        with unit_of_work(pg_stack.engine) as session:
            groups.join_group(
                session, join_code=group.join_code, principal=_student(joiners[i]), policy=policy, now=now()
            )

    results = _race(THREADS, work)
    assert results.count("ok") == 3 and results.count("group_full") == THREADS - 3
    with Session(pg_stack.engine) as session:
        members = list(session.scalars(select(MembershipRow).where(MembershipRow.group_id == group.group_id)))
        assert len(members) == 4 and session.get(GroupRow, group.group_id).member_count == 4
    formed = pg_stack.outbox("group.formed.v1")
    assert len(formed) == 1  # formed exactly once, by whichever join came first


def test_a_student_racing_into_several_groups_ends_in_one(pg_stack):
    founders = [f"s2102{i:02d}" for i in range(THREADS)]
    pg_stack.enrol("s210000", *founders)
    codes = [_found(pg_stack, f).join_code for f in founders]
    with unit_of_work(pg_stack.engine) as session:
        policy = GroupPolicy.of(pg_stack.settings, session)

    def work(i: int) -> None:
        with unit_of_work(pg_stack.engine) as session:
            groups.join_group(session, join_code=codes[i], principal=_student("s210000"), policy=policy, now=now())

    results = _race(THREADS, work)
    assert results.count("ok") == 1 and results.count("already_in_group") == THREADS - 1
    with Session(pg_stack.engine) as session:
        assert len(list(session.scalars(select(MembershipRow).where(MembershipRow.person_id == "s210000")))) == 1
        counts = sorted(g.member_count for g in session.scalars(select(GroupRow)))
    assert counts == [1] * (THREADS - 1) + [2]
