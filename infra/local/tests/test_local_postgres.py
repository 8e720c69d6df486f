"""PostgreSQL over sockets: the shared or discovered server, and a throwaway cluster."""

import uuid

import psycopg
import pytest
from peerlab.local.launchers.postgres import _libpq_url


def _scalar(url: str, sql: str):
    with psycopg.connect(_libpq_url(url), connect_timeout=5) as conn:
        return conn.execute(sql).fetchone()[0]


def test_create_and_drop_a_database(pg_server):
    if pg_server is None:
        pytest.skip("no PostgreSQL available")
    name = f"t_local_{uuid.uuid4().hex[:8]}"
    url = pg_server.create_database(name)
    assert url.startswith("postgresql+psycopg://") and url.endswith("/" + name)
    assert _scalar(url, "select current_database()") == name
    held = psycopg.connect(_libpq_url(url))  # drop must terminate open connections
    try:
        pg_server.drop_database(name)
    finally:
        held.close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_libpq_url(url), connect_timeout=5).close()


def test_database_names_are_checked(pg_server):
    if pg_server is None:
        pytest.skip("no PostgreSQL available")
    with pytest.raises(ValueError):
        pg_server.create_database('x"; drop database postgres; --')


def test_throwaway_cluster_stops_and_restarts_with_its_data(make_pg_server):
    server = make_pg_server()
    assert server.can_restart and not server.shared
    url = server.create_database("kept")
    with psycopg.connect(_libpq_url(url), autocommit=True) as conn:
        conn.execute("create table t (v int)")
        conn.execute("insert into t values (42)")
    server.stop()
    assert not server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_libpq_url(url), connect_timeout=3).close()
    server.start()
    assert _scalar(url, "select v from t") == 42


def test_a_shared_server_is_never_stopped(pg_server):
    if pg_server is None or not pg_server.shared:
        pytest.skip("no shared PostgreSQL in use")
    assert not pg_server.can_restart
    with pytest.raises(RuntimeError):
        pg_server.stop()
    assert pg_server.running
