"""DevStack and the ``peerlab`` CLI over real processes, with small stand-in services."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import jwt
import pytest
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.cli import app
from peerlab.local.ports import free_port, free_port_block, port_open
from peerlab.local.services import ServiceSpec
from peerlab.local.stack import DevStack, StackFailed
from rich.console import Console
from typer.testing import CliRunner

MAIN = """
import json, os
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = json.dumps({k: v for k, v in os.environ.items() if k.startswith("PEERLAB_")}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})
"""
MIGRATE = """
import os, pathlib, sys
url = os.environ["PEERLAB_{NAME}_DATABASE_URL"]
if os.environ.get("FAIL_MIGRATION"):
    sys.exit("migration refused")
pathlib.Path(url.removeprefix("sqlite:///")).write_text("migrated")
"""
WORKER = """
import os, pathlib, signal, time
root = pathlib.Path(os.environ["PEERLAB_{NAME}_STORAGE_FS_ROOT"])
signal.signal(signal.SIGTERM, lambda *_: (root.joinpath("worker-stopped").write_text("ok"), exit(0)))
root.joinpath("worker-started").write_text(str(os.getpid()))
for _ in range(6000):
    time.sleep(0.05)
"""


@pytest.fixture
def fake_services(tmp_path, monkeypatch):
    """A package ``fake<hex>`` with services alpha (all modules), beta (absent) and gateway (API only)."""
    pkg = f"fake{uuid.uuid4().hex[:8]}"
    root = tmp_path / "src" / pkg
    for name, modules in (("alpha", ("main", "migrate", "worker")), ("gateway", ("main",))):
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text("")
        sources = {"main": MAIN, "migrate": MIGRATE, "worker": WORKER}
        for module in modules:
            (root / name / f"{module}.py").write_text(sources[module].replace("{NAME}", name.upper()))
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path / "src"), os.environ.get("PYTHONPATH", "")]))
    return [
        ServiceSpec("alpha", f"{pkg}.alpha"),
        ServiceSpec("beta", f"{pkg}.beta"),
        ServiceSpec("gateway", f"{pkg}.gateway"),
    ]


def _get_json(url):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def test_dev_stack_runs_migrations_apis_and_workers_then_stops_them(fake_services, tmp_path):
    data = tmp_path / "data"
    base = free_port_block(5)
    stack = DevStack(
        data_dir=data,
        base_port=base,
        broker_port=free_port(),
        services=fake_services,
        console=Console(file=open(os.devnull, "w")),
    )
    stack.start()
    try:
        assert stack.urls == {"alpha": f"http://127.0.0.1:{base}", "gateway": f"http://127.0.0.1:{base + 2}"}
        assert (data / "alpha.db").read_text() == "migrated"
        alpha_env = _get_json(stack.urls["alpha"] + "/env")
        assert alpha_env["PEERLAB_ALPHA_DATABASE_URL"] == f"sqlite:///{(data / 'alpha.db').resolve()}"
        assert alpha_env["PEERLAB_ALPHA_KAFKA_BOOTSTRAP"] == stack.broker.bootstrap
        assert alpha_env["PEERLAB_ALPHA_STORAGE_BACKEND"] == "fs"
        assert alpha_env["PEERLAB_ALPHA_PUBLIC_BASE_URL"] == stack.urls["alpha"]
        assert alpha_env["PEERLAB_ALPHA_ENVIRONMENT"] == "dev"
        gateway_env = _get_json(stack.urls["gateway"] + "/env")
        assert gateway_env["PEERLAB_GATEWAY_ALPHA_URL"] == stack.urls["alpha"]
        assert "PEERLAB_GATEWAY_BETA_URL" not in gateway_env
        deadline = time.monotonic() + 10
        while not (data / "objects" / "alpha" / "worker-started").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (data / "objects" / "alpha" / "worker-started").exists()
        broker_port = stack.broker.port
    finally:
        stack.stop()
    assert (data / "objects" / "alpha" / "worker-stopped").read_text() == "ok"
    assert not port_open("127.0.0.1", base) and not port_open("127.0.0.1", broker_port)


def test_a_failed_migration_stops_what_was_started(fake_services, tmp_path, monkeypatch):
    monkeypatch.setenv("FAIL_MIGRATION", "1")
    broker_port = free_port()
    stack = DevStack(
        data_dir=tmp_path / "data",
        base_port=free_port_block(5),
        broker_port=broker_port,
        services=fake_services,
        console=Console(file=open(os.devnull, "w")),
    )
    with pytest.raises(StackFailed, match="migration refused"):
        stack.start()
    assert stack.broker is None and not port_open("127.0.0.1", broker_port)


def test_token_command_prints_a_dev_jwt():
    result = CliRunner().invoke(app, ["token", "--sub", "alice", "--role", "student", "--role", "ta", "--ttl", "120"])
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.output.strip(), DEV_JWT_SECRET, algorithms=["HS256"], audience="peerlab")
    assert claims["sub"] == "alice" and claims["roles"] == ["student", "ta"]
    assert claims["exp"] - claims["iat"] == 120


def test_dev_command_serves_until_sigint_then_stops_everything(fake_services, tmp_path):
    base, broker_port = free_port_block(5), free_port()
    services = [arg for spec in fake_services for arg in ("--service", f"{spec.name}={spec.package}")]
    script = Path(sys.executable).parent / "peerlab"  # the installed console script
    proc = subprocess.Popen(
        [
            str(script),
            "dev",
            "--data-dir",
            str(tmp_path / "d"),
            "--base-port",
            str(base),
            "--broker-port",
            str(broker_port),
            "--no-seed",
            *services,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any("Ctrl-C stops everything" in ln for ln in lines) and time.monotonic() < deadline:
            assert proc.poll() is None, "".join(lines)
            time.sleep(0.1)
        assert port_open("127.0.0.1", base + 2), "gateway is not serving\n" + "".join(lines)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(timeout=10)
        output = "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert "beta" in output and "skipped" in output
    assert "dev admin token" in output and "stopped" in output
    assert not port_open("127.0.0.1", base) and not port_open("127.0.0.1", broker_port)
    assert (tmp_path / "d" / "objects" / "alpha" / "worker-stopped").exists()
