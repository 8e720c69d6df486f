"""Deadline surge: N hand-ins (realistic notebooks, 0.1-5 MB) from concurrent clients through the
submissions service, against raw ``minio.put_object`` of the same bytes to the same S3 server.

Run: ``uv run python bench/submissions_surge.py [--count 500] [--clients 16] [--max-mb 5]``

Starts moto's S3 server and PostgreSQL (the machine's, or a throwaway cluster), runs the service
as a real uvicorn subprocess (relay off: the events are the outbox rows, checked one by one), then:
1. baseline: every notebook PUT straight to S3 with the MinIO SDK by the same number of threads;
2. service: every notebook POSTed as a streamed hand-in (one student each, with Idempotency-Key);
3. checks per hand-in: a 201, exactly one version row with the right SHA-256, its object in the
   bucket with the right size, exactly one submission.received.v1 outbox row; and no other objects.
Reports the total-time ratio (goal <= 1.5x), accept latency percentiles, CPU per hand-in of each
process (client, API, validation workers, S3 server; from /proc/<pid>/stat, so the figures hold on
a loaded machine) against the raw put's, and the service process's peak RSS (VmHWM; goal <= 256
MB) plus that of its validation worker processes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import alembic_config
from peerlab.local.launchers import MotoS3Server, PostgresServer
from peerlab.local.ops.notebooks import notebook as realistic_notebook
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess

MB = 1024 * 1024
JWT_SECRET = "bench-secret-0123456789abcdef0123456789"


# --- notebooks ---------------------------------------------------------------------------------
def make_notebooks(count: int, min_mb: float, max_mb: float, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    lo, hi = min_mb * MB, max_mb * MB
    # log-uniform sizes: many small notebooks, some large ones
    return [realistic_notebook(int(lo * (hi / lo) ** rng.random()), rng) for _ in range(count)]


# --- processes ---------------------------------------------------------------------------------
def vm_hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def stage_means(metrics: str) -> dict[str, float]:
    """Mean seconds per hand-in step, from the service's Prometheus histogram."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for line in metrics.splitlines():
        if line.startswith("peerlab_submissions_handin_stage_seconds_"):
            name, value = line.rsplit(" ", 1)
            stage = name.split('stage="')[1].split('"')[0]
            if name.startswith("peerlab_submissions_handin_stage_seconds_sum"):
                sums[stage] = float(value)
            elif name.startswith("peerlab_submissions_handin_stage_seconds_count"):
                counts[stage] = float(value)
    return {stage: sums[stage] / counts[stage] for stage in sums if counts.get(stage)}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (children already reaped are not counted)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


class CpuMeter:
    """CPU seconds spent by the bench itself, the service (with its workers) and moto in a phase."""

    def __init__(self, service_pid: int, moto_pid: int) -> None:
        self.service_pid, self.moto_pid = service_pid, moto_pid

    def sample(self) -> dict[str, float]:
        usage = os.times()
        return {
            "client": usage.user + usage.system,
            "service API": cpu_seconds([self.service_pid]),
            "validation workers": cpu_seconds(descendants(self.service_pid)),
            "moto": cpu_seconds([self.moto_pid]),
        }

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {k: after[k] - before[k] for k in before}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- the two runs --------------------------------------------------------------------------------
def run_raw(s3: MotoS3Server, bucket: str, notebooks: list[bytes], clients: int) -> tuple[float, list[float]]:
    client = s3.minio_client()
    latencies: list[float] = []

    def put(i: int) -> None:
        started = time.perf_counter()
        data = notebooks[i]
        client.put_object(bucket, f"raw/{i:05d}", io.BytesIO(data), len(data), content_type="application/octet-stream")
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(put, range(len(notebooks))))
    return time.perf_counter() - started, latencies


def run_service(url: str, notebooks: list[bytes], clients: int) -> tuple[float, list[float], dict[int, httpx.Response]]:
    local = threading.local()
    latencies: list[float] = []
    responses: dict[int, httpx.Response] = {}

    def hand_in(i: int) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=120)
        token = mint_dev_token(sub=f"s{i:05d}", roles=["student"], secret=JWT_SECRET)
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/octet-stream",
            "Idempotency-Key": f"surge-{i}",
        }
        started = time.perf_counter()
        for _attempt in range(5):  # a well-behaved client retries 503 after Retry-After
            r = local.client.post(
                "/v1/assignments/lab-1/submissions",
                params={"file_name": f"s{i:05d}-EXE.ipynb"},
                content=notebooks[i],
                headers=headers,
            )
            if r.status_code != 503:
                break
            time.sleep(float(r.headers.get("retry-after", "1")))
        latencies.append(time.perf_counter() - started)
        responses[i] = r

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(hand_in, range(len(notebooks))))
    return time.perf_counter() - started, latencies, responses


def verify(
    db_url: str, s3: MotoS3Server, bucket: str, notebooks: list[bytes], responses: dict[int, httpx.Response]
) -> dict[str, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        versions = conn.execute(
            text(
                "select owner_id, count(*), min(sha256), min(object_key), min(size) from submissions_version "
                "group by owner_id"
            )
        ).all()
        events = (
            conn.execute(
                text(
                    "select convert_from(payload, 'UTF8') from outbox_event where event_type = 'submission.received.v1'"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    by_owner = {row[0]: row for row in versions}
    event_owners: dict[str, int] = {}
    for payload in events:
        owner = json.loads(payload)["data"]["owner_id"]
        event_owners[owner] = event_owners.get(owner, 0) + 1
    objects = {o.object_name: o.size for o in s3.minio_client().list_objects(bucket, prefix="uploads/", recursive=True)}
    lost = doubled = bad = 0
    for i, data in enumerate(notebooks):
        owner = f"s{i:05d}"
        row = by_owner.get(owner)
        response = responses.get(i)
        if response is None or response.status_code != 201 or row is None or event_owners.get(owner, 0) == 0:
            lost += 1
            continue
        if row[1] != 1 or event_owners[owner] != 1:
            doubled += 1
        if row[2] != hashlib.sha256(data).hexdigest() or objects.get(row[3]) != len(data) or row[4] != len(data):
            bad += 1
    referenced = {row[3] for row in versions}
    orphans = len(set(objects) - referenced)
    warm_key = by_owner["warm-up"][3] if "warm-up" in by_owner else None
    return {
        "lost": lost,
        "doubled": doubled,
        "wrong_bytes": bad,
        "orphan_objects": orphans,
        "rows": sum(r[1] for r in versions if r[0] != "warm-up"),
        "events": sum(n for owner, n in event_owners.items() if owner != "warm-up"),
        "objects": len([k for k in objects if k != warm_key]),
    }


# --- main -------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--min-mb", type=float, default=0.1)
    parser.add_argument("--max-mb", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()

    print(f"generating {args.count} notebooks ({args.min_mb}-{args.max_mb} MB, log-uniform)...", flush=True)
    notebooks = make_notebooks(args.count, args.min_mb, args.max_mb, args.seed)
    total = sum(map(len, notebooks))
    print(
        f"  {total / MB:.0f} MB in all, median {statistics.median(map(len, notebooks)) / MB:.2f} MB, "
        f"max {max(map(len, notebooks)) / MB:.2f} MB",
        flush=True,
    )

    workdir = Path(tempfile.mkdtemp(prefix="peerlab-surge-"))
    pg = PostgresServer.discover().start()
    db_name = f"bench_surge_{uuid.uuid4().hex[:8]}"
    db_url = pg.create_database(db_name)
    s3 = MotoS3Server(workdir=workdir / "moto").start()
    service: ServiceProcess | None = None
    try:
        env = {
            "PEERLAB_SUBMISSIONS_DATABASE_URL": db_url,
            "PEERLAB_SUBMISSIONS_ENVIRONMENT": "test",
            "PEERLAB_SUBMISSIONS_RELAY_IN_PROCESS": "false",
            "PEERLAB_SUBMISSIONS_STORAGE_BACKEND": "s3",
            "PEERLAB_SUBMISSIONS_STORAGE_S3_ENDPOINT": s3.endpoint,
            "PEERLAB_SUBMISSIONS_STORAGE_S3_ACCESS_KEY": s3.access_key,
            "PEERLAB_SUBMISSIONS_STORAGE_S3_SECRET_KEY": s3.secret_key,
            "PEERLAB_SUBMISSIONS_JWT_SECRET": JWT_SECRET,
            "PEERLAB_SUBMISSIONS_DATA_DIR": str(workdir / "data"),
            "PEERLAB_SUBMISSIONS_LOG_LEVEL": "WARNING",
            "PEERLAB_SUBMISSIONS_VALIDATION_WORKERS": os.environ.get("SURGE_VALIDATION_WORKERS", "2"),
            "PEERLAB_SUBMISSIONS_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}",
        }
        from alembic import command

        from peerlab.submissions.settings import SubmissionsSettings

        command.upgrade(
            alembic_config(package="peerlab.submissions", settings=SubmissionsSettings(database_url=db_url)), "head"
        )
        service = ServiceProcess.uvicorn(
            "peerlab.submissions.main:app",
            port=free_port(),
            log_path=workdir / "service.log",
            env=env,
            name="submissions",
            ready_timeout=120,
        ).start()
        teacher = mint_dev_token(sub="teacher", roles=["teacher"], secret=JWT_SECRET)
        now = datetime.now(UTC)
        r = httpx.post(
            f"{service.url}/v1/assignments",
            headers={"Authorization": f"Bearer {teacher}"},
            json={
                "id": "lab-1",
                "kind": "lab",
                "title": "Lab 1",
                "opens_at": (now - timedelta(hours=1)).isoformat(),
                "deadline": (now + timedelta(hours=1)).isoformat(),
            },
        )
        r.raise_for_status()
        warm = mint_dev_token(sub="warm-up", roles=["student"], secret=JWT_SECRET)  # not counted below
        httpx.post(
            f"{service.url}/v1/assignments/lab-1/submissions",
            params={"file_name": "w-EXE.ipynb"},
            content=notebooks[0],
            headers={"Authorization": f"Bearer {warm}"},
            timeout=60,
        ).raise_for_status()
        s3.ensure_bucket("bench-raw")

        meter = CpuMeter(service.pid, s3._proc.pid)
        print(f"baseline: raw minio.put_object, {args.clients} threads...", flush=True)
        before = meter.sample()
        raw_s, raw_lat = run_raw(s3, "bench-raw", notebooks, args.clients)
        raw_cpu = meter.spent(before, meter.sample())
        for obj in s3.minio_client().list_objects("bench-raw", recursive=True):  # free moto's memory
            s3.minio_client().remove_object("bench-raw", obj.object_name)
        print(f"service: streamed hand-ins, {args.clients} threads...", flush=True)
        before = meter.sample()
        svc_s, svc_lat, responses = run_service(service.url, notebooks, args.clients)
        svc_cpu = meter.spent(before, meter.sample())
        rss_kb = vm_hwm_kb(service.pid)
        stages = stage_means(httpx.get(f"{service.url}/metrics").text)
        helper_rss = [(pid, vm_hwm_kb(pid)) for pid in descendants(service.pid)]
        checks = verify(db_url, s3, "peerlab-submissions", notebooks, responses)
        statuses: dict[int, int] = {}
        for resp in responses.values():
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
    finally:
        if service is not None:
            service.stop()
        s3.stop()
        try:
            pg.drop_database(db_name)
        finally:
            pg.close()

    ratio = svc_s / raw_s
    print()
    print(f"## Submissions deadline surge ({args.count} notebooks, {total / MB:.0f} MB, {args.clients} clients)")
    print("| run | total s | MB/s | p50 s | p99 s | max s |")
    print("|---|---|---|---|---|---|")
    for name, secs, lat in (("raw put_object", raw_s, raw_lat), ("service hand-in", svc_s, svc_lat)):
        print(
            f"| {name} | {secs:.1f} | {total / MB / secs:.0f} | {percentile(lat, 0.5):.2f} | "
            f"{percentile(lat, 0.99):.2f} | {max(lat):.2f} |"
        )
    print(f"total time ratio service/raw: {ratio:.2f}x (goal <= 1.5x)")
    print(f"responses: {statuses}")
    print()
    print("| CPU ms per file | client | service API | validation workers | S3 server (moto) | total |")
    print("|---|---|---|---|---|---|")
    per = {
        name: {k: v * 1000 / args.count for k, v in cpu.items()}
        for name, cpu in (("raw", raw_cpu), ("service", svc_cpu))
    }
    for name in ("raw", "service"):
        row = per[name]
        print(
            f"| {name} | {row['client']:.1f} | {row['service API']:.1f} | {row['validation workers']:.1f} | "
            f"{row['moto']:.1f} | {sum(row.values()):.1f} |"
        )
    own = per["service"]["service API"] + per["service"]["validation workers"]
    print(
        f"CPU ratio hand-in / raw put (all processes): {sum(per['service'].values()) / sum(per['raw'].values()):.2f}x"
    )
    print(
        f"service's own CPU (API + validation) / S3 server CPU of the raw put: {own / per['raw']['moto']:.2f}x "
        f"(goal <= 1x)"
    )
    print(f"S3 server CPU, hand-in / raw put: {per['service']['moto'] / per['raw']['moto']:.2f}x")
    print("service mean seconds per step: " + ", ".join(f"{k} {v:.3f}" for k, v in stages.items()))
    print(f"checks: {checks}  (goal: lost 0, doubled 0)")
    print(f"service peak RSS (VmHWM): {rss_kb / 1024:.0f} MB (goal <= 256 MB)" if rss_kb else "service RSS: n/a")
    for pid, kb in helper_rss:
        if kb:
            print(f"  child process {pid} (validation) peak RSS: {kb / 1024:.0f} MB")
    ok = checks["lost"] == 0 and checks["doubled"] == 0 and checks["wrong_bytes"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
