"""A pooled PostgreSQL connection the server has closed is replaced at checkout, not handed out."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from peerlab.chassis.db import is_postgres, unit_of_work

from chassis_testkit import prepared_engine, settings_for


def test_a_connection_terminated_by_the_server_is_not_handed_out_again(fresh_database_url):
    engine = prepared_engine(settings_for(fresh_database_url("pool"), "127.0.0.1:9"))
    if not is_postgres(engine):
        pytest.skip("the idle-socket check is PostgreSQL's")
    engine.pool.dispose()
    with unit_of_work(engine) as session:
        victim = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert engine.pool.checkedin() == 1
    outside = create_engine(engine.url, poolclass=NullPool)
    try:
        with outside.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
            for _ in range(200):  # bounded: until the server has let the backend go
                gone = other.execute(
                    text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"), {"pid": victim}
                ).scalar_one()
                if gone:
                    break
                time.sleep(0.05)
    finally:
        outside.dispose()
    # Without a round-trip ping the pool still notices: the idle socket has the close on it.
    with unit_of_work(engine) as session:
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() != victim
