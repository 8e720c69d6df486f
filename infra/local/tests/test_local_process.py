"""ServiceProcess over real child processes."""

import signal
import sys
import textwrap
import urllib.request

import pytest
from peerlab.local.ports import free_port, port_open
from peerlab.local.process import ProcessFailed, ServiceProcess

ASGI_APP = textwrap.dedent("""
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": scope["path"].encode()})
""")


@pytest.fixture
def app_dir(tmp_path):
    (tmp_path / "tinyapp.py").write_text(ASGI_APP)
    return tmp_path


def test_uvicorn_app_becomes_ready_then_stops_on_sigterm(app_dir):
    proc = ServiceProcess.uvicorn(
        "tinyapp:app", port=free_port(), log_path=app_dir / "api.log", cwd=app_dir, ready_timeout=30
    )
    with proc:
        assert proc.running
        with urllib.request.urlopen(proc.url + "/hello", timeout=5) as resp:
            assert resp.read() == b"/hello"
    # uvicorn shuts down gracefully, then (recent versions) re-raises the signal it got
    assert proc.returncode in (0, -signal.SIGTERM)
    assert not port_open("127.0.0.1", int(proc.url.rsplit(":", 1)[1]))
    log = proc.log_path.read_text()
    assert "Application startup complete" in log and "Finished server process" in log


def test_kill_is_a_hard_sigkill(app_dir):
    proc = ServiceProcess.uvicorn("tinyapp:app", port=free_port(), log_path=app_dir / "api.log", cwd=app_dir).start()
    assert proc.kill() == -signal.SIGKILL
    assert not proc.running


def test_a_child_that_exits_early_fails_start_with_its_log(tmp_path):
    proc = ServiceProcess(
        [sys.executable, "-c", "print('boom from child'); raise SystemExit(3)"],
        log_path=tmp_path / "x.log",
        ready_url="http://127.0.0.1:9/none",
    )
    with pytest.raises(ProcessFailed, match="boom from child"):
        proc.start()
    assert proc.returncode == 3


def test_readiness_wait_is_bounded_and_stops_the_child(tmp_path):
    proc = ServiceProcess(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        log_path=tmp_path / "x.log",
        ready_check=lambda: False,
        ready_timeout=0.5,
    )
    with pytest.raises(ProcessFailed, match="not ready after 0.5s"):
        proc.start()
    assert not proc.running


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(tmp_path):
    marker = tmp_path / "up"
    code = (
        "import signal, time, pathlib; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"pathlib.Path({str(marker)!r}).write_text('up'); time.sleep(60)"
    )
    proc = ServiceProcess(
        [sys.executable, "-c", code], log_path=tmp_path / "x.log", ready_check=marker.exists, stop_timeout=0.5
    ).start()
    assert proc.stop() == -signal.SIGKILL


HOLDING_TEST = textwrap.dedent("""
    import time

    def test_hold(s3_server, spawn_service):
        api = spawn_service("tinyapp:app", cwd={app_dir!r}, ready_timeout=120)
        with open({pids!r}, "w") as out:
            out.write(f"{{s3_server._proc.pid}} {{api.pid}}")
        time.sleep(300)
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["in-process", "parallel-workers"])
def test_a_test_run_killed_with_sigterm_leaves_no_child_behind(app_dir, tmp_path, workers):
    """pytest with the S3 server and a uvicorn app of the plugin's fixtures, SIGTERMed mid-test:
    both children are gone once pytest has died (not only when pytest ends normally), also when the
    tests run in worker processes as ``scripts/test`` runs them."""
    import os
    import subprocess
    import time

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    pids_file = run_dir / "pids"
    (run_dir / "pytest.ini").write_text("[pytest]\n")
    (run_dir / "test_hold.py").write_text(HOLDING_TEST.format(app_dir=str(app_dir), pids=str(pids_file)))
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers, "test_hold.py"],
        cwd=run_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        while not pids_file.exists() or not pids_file.read_text():
            assert run.poll() is None, run.stdout.read().decode(errors="replace")
            assert time.monotonic() < deadline, "the children never started"
            time.sleep(0.2)
        pids = [int(pid) for pid in pids_file.read_text().split()]
        assert all(_alive(pid) for pid in pids)
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) != 0
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in pids if _alive(pid)]
    finally:
        if run.poll() is None:
            run.kill()
        for pid in [int(p) for p in (pids_file.read_text().split() if pids_file.exists() else [])]:
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
