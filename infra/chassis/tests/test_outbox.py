"""The outbox commits with the state change and rolls back with it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlmodel import Session

from peerlab.chassis.db import unit_of_work
from peerlab.chassis.outbox import OutboxEvent, enqueue
from peerlab.contracts import Envelope

from chassis_testkit import Effect, prepared_engine, received, settings_for


@pytest.fixture
def engine(fresh_database_url):
    return prepared_engine(settings_for(fresh_database_url("outbox"), "127.0.0.1:9"))


def rows(engine):
    with unit_of_work(engine) as session:
        return session.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars().all()


def test_events_commit_with_the_state_change_in_enqueue_order(engine):
    with unit_of_work(engine) as session:
        session.execute(insert(Effect).values(subject="s-1"))
        ids = [enqueue(session, received(i), source="t", subject=f"s-{i}", course_id="c").id for i in range(50)]
    stored = rows(engine)
    assert [r.event_id for r in stored] == ids
    assert Envelope.from_bytes(stored[0].payload).data["submission_id"] == "s-00000"


def test_a_rolled_back_transaction_leaves_no_event_and_no_state(engine):
    with pytest.raises(RuntimeError):
        with unit_of_work(engine) as session:
            session.execute(insert(Effect).values(subject="s-1"))
            enqueue(session, received(1), source="t", subject="s-1", course_id="c")
            raise RuntimeError("the service refused")
    assert rows(engine) == []
    with unit_of_work(engine) as session:
        assert session.execute(select(func.count()).select_from(Effect)).scalar_one() == 0
    # A session reused after a rollback does not write the rolled-back events later.
    with Session(engine) as session:
        enqueue(session, received(1), source="t", subject="s-1", course_id="c")
        session.rollback()
        enqueue(session, received(2), source="t", subject="s-2", course_id="c")
        session.commit()
    assert [Envelope.from_bytes(r.payload).subject for r in rows(engine)] == ["s-2"]


def test_a_commit_that_wrote_events_wakes_the_listening_relay_and_a_rollback_does_not(engine):
    """PostgreSQL: ``NOTIFY`` rides the outbox transaction, so only a commit wakes the relay."""
    import threading

    from peerlab.chassis.db import is_postgres
    from peerlab.chassis.outbox_listener import OutboxListener

    if not is_postgres(engine):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite relays poll")
    listener = OutboxListener(engine)
    never = threading.Event()
    try:
        assert listener.start()
        with pytest.raises(RuntimeError):
            with unit_of_work(engine) as session:
                enqueue(session, received(1), source="t", subject="s-1", course_id="c")
                raise RuntimeError("the service refused")
        with unit_of_work(engine) as session:  # a transaction without events notifies nobody
            session.execute(insert(Effect).values(subject="s-0"))
        assert listener.wait(0.5, never) is False
        with unit_of_work(engine) as session:
            for i in range(3):
                enqueue(session, received(i), source="t", subject=f"s-{i}", course_id="c")
        assert listener.wait(30, never) is True
        # One commit, one wake-up: the notification is not seen again.
        assert listener.wait(0.5, never) is False
    finally:
        listener.close()
