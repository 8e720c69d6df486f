"""Hand-in -> event consumed in review: latency at a steady rate (default 20 hand-ins/s).

Run: ``uv run python bench/handin_latency_bench.py [--rate 20] [--seconds 20] [--relay listen poll]``.
Starts tansu, moto S3 and PostgreSQL (SQLite if none), the submissions API and worker (the relay
runs in the worker, as in production) and the review worker, all as real processes. An open-loop
client sends hand-ins at a fixed rate; afterwards the submissions outbox (accepted at) is joined
with the review inbox (consumed at) on the event id. The baseline in the same run is the hand-in
request itself (client send -> 201), so the ratio shows what the event path adds.

``--relay`` runs the whole measurement once per relay wake-up mode, each on a fresh stack:
``listen`` (PostgreSQL LISTEN/NOTIFY wakes the relay at commit) and ``poll`` (the 50 ms idle poll
alone), so their figures are from one run. A CPU column gives each process's CPU per hand-in
(/proc/<pid>/stat), which holds on a loaded machine where the latencies do not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import nbformat
from sqlalchemy import create_engine, text

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.db import _normalise_url
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.launchers import MotoS3Server, PostgresServer, PostgresUnavailable, TansuBroker
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess
from proc_cpu import CpuMeter


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def notebook(i: int) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Hand-in {i}")] + [
        nbformat.v4.new_code_cell(f"x = {j}\nprint(x * {i})") for j in range(40)
    ]
    return nbformat.writes(nb).encode()


def start_stack(workdir: Path, broker: TansuBroker, s3: MotoS3Server, pg: PostgresServer | None, *, listen: bool):
    def db(name: str) -> str:
        if pg is None:
            return f"sqlite:///{workdir / name}.db"
        return pg.create_database(f"bench_{name}_{uuid.uuid4().hex[:8]}")

    urls = {"submissions": db("submissions"), "review": db("review")}
    port = free_port()
    procs = []
    for name in ("submissions", "review"):
        p = f"PEERLAB_{name.upper()}_"
        env = {
            f"{p}DATABASE_URL": urls[name],
            f"{p}KAFKA_BOOTSTRAP": broker.bootstrap,
            f"{p}ENVIRONMENT": "test",
            f"{p}RELAY_IN_PROCESS": "false",
            f"{p}STORAGE_BACKEND": "s3",
            f"{p}STORAGE_S3_ENDPOINT": s3.endpoint,
            f"{p}STORAGE_BUCKET": f"bench-{name}",
            f"{p}DATA_DIR": str(workdir / name),
            f"{p}LOG_LEVEL": "WARNING",
            f"{p}RELAY_LISTEN": "true" if listen else "false",
        }
        subprocess.run(
            [sys.executable, "-m", f"peerlab.{name}.migrate", "upgrade"],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            timeout=180,
        )
        if name == "submissions":
            procs.append(
                ServiceProcess.uvicorn(
                    "peerlab.submissions.main:app",
                    port=port,
                    env=env,
                    log_path=workdir / "submissions-api.log",
                    name="submissions-api",
                ).start()
            )
        procs.append(
            ServiceProcess(
                [sys.executable, "-m", f"peerlab.{name}.worker"],
                env=env,
                log_path=workdir / f"{name}-worker.log",
                name=f"{name}-worker",
            ).start()
        )
    return f"http://127.0.0.1:{port}", urls, procs


def run(base_url: str, rate: float, seconds: float) -> tuple[dict[str, float], dict[str, float]]:
    """Open loop: request i is sent at t0 + i/rate whatever the previous ones are doing."""
    teacher = {"Authorization": "Bearer " + mint_dev_token(sub="t1", roles=["teacher"], secret=DEV_JWT_SECRET)}
    now = datetime.now(UTC)
    httpx.put(
        f"{base_url}/v1/assignments/bench-lab-1",
        headers=teacher,
        timeout=30,
        json={
            "kind": "lab",
            "lab_number": 1,
            "title": "Bench lab",
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "deadline": (now + timedelta(hours=3)).isoformat(),
        },
    ).raise_for_status()
    total = int(rate * seconds)
    bodies = [notebook(i) for i in range(total)]
    sent_at: dict[str, float] = {}
    accept_s: dict[str, float] = {}
    lock = threading.Lock()
    client = httpx.Client(base_url=base_url, timeout=60, limits=httpx.Limits(max_connections=64))

    def hand_in(i: int) -> None:
        student = f"s{230000 + i % 400}"
        token = mint_dev_token(sub=student, roles=["student"], secret=DEV_JWT_SECRET)
        started_wall, started = time.time(), time.perf_counter()
        response = client.post(
            "/v1/assignments/bench-lab-1/submissions",
            params={"file_name": "lab1-EXE.ipynb"},
            content=bodies[i],
            headers={"Authorization": f"Bearer {token}", "content-type": "application/octet-stream"},
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            print(f"hand-in {i}: {response.status_code} {response.text[:200]}")
            return
        key = f"{response.json()['submission']['id']}:{response.json()['submission']['current_version']}"
        with lock:
            sent_at[key] = started_wall
            accept_s[key] = elapsed

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for i in range(total):
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(hand_in, i)
    client.close()
    return sent_at, accept_s


def consumed_latencies(urls: dict[str, str], sent_at: dict[str, float], timeout_s: float = 120) -> list[float]:
    """Client send -> review's inbox commit, per hand-in, joined on the event id."""
    sub = create_engine(_normalise_url(urls["submissions"]))
    rev = create_engine(_normalise_url(urls["review"]))
    with sub.connect() as c:
        events = c.execute(
            text("SELECT event_id, payload, created_at FROM outbox_event WHERE event_type = 'submission.received.v1'")
        ).all()
    import json

    by_event, accepted_at = {}, {}
    for event_id, payload, created_at in events:
        data = json.loads(bytes(payload))["data"]
        by_event[event_id] = f"{data['submission_id']}:{data['version']}"
        accepted_at[event_id] = (created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)).timestamp()
    deadline = time.monotonic() + timeout_s
    while True:
        with rev.connect() as c:
            rows = c.execute(
                text("SELECT event_id, processed_at FROM inbox_entry WHERE event_type = 'submission.received.v1'")
            ).all()
        if len(rows) >= len(by_event) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    latencies, event_path = [], []
    for event_id, processed_at in rows:
        key = by_event.get(event_id)
        if key in sent_at:
            if processed_at.tzinfo is None:
                processed_at = processed_at.replace(tzinfo=UTC)
            latencies.append(processed_at.timestamp() - sent_at[key])
            event_path.append(processed_at.timestamp() - accepted_at[event_id])
    sub.dispose()
    rev.dispose()
    return latencies, event_path


def measure(workdir: Path, pg: PostgresServer | None, args: argparse.Namespace, *, listen: bool) -> None:
    with TansuBroker(workdir=workdir / "tansu") as broker, MotoS3Server(workdir=workdir / "moto") as s3:
        base_url, urls, procs = start_stack(workdir, broker, s3, pg, listen=listen)
        try:
            time.sleep(3)  # consumer group formation
            meter = CpuMeter(
                {**{p.name: p.pid for p in procs}, "broker": broker.pid, "s3": s3.pid, "client": None}
            ).start()
            sent_at, accept_s = run(base_url, args.rate, args.seconds)
            latencies, event_path = consumed_latencies(urls, sent_at)
            meter.stop()
        finally:
            for proc in reversed(procs):
                proc.stop()
    n = int(args.rate * args.seconds)
    accepts = list(accept_s.values())
    print(f"== relay woken by {'LISTEN/NOTIFY (poll fallback 1 s)' if listen else 'its 50 ms poll'}")
    print(
        f"database: {'postgresql' if pg else 'sqlite'}; rate {args.rate}/s for {args.seconds:.0f} s; "
        f"sent {n}, accepted {len(accepts)}, consumed {len(latencies)}"
    )
    if not latencies:
        print("nothing consumed")
        return
    print(
        f"hand-in request (baseline): p50 {pct(accepts, 0.5) * 1000:7.1f} ms   p99 {pct(accepts, 0.99) * 1000:7.1f} ms"
    )
    print(
        f"hand-in -> consumed       : p50 {pct(latencies, 0.5) * 1000:7.1f} ms   p99 {pct(latencies, 0.99) * 1000:7.1f} ms"
        f"   (goal p99 <= 300 ms at 20/s, <= 500 ms at 40/s)"
    )
    print(
        f"accepted -> consumed      : p50 {pct(event_path, 0.5) * 1000:7.1f} ms   p99 {pct(event_path, 0.99) * 1000:7.1f} ms"
        "   (outbox commit -> review's inbox commit: the event path alone)"
    )
    print(
        f"ratio consumed/request    : p50 {pct(latencies, 0.5) / pct(accepts, 0.5):.2f}x   "
        f"p99 {pct(latencies, 0.99) / pct(accepts, 0.99):.2f}x; mean {statistics.mean(latencies) * 1000:.1f} ms"
    )
    per = {k: v / max(1, len(accepts)) * 1000 for k, v in meter.spent.items()}
    print("CPU per hand-in (ms)      : " + ", ".join(f"{k} {v:.2f}" for k, v in per.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--relay", nargs="+", choices=["listen", "poll"], default=["listen", "poll"])
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="peerlab-bench-latency-"))
    try:
        pg = PostgresServer.discover().start()
    except PostgresUnavailable:
        pg = None
    try:
        for mode in args.relay:
            measure(workdir / mode, pg, args, listen=mode == "listen")
    finally:
        if pg is not None:
            pg.close()


if __name__ == "__main__":
    main()
