"""Gateway and service benchmarks (ratios from one run, loopback only).

Run: ``uv run python bench/gateway_bench.py [--rates 100 25] [--seconds 8] [--objects 10000]
[--cpu-only] [--skip-big-list]``.

1. CPU per request: the four services and the gateway run as uvicorn processes (``bench_apps``:
   each app plus a bare endpoint, ``GET /bench/bare``) over tansu and PostgreSQL (SQLite without
   one). 300 sequential requests per case; the CPU each server process spent (/proc/<pid>/stat)
   per request, and the ratio of a simple authenticated read to the same app's bare endpoint.
2. Added latency: the same data ("my 8 labs") read through the gateway (``POST /graphql``
   ``{ me { labs { ... } } }``, which verifies the token, executes the operation and calls the
   review service's ``/v1/lab-status`` once) and straight from that review endpoint, each at a
   steady open-loop rate. Latency is measured from each request's scheduled send time, so a stall
   is not hidden by the client waiting. Phases alternate (direct, gateway, direct, gateway) to
   share out drift on a busy machine.
3. A big list: 10,000 lab-status objects as a typed GraphQL list, as a JSON scalar (the
   gateway's bulk-export shape) and as a plain FastAPI JSON endpoint, all in one ASGI app
   served over HTTP on loopback.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.launchers import PostgresServer, PostgresUnavailable, TansuBroker
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess
from proc_cpu import process_cpu_s

LABS_QUERY = "{ me { labs { labNumber status verdict reviewsReceived reviewsGiven } } }"
ME_QUERY = (
    "{ me { labs { labNumber status verdict reviewsReceived reviewsGiven } "
    "eligibility { status labsPassed threshold } } }"
)


def _speed_args() -> list[str]:
    """uvicorn's uvloop/httptools options when both are installed (as the services run them)."""
    try:
        import httptools  # noqa: F401
        import uvloop  # noqa: F401
    except ImportError:
        return []
    return ["--loop", "uvloop", "--http", "httptools"]


UVICORN_SPEED_ARGS = _speed_args()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- 1. added latency ------------------------------------------------------------------------


SERVICES = ("submissions", "review", "projects", "scheduling")
BENCH_DIR = Path(__file__).resolve().parent


def start_stack(workdir: Path, bootstrap: str, pg: PostgresServer | None) -> tuple[dict[str, ServiceProcess], dict]:
    """The four services and the gateway as uvicorn processes (``bench_apps``: each app plus a bare
    endpoint), migrated, on loopback, run the way production runs them (``peerlab.chassis.serve``
    options: uvloop, httptools, no access log)."""
    import subprocess

    def db(name: str) -> str:
        if pg is None:
            return f"sqlite:///{workdir / name}.db"
        return pg.create_database(f"bench_gw_{name}_{uuid.uuid4().hex[:8]}")

    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    envs: dict[str, dict[str, str]] = {}
    for name in (*SERVICES, "gateway"):
        prefix = f"PEERLAB_{name.upper()}_"
        envs[name] = {
            prefix + "DATABASE_URL": db(name),
            prefix + "KAFKA_BOOTSTRAP": bootstrap,
            prefix + "ENVIRONMENT": "test",
            prefix + "LOG_LEVEL": "WARNING",
        }
    envs["submissions"]["PEERLAB_SUBMISSIONS_STORAGE_FS_ROOT"] = str(workdir / "objects")
    envs["gateway"].update({f"PEERLAB_GATEWAY_{s.upper()}_URL": urls[s] for s in SERVICES})
    envs["gateway"]["PEERLAB_GATEWAY_SUBSCRIPTIONS_ENABLED"] = "false"
    for name, env in envs.items():
        subprocess.run(
            [sys.executable, "-m", f"peerlab.{name}.migrate", "upgrade"],
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    procs = {}
    for name, port in ports.items():
        # --no-access-log: logging every request would dominate the figures of both sides alike.
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"bench_apps:{name}",
            "--app-dir",
            str(BENCH_DIR),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--no-access-log",
            *UVICORN_SPEED_ARGS,
        ]
        procs[name] = ServiceProcess(
            argv, log_path=workdir / f"{name}.log", env=envs[name], ready_url=f"{urls[name]}/healthz", ready_timeout=120
        ).start()
    return procs, urls


async def open_loop(send, *, rate: float, seconds: float) -> tuple[list[float], int]:
    """Fire ``send()`` at ``rate``/s for ``seconds``; latency in ms from each scheduled time."""
    latencies: list[float] = []
    failures = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    total = int(rate * seconds)

    async def one(scheduled: float) -> None:
        nonlocal failures
        try:
            ok = await send()
        except httpx.HTTPError:
            ok = False
        if ok:
            latencies.append((loop.time() - scheduled) * 1000)
        else:
            failures += 1

    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    return latencies, failures


async def latency_phase(urls: dict, *, rate: float, seconds: float) -> dict[str, tuple[list[float], int]]:
    token = mint_dev_token(sub="s210001", roles=["student"], secret=DEV_JWT_SECRET)
    headers = {"authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def direct() -> bool:
            r = await client.get(f"{urls['review']}/v1/lab-status", params={"student_ids": "s210001"}, headers=headers)
            return r.status_code == 200 and len(r.json()["s210001"]) == 8

        async def through_gateway() -> bool:
            r = await client.post(f"{urls['gateway']}/graphql", json={"query": LABS_QUERY}, headers=headers)
            data = r.json().get("data") if r.status_code == 200 else None
            return bool(data) and len(data["me"]["labs"]) == 8

        for send in (direct, through_gateway):  # warm up both paths (connections, caches)
            await open_loop(send, rate=50, seconds=1)
        results: dict[str, tuple[list[float], int]] = {"direct": ([], 0), "gateway": ([], 0)}
        for _round in range(2):
            for name, send in (("direct", direct), ("gateway", through_gateway)):
                latencies, failures = await open_loop(send, rate=rate, seconds=seconds)
                results[name] = (results[name][0] + latencies, results[name][1] + failures)
                await asyncio.sleep(1)  # let queues drain between phases
    return results


def seed_term(urls: dict) -> None:
    """A term in scheduling, so that its calendar read has something to answer."""
    staff = mint_dev_token(sub="t-bench", roles=["teacher"], secret=DEV_JWT_SECRET)
    body = {
        "first_monday": "2021-08-30",
        "counted_weeks": 13,
        "lab_weeks": 8,
        "sessions": [{"weekday": 0, "start": "13:00", "end": "17:00"}],
    }
    r = httpx.put(
        f"{urls['scheduling']}/v1/courses/02456-2021/term",
        json=body,
        headers={"authorization": f"Bearer {staff}"},
        timeout=30,
    )
    r.raise_for_status()


def cpu_per_request(urls: dict, procs: dict[str, ServiceProcess], n: int = 300) -> None:
    """Sequential requests: CPU each server process spends per request (robust to a busy machine).

    Each service's simple authenticated read is put beside the bare endpoint of the same app
    (``bench_apps``: no auth, no session) in the same run; the ratio is read / bare."""
    token = mint_dev_token(sub="s210001", roles=["student"], secret=DEV_JWT_SECRET)
    headers = {"authorization": f"Bearer {token}"}
    graphql = f"{urls['gateway']}/graphql"
    cases = {
        # label: (service whose CPU is the figure, call)
        "submissions bare": ("submissions", lambda c: c.get(f"{urls['submissions']}/bench/bare")),
        "submissions list": (
            "submissions",
            lambda c: c.get(f"{urls['submissions']}/v1/submissions", params={"owner_ids": "s210001"}, headers=headers),
        ),
        "review bare": ("review", lambda c: c.get(f"{urls['review']}/bench/bare")),
        "review lab status": (
            "review",
            lambda c: c.get(f"{urls['review']}/v1/lab-status", params={"student_ids": "s210001"}, headers=headers),
        ),
        "projects bare": ("projects", lambda c: c.get(f"{urls['projects']}/bench/bare")),
        "projects catalogue": ("projects", lambda c: c.get(f"{urls['projects']}/v1/catalogues", headers=headers)),
        "scheduling bare": ("scheduling", lambda c: c.get(f"{urls['scheduling']}/bench/bare")),
        "scheduling calendar": (
            "scheduling",
            lambda c: c.get(f"{urls['scheduling']}/v1/courses/02456-2021/calendar/dates", headers=headers),
        ),
        "gateway bare": ("gateway", lambda c: c.get(f"{urls['gateway']}/bench/bare")),
        "gateway no backend call": (
            "gateway",
            lambda c: c.post(graphql, json={"query": "{ course { id timeZone } }"}, headers=headers),
        ),
        "gateway me.labs": ("gateway", lambda c: c.post(graphql, json={"query": LABS_QUERY}, headers=headers)),
        "gateway me{labs eligibility}": (
            "gateway",
            lambda c: c.post(graphql, json={"query": ME_QUERY}, headers=headers),
        ),
    }
    names = list(procs)
    print(
        f"== CPU per request, {n} sequential requests each: ms of CPU in each server process "
        f"(/proc/<pid>/stat), ratio = the figure / the same app's bare endpoint"
    )
    print(f"  {'case':<30} {'wall':>7} " + " ".join(f"{k[:11]:>11}" for k in names) + "   ratio")
    bare: dict[str, float] = {}
    with httpx.Client(timeout=30) as client:
        for label, (target, call) in cases.items():
            for _ in range(30):
                call(client).raise_for_status()
            before = {k: process_cpu_s(p.pid) for k, p in procs.items()}
            started = time.perf_counter()
            for _ in range(n):
                call(client).raise_for_status()
            wall = (time.perf_counter() - started) / n * 1000
            spent = {k: (process_cpu_s(p.pid) - before[k]) / n * 1000 for k, p in procs.items()}
            if label.endswith(" bare"):
                bare[target] = spent[target]
                ratio = ""
            else:
                ratio = f"{spent[target] / bare[target]:6.2f}x" if bare.get(target) else ""
            print(f"  {label:<30} {wall:7.2f} " + " ".join(f"{spent[k]:11.2f}" for k in names) + f"  {ratio}")


# --- 2. a 10,000-object list -------------------------------------------------------------------


def big_list_app(n: int):
    """FastAPI JSON, a typed GraphQL list and a JSON-scalar GraphQL field over the same rows."""
    from datetime import datetime

    import strawberry
    from fastapi import FastAPI
    from pydantic import BaseModel
    from strawberry.extensions import ParserCache, ValidationCache
    from strawberry.fastapi import GraphQLRouter
    from strawberry.scalars import JSON

    from peerlab.gateway.graphql.review import LabStatus

    rows = [
        {
            "student_id": f"s{i:05d}",
            "lab_number": i % 8 + 1,
            "assignment_id": f"a-lab-{i % 8 + 1}",
            "status": "passed",
            "deadline": "2021-09-06T21:59:00+00:00",
            "handed_in_at": "2021-09-06T20:00:00+00:00",
            "late": False,
            "verdict": "pass",
            "verdict_origin": "default_pass",
            "verdict_comment": None,
            "reviews_received": 3,
            "reviews_assigned": 3,
            "reviews_given": 3,
        }
        for i in range(n)
    ]

    class LabStatusOut(BaseModel):
        student_id: str
        lab_number: int
        assignment_id: str | None
        status: str
        deadline: datetime | None
        handed_in_at: datetime | None
        late: bool
        verdict: str | None
        verdict_origin: str | None
        verdict_comment: str | None
        reviews_received: int
        reviews_assigned: int
        reviews_given: int

    from strawberry.fastapi import BaseContext

    class Ctx(BaseContext):
        def is_self_or_staff(self, _person: str) -> bool:
            return True

    @strawberry.type
    class Query:
        @strawberry.field
        def labs(self) -> list[LabStatus]:
            return [LabStatus.from_api(r) for r in rows]

        @strawberry.field
        def labs_export(self) -> JSON:
            return rows

    schema = strawberry.Schema(Query, extensions=[ParserCache, ValidationCache])
    app = FastAPI()
    app.include_router(GraphQLRouter(schema, path="/graphql", context_getter=lambda: Ctx(), graphql_ide=None))

    @app.get("/labs", response_model=list[LabStatusOut])
    def labs() -> list[dict]:
        return rows

    return app


def big_list(n: int, repeats: int) -> dict[str, float]:
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(big_list_app(n), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    fields = (
        "labNumber assignmentId status deadline handedInAt late verdict verdictOrigin verdictComment "
        "reviewsReceived reviewsAssigned reviewsGiven studentId"
    )
    typed_fields = fields.replace(" studentId", "")
    base = f"http://127.0.0.1:{port}"
    cases = {
        "FastAPI JSON (baseline)": lambda c: c.get(f"{base}/labs"),
        "GraphQL typed list": lambda c: c.post(f"{base}/graphql", json={"query": f"{{ labs {{ {typed_fields} }} }}"}),
        "GraphQL JSON scalar": lambda c: c.post(f"{base}/graphql", json={"query": "{ labsExport }"}),
    }
    best: dict[str, float] = {}
    try:
        with httpx.Client(timeout=120) as client:
            for name, call in cases.items():
                response = call(client)  # warm-up + sanity
                response.raise_for_status()
                body = response.json()
                count = len(body) if isinstance(body, list) else len(next(iter(body["data"].values())))
                assert count == n, (name, count)
                timings = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    call(client).raise_for_status()
                    timings.append(time.perf_counter() - started)
                best[name] = min(timings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=float, nargs="+", default=[100, 25])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-big-list", action="store_true")
    parser.add_argument("--cpu-only", action="store_true", help="only the CPU-per-request table")
    args = parser.parse_args()

    if not (args.skip_big_list or args.cpu_only):
        print(f"== big list: {args.objects} objects, best of {args.repeats}")
        best = big_list(args.objects, args.repeats)
        baseline = best["FastAPI JSON (baseline)"]
        for name, seconds in best.items():
            print(f"  {name:<26} {seconds * 1000:8.1f} ms   {seconds / baseline:5.2f}x")

    if args.skip_latency:
        return 0
    with tempfile.TemporaryDirectory(prefix="gw-bench-") as tmp, TansuBroker(workdir=Path(tmp) / "tansu") as broker:
        try:
            pg = PostgresServer.discover().start()
        except PostgresUnavailable:
            pg = None
        procs, urls = start_stack(Path(tmp), broker.bootstrap, pg)
        try:
            print(f"   uvicorn options: {' '.join(UVICORN_SPEED_ARGS) or '(defaults)'}")
            seed_term(urls)
            cpu_per_request(urls, procs)
            for rate in [] if args.cpu_only else args.rates:
                print(f"== added latency at {rate:.0f} req/s, 2 x {args.seconds:.0f} s per path, alternating")
                report(asyncio.run(latency_phase(urls, rate=rate, seconds=args.seconds)))
        finally:
            for proc in procs.values():
                proc.stop()
            if pg is not None:
                pg.close()
    return 0


def report(results: dict[str, tuple[list[float], int]]) -> None:
    (direct, direct_failed), (gateway, gateway_failed) = results["direct"], results["gateway"]
    for name, values, failed in (
        ("review REST direct", direct, direct_failed),
        ("through the gateway", gateway, gateway_failed),
    ):
        if not values:
            print(f"  {name:<22} every request failed ({failed})")
            return
        print(
            f"  {name:<22} ok={len(values):5d} failed={failed:4d}  p50 {pct(values, 0.5):7.2f} ms"
            f"  p99 {pct(values, 0.99):8.2f} ms  mean {statistics.fmean(values):7.2f} ms"
        )
    print(
        f"  added by the gateway: p50 {pct(gateway, 0.5) - pct(direct, 0.5):+.2f} ms, "
        f"p99 {pct(gateway, 0.99) - pct(direct, 0.99):+.2f} ms"
    )


if __name__ == "__main__":
    raise SystemExit(main())
