"""The README's "Using the API" walkthrough, run verbatim against a freshly started ``peerlab dev``.

The fenced bash blocks are read from README.md itself and run in one bash, after the ``export``
lines the dev stack printed (real ports, tokens of people on the seeded roster), so the README and
the code cannot drift apart.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from peerlab.local.ports import free_port, port_open

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 900  # five services, migrations and the seed, on a loaded machine
MARKER = "=== README block"


def readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Using the API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def _free_base_port(count: int = 5) -> int:
    for _ in range(50):
        base = free_port()
        if base + count < 65535 and not any(port_open("127.0.0.1", base + i) for i in range(1, count)):
            return base
    raise RuntimeError("no run of free ports")


def test_the_readme_has_the_walkthrough_blocks():
    blocks = readme_blocks()
    assert len(blocks) >= 3
    assert all("uv run" not in b and "127.0.0.1:800" not in b for b in blocks)  # ports come from variables


def test_readme_walkthrough_runs_verbatim_against_a_fresh_dev_stack(tmp_path):
    blocks = readme_blocks()
    base, broker_port = _free_base_port(), free_port()
    data_dir = tmp_path / "dev"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "peerlab"), "dev", "--data-dir", str(data_dir),
         "--base-port", str(base), "--broker-port", str(broker_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not any("Ctrl-C stops everything" in ln for ln in lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "dev stack did not come up\n" + "".join(lines)
            time.sleep(0.5)
        startup = "".join(lines)
        exports = [ln.strip() for ln in lines if ln.startswith("export ")]
        assert len(exports) == 2, startup
        assert f"PEERLAB_GATEWAY=http://127.0.0.1:{base + 4}" in exports[0]
        assert (data_dir / "env.sh").read_text().splitlines() == exports
        assert re.search(r"first GraphQL answer \d+\.\d s after start", startup), startup

        script = "\n".join(exports) + "\n" + "".join(
            f"echo '{MARKER} {i}'\n{block}\necho\n" for i, block in enumerate(blocks))
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    outputs = [part.split("\n", 1)[1] for part in done.stdout.split(MARKER)[1:]]
    me = json.loads(outputs[0])
    assert "errors" not in me, me
    assert me["data"]["me"]["person"]["name"] == "Demo Student 01"
    assert len(me["data"]["me"]["labs"]) >= 8
    other = json.loads(outputs[1])
    assert other["data"]["me"]["person"]["name"] == "Demo Student 02"
    put, handed_in = json.JSONDecoder().raw_decode(outputs[2])[0], outputs[2]
    assert put["id"] == "try-lab" and put["closed"] is False
    assert '"receipt"' in handed_in and '"owner_id":"s210001"' in handed_in.replace(" ", "")
