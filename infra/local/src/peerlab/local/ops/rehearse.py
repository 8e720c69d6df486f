"""Deadline rehearsal: N synthetic students hand in at once, then every accepted hand-in is checked.

1. A teacher opens an assignment whose deadline is minutes ahead.
2. N students (dev tokens) each stream one notebook (valid nbformat v4, ``EXE`` in the name, a
   course-like size mix) with an Idempotency-Key; a 503 or a dropped connection is retried with the
   same key, as the front end does.
3. Afterwards the teacher lists the assignment's submissions: a hand-in answered 2xx whose SHA-256
   is not the owner's current version is **lost**.
4. The workers' and APIs' /metrics are sampled during the run (consumer lag, outbox backlog, age).
"""

from __future__ import annotations

import hashlib
import math
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from peerlab.chassis.auth import mint_dev_token
from peerlab.local.ops import notebooks
from peerlab.local.ops.promtext import MetricsWatch


@dataclass
class Outcome:
    student: str
    status: int | None
    seconds: float
    sha256: str
    size: int
    code: str | None = None
    attempts: int = 1


@dataclass
class Report:
    base_url: str
    run_id: str
    assignment_id: str
    students: int
    accepted: int
    refused: int
    failed: int
    lost: int
    wall_s: float
    handins_per_s: float
    latency_ms: dict[str, float]
    refused_codes: dict[str, int]
    retried: int
    bytes_sent: int
    metrics: dict[str, float] = field(default_factory=dict)
    lost_students: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]  # nearest rank

    return {"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": ordered[-1], "mean": statistics.fmean(ordered)}


def open_assignment(client: httpx.Client, base_url: str, *, token: str, deadline_in: timedelta) -> str:
    now = datetime.now(UTC)
    assignment_id = f"rehearsal-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:4]}"
    body = {
        "kind": "lab",
        "title": f"Deadline rehearsal {now:%Y-%m-%d %H:%M}",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "deadline": (now + deadline_in).isoformat(),
    }
    resp = client.put(
        f"{base_url}/v1/assignments/{assignment_id}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    resp.raise_for_status()
    return assignment_id


def hand_in(
    client: httpx.Client, base_url: str, assignment_id: str, *, student: str, token: str, body: bytes, retries: int = 3
) -> Outcome:
    url = f"{base_url}/v1/assignments/{assignment_id}/submissions"
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": f"rehearsal-{student}",
        "content-type": "application/octet-stream",
    }
    params = {"file_name": f"{student}-lab-EXE.ipynb"}
    sha = hashlib.sha256(body).hexdigest()
    started = time.perf_counter()
    status: int | None = None
    code = None
    for attempt in range(1, retries + 2):
        try:
            resp = client.post(url, params=params, headers=headers, content=body)
            status = resp.status_code
            if status < 400:
                return Outcome(student, status, time.perf_counter() - started, sha, len(body), attempts=attempt)
            code = _problem_code(resp)
            if status != 503 or attempt > retries:
                break
            time.sleep(min(5.0, float(resp.headers.get("Retry-After", "1") or 1)))
        except httpx.TransportError as exc:
            status, code = None, exc.__class__.__name__
            if attempt > retries:
                break
            time.sleep(0.5 * attempt)
    return Outcome(student, status, time.perf_counter() - started, sha, len(body), code=code, attempts=attempt)


def _problem_code(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("code", resp.status_code))
    except ValueError:
        return str(resp.status_code)


def listed_versions(
    client: httpx.Client, base_url: str, assignment_id: str, *, token: str, owners: list[str], chunk: int = 200
) -> dict[str, str]:
    """{owner id: SHA-256 of the current version} as the submissions API lists them.

    Asked by ``owner_ids`` in chunks: the list endpoint answers at most 500 rows and says nothing
    when it cut the rest, so one ``?assignment_id=`` query would make hand-ins look lost.
    """
    out = {}
    for start in range(0, len(owners), chunk):
        params = {"assignment_id": assignment_id, "owner_ids": ",".join(owners[start : start + chunk])}
        resp = client.get(
            f"{base_url}/v1/submissions", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=120
        )
        resp.raise_for_status()
        for sub in resp.json()["items"]:
            current = next((v for v in sub["versions"] if v["version"] == sub["current_version"]), None)
            if current is not None:
                out[sub["owner_id"]] = current["sha256"]
    return out


def run(
    *,
    base_url: str,
    students: int,
    concurrency: int = 32,
    deadline_in: timedelta = timedelta(minutes=5),
    metrics_urls: list[str] | None = None,
    max_mb: float = 5.0,
    seed: int = 2456,
    secret: str,
    console: Console | None = None,
    timeout_s: float = 120.0,
) -> Report:
    base_url = base_url.rstrip("/")
    console = console or Console()
    run_id = uuid.uuid4().hex[:6]
    teacher = mint_dev_token(sub=f"rehearsal-teacher-{run_id}", roles=["teacher"], secret=secret, ttl_s=7200)
    watch = MetricsWatch(list(metrics_urls or []))
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(timeout=timeout_s, limits=limits) as client:
        assignment_id = open_assignment(client, base_url, token=teacher, deadline_in=deadline_in)
        watch.start()

        def one(i: int) -> None:
            student = f"rh{run_id}-{i:05d}"
            token = mint_dev_token(sub=student, roles=["student"], secret=secret, ttl_s=7200)
            body = notebooks.for_student(i, seed=seed, max_mb=max_mb)
            outcome = hand_in(client, base_url, assignment_id, student=student, token=token, body=body)
            with lock:
                outcomes.append(outcome)

        columns = (
            TextColumn("hand-ins"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[state]}"),
        )
        started = time.perf_counter()
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("surge", total=students, state="")
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                futures = [pool.submit(one, i) for i in range(students)]
                for future in futures:
                    future.result()
                    with lock:
                        ok = sum(1 for o in outcomes if o.status is not None and o.status < 400)
                    progress.update(task, advance=1, state=f"{ok} accepted")
        wall = time.perf_counter() - started
        watch.stop()
        listed = listed_versions(
            client, base_url, assignment_id, token=teacher, owners=sorted(o.student for o in outcomes)
        )
    accepted = [o for o in outcomes if o.status is not None and o.status < 400]
    refused = [o for o in outcomes if o.status is not None and o.status >= 400]
    failed = [o for o in outcomes if o.status is None]
    lost = [o.student for o in accepted if listed.get(o.student) != o.sha256]
    return Report(
        base_url=base_url,
        run_id=run_id,
        assignment_id=assignment_id,
        students=students,
        accepted=len(accepted),
        refused=len(refused),
        failed=len(failed),
        lost=len(lost),
        wall_s=round(wall, 3),
        handins_per_s=round(len(accepted) / wall, 2) if wall else 0.0,
        latency_ms={k: round(v * 1000, 1) for k, v in percentiles([o.seconds for o in accepted]).items()},
        refused_codes=dict(Counter(o.code or str(o.status) for o in [*refused, *failed])),
        retried=sum(1 for o in outcomes if o.attempts > 1),
        bytes_sent=sum(o.size for o in outcomes),
        metrics=watch.summary(),
        lost_students=lost[:50],
    )


def print_report(report: Report, console: Console) -> None:
    table = Table(title=f"deadline rehearsal: {report.students} students -> {report.base_url}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("accepted", report.accepted),
        ("refused", report.refused),
        ("failed (no answer)", report.failed),
        ("lost (2xx not listed with its SHA-256)", report.lost),
        ("retried", report.retried),
        ("wall time, s", report.wall_s),
        ("hand-ins/s", report.handins_per_s),
        ("MB sent", round(report.bytes_sent / 2**20, 1)),
        *((f"accept latency {k}, ms", v) for k, v in report.latency_ms.items()),
        *((f"refused: {k}", v) for k, v in report.refused_codes.items()),
        *((k, v) for k, v in report.metrics.items()),
    ]
    for name, value in rows:
        style = "red" if name.startswith("lost") and value else None
        table.add_row(name, str(value), style=style)
    console.print(table)
