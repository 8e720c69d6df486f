"""The pytest plugin's fixtures, used as a service's tests use them."""

import os
import subprocess
import sys
import textwrap
import urllib.request

import psycopg
import pytest
from peerlab.local.launchers.postgres import PostgresServer, _libpq_url
from sqlalchemy import create_engine, text


def test_fresh_database_urls_are_distinct_and_usable(fresh_database_url):
    first, second = fresh_database_url("orders"), fresh_database_url("orders")
    assert first != second
    for url in (first, second):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("create table t (v int)"))
            conn.execute(text("insert into t values (1)"))
            assert conn.execute(text("select count(*) from t")).scalar() == 1
        engine.dispose()


def test_databases_follow_peerlab_test_db_and_are_dropped_after_the_test(tmp_path):
    """Runs a small test session in a child pytest, then checks what it left behind."""
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent("""
        import os, pathlib
        def test_make(fresh_database_url):
            url = fresh_database_url("inner")
            pathlib.Path(os.environ["URL_OUT"]).write_text(url)
    """)
    )
    for backend in ("sqlite", "postgres"):
        out = tmp_path / f"url-{backend}.txt"
        env = {**os.environ, "PEERLAB_TEST_DB": backend, "URL_OUT": str(out)}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_inner.py")],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
        )
        url = out.read_text() if out.exists() else ""
        if backend == "sqlite":
            assert done.returncode == 0, done.stdout + done.stderr
            assert url.startswith("sqlite:///")
            continue
        try:
            server = PostgresServer.discover()
        except Exception:  # noqa: BLE001 - whatever stops discovery, there is no server to be had
            assert done.returncode != 0  # postgres was asked for and cannot be had: the test fails
            continue
        assert done.returncode == 0, done.stdout + done.stderr
        assert url.startswith("postgresql+psycopg://")
        if server.shared:  # a throwaway cluster is gone with its session anyway
            with pytest.raises(psycopg.OperationalError, match="does not exist"):
                psycopg.connect(_libpq_url(url), connect_timeout=5).close()


def test_unique_topic_prefix_names_the_test(unique_topic_prefix):
    assert unique_topic_prefix.startswith("t-test_unique_topic_prefix_names_the_test-")


def test_spawn_service_runs_an_app_and_stops_it_afterwards(spawn_service, tmp_path, monkeypatch):
    (tmp_path / "echoapp.py").write_text(
        textwrap.dedent("""
        import os
        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": os.environ["GREETING"].encode()})
    """)
    )
    proc = spawn_service("echoapp:app", env={"GREETING": "hej"}, cwd=tmp_path)
    with urllib.request.urlopen(proc.url + "/healthz", timeout=5) as resp:
        assert resp.read() == b"hej"
