"""Gateway CPU per request over the project phase, against a plain FastAPI passthrough of the same
backend calls, in one run (loopback only).

Run: ``uv run python bench/gateway_course_bench.py [--groups 150] [--requests 200]``.

Review, projects and scheduling run as uvicorn processes (with the scheduling worker, which learns
the groups from projects' events over tansu) on PostgreSQL (SQLite without one); 150 groups of two
choose projects, are allocated and some book poster slots. Two operations, each sent sequentially
(so the CPU each server process spends per request is robust to a busy machine):

1. a student's ``me { labs eligibility group { project booking } }``;
2. a staff list of 150 groups with members, choices, project and booking.

Each goes through the gateway (``POST /graphql``) and through a passthrough: a FastAPI app that makes
exactly the backend calls the gateway makes for it (the same routes, the same caller's token,
concurrently where the gateway's loaders are) and returns their JSON merged, without GraphQL. The
ratio is gateway CPU over passthrough CPU per request (server processes only).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI, Request

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.launchers import PostgresServer, PostgresUnavailable, TansuBroker
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess

COURSE = "02456-2021"
ME_QUERY = """{ me { labs { labNumber status verdict } eligibility { status labsPassed }
  group { id name members { personId } project { id title } booking { slotId startsAt } } } }"""
STAFF_QUERY = """{ course { groups(first: 500) { totalCount nodes { id name state
  members { personId presentsPoster } selection { choices { rank projectId } }
  project { id title } booking { slotId startsAt } } } } }"""


def token(sub: str, *roles: str) -> dict[str, str]:
    return {"authorization": f"Bearer {mint_dev_token(sub=sub, roles=roles, secret=DEV_JWT_SECRET)}"}


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the passthrough: the same backend calls, no GraphQL --------------------------------------


def passthrough_app():
    """``GET /me`` and ``GET /groups``: the gateway's backend calls for the two operations, merged."""
    urls = {s: os.environ[f"BENCH_{s.upper()}_URL"] for s in ("review", "projects", "scheduling")}
    app = FastAPI()
    http = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=100))

    async def get(request: Request, service: str, path: str, **params: str) -> object:
        response = await http.get(
            urls[service] + path, params=params or None, headers={"authorization": request.headers["authorization"]}
        )
        return response.json() if response.status_code == 200 else None

    @app.get("/me")
    async def me(request: Request, sub: str) -> dict:
        labs, eligibility, group = await asyncio.gather(
            get(request, "review", "/v1/lab-status", student_ids=sub),
            get(request, "review", "/v1/eligibility", student_ids=sub),
            get(request, "projects", "/v1/groups/mine"),
        )
        project = booking = None
        if group:
            gid = group["group_id"]
            assignment, booking = await asyncio.gather(
                get(request, "projects", f"/v1/groups/{gid}/assignment"),
                get(request, "scheduling", f"/v1/courses/{COURSE}/groups/{gid}/booking"),
            )
            if assignment:
                year = assignment["project_id"].split("-")[1]
                catalogue = await get(request, "projects", f"/v1/catalogues/{year}/projects")
                project = next((p for p in catalogue if p["project_id"] == assignment["project_id"]), None)
        return {"labs": labs, "eligibility": eligibility, "group": group, "project": project, "booking": booking}

    @app.get("/groups")
    async def groups(request: Request) -> list:
        rows = await get(request, "projects", "/v1/groups")
        selections, assignments, bookings = await asyncio.gather(
            get(request, "projects", "/v1/selections"),
            get(request, "projects", "/v1/assignments"),
            get(request, "scheduling", f"/v1/courses/{COURSE}/bookings"),
        )
        catalogue = await get(request, "projects", "/v1/catalogues/2021/projects")
        by = lambda rows: {r["group_id"]: r for r in rows}  # noqa: E731
        selections, assignments, bookings = by(selections), by(assignments), by(bookings)
        projects = {p["project_id"]: p for p in catalogue}
        return [
            {
                **g,
                "selection": selections.get(g["group_id"]),
                "booking": bookings.get(g["group_id"]),
                "project": projects.get((assignments.get(g["group_id"]) or {}).get("project_id")),
            }
            for g in rows
        ]

    return app


# --- the stack ---------------------------------------------------------------------------------


def start(workdir: Path, bootstrap: str, pg: PostgresServer | None) -> tuple[dict[str, ServiceProcess], dict]:
    def db(name: str) -> str:
        if pg is None:
            return f"sqlite:///{workdir / name}.db"
        return pg.create_database(f"bench_gwc_{name}_{uuid.uuid4().hex[:8]}")

    ports = {name: free_port() for name in ("review", "projects", "scheduling", "gateway", "passthrough")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    envs: dict[str, dict[str, str]] = {}
    for service in ("review", "projects", "scheduling", "gateway"):
        prefix = f"PEERLAB_{service.upper()}_"
        envs[service] = {
            prefix + "DATABASE_URL": db(service),
            prefix + "KAFKA_BOOTSTRAP": bootstrap,
            prefix + "ENVIRONMENT": "test",
            prefix + "LOG_LEVEL": "WARNING",
            prefix + "RELAY_IN_PROCESS": "true",
            prefix + "COURSE_ID": COURSE,
        }
        subprocess.run(
            [sys.executable, "-m", f"peerlab.{service}.migrate", "upgrade"],
            env={**os.environ, **envs[service]},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    envs["projects"].update({"PEERLAB_PROJECTS_REQUIRE_ROSTER": "false", "PEERLAB_PROJECTS_ELIGIBILITY_GATE": "false"})
    envs["gateway"].update({f"PEERLAB_GATEWAY_{s.upper()}_URL": urls[s] for s in ("review", "projects", "scheduling")})
    envs["gateway"]["PEERLAB_GATEWAY_SUBSCRIPTIONS_ENABLED"] = "false"
    envs["passthrough"] = {f"BENCH_{s.upper()}_URL": urls[s] for s in ("review", "projects", "scheduling")}
    procs: dict[str, ServiceProcess] = {}
    for name in ("review", "projects", "scheduling", "gateway", "passthrough"):
        app = "gateway_course_bench:passthrough_app" if name == "passthrough" else f"peerlab.{name}.main:app"
        extra = ["--factory", "--app-dir", str(Path(__file__).parent)] if name == "passthrough" else []
        procs[name] = ServiceProcess(
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                *extra,
                "--port",
                str(ports[name]),
                "--host",
                "127.0.0.1",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            log_path=workdir / f"{name}.log",
            env=envs[name],
            ready_url=f"{urls[name]}/healthz" if name != "passthrough" else f"{urls[name]}/docs",
            ready_timeout=90,
        ).start()
    procs["scheduling-worker"] = ServiceProcess(
        [sys.executable, "-m", "peerlab.scheduling.worker"],
        log_path=workdir / "scheduling-worker.log",
        env=envs["scheduling"],
        name="scheduling-worker",
    ).start()
    return procs, urls


def seed(urls: dict, groups: int) -> str:
    """``groups`` groups of two with three choices each, allocated; a quarter book a slot. Returns a
    booked student."""
    teacher = token("t-bench", "teacher")

    def call(method: str, service: str, path: str, body: dict | None = None) -> dict | list | None:
        response = httpx.request(method, urls[service] + path, json=body, headers=teacher, timeout=60)
        assert response.status_code < 300, (path, response.text)
        return response.json() if response.content else None

    call("POST", "projects", "/v1/catalogues/2021/import-bundled")

    def make(i: int) -> dict:
        group = call(
            "POST", "projects", "/v1/groups", {"name": f"group {i}", "member_ids": [f"b{i:03d}a", f"b{i:03d}b"]}
        )
        call(
            "PUT",
            "projects",
            f"/v1/groups/{group['group_id']}/selection",
            {"choices": [{"project_id": f"p-2021-{2 + (i + k) % 20:02d}"} for k in range(3)]},
        )
        return group

    with ThreadPoolExecutor(4) as pool:
        made = list(pool.map(make, range(groups)))
    call("POST", "projects", "/v1/allocations", {"dry_run": False})
    day = (date.today() + timedelta(days=40)).isoformat()
    call(
        "PUT",
        "scheduling",
        f"/v1/courses/{COURSE}/exam-days/poster",
        {
            "kind": "poster",
            "title": "Poster",
            "day": day,
            "start": "09:00",
            "end": "17:00",
            "time_zone": "Europe/Copenhagen",
            "location": "SkyLab",
            "slot_minutes": 15,
            "slot_capacity": 2,
        },
    )
    slots = call("GET", "scheduling", f"/v1/courses/{COURSE}/exam-days/poster/slots")
    deadline = time.monotonic() + 120
    while len(call("GET", "scheduling", f"/v1/courses/{COURSE}/groups")) < groups:
        assert time.monotonic() < deadline, "scheduling did not learn the groups"
        time.sleep(0.5)
    booked = made[: min(groups // 4, 2 * len(slots))]
    for i, group in enumerate(booked):
        call(
            "PUT",
            "scheduling",
            f"/v1/courses/{COURSE}/groups/{group['group_id']}/booking",
            {"slot_id": slots[i // 2]["slot_id"]},
        )
    return booked[0]["members"][0]["person_id"]


def measure(urls: dict, procs: dict[str, ServiceProcess], student: str, n: int) -> None:
    student_h, staff_h = token(student, "student"), token("t-bench", "teacher")
    cases = {
        "me: gateway": (
            "gateway",
            lambda c: c.post(f"{urls['gateway']}/graphql", json={"query": ME_QUERY}, headers=student_h),
        ),
        "me: passthrough": (
            "passthrough",
            lambda c: c.get(f"{urls['passthrough']}/me", params={"sub": student}, headers=student_h),
        ),
        "150 groups: gateway": (
            "gateway",
            lambda c: c.post(f"{urls['gateway']}/graphql", json={"query": STAFF_QUERY}, headers=staff_h),
        ),
        "150 groups: passthrough": ("passthrough", lambda c: c.get(f"{urls['passthrough']}/groups", headers=staff_h)),
    }
    backends = ("review", "projects", "scheduling")
    print(f"== CPU per request, {n} sequential requests each (server processes only)")
    spent: dict[str, float] = {}
    with httpx.Client(timeout=60) as client:
        first = cases["me: gateway"][1](client).json()
        assert first["data"]["me"]["group"]["booking"], first
        for name, (edge, send) in cases.items():
            for _ in range(20):
                send(client).raise_for_status()
            before = {k: process_cpu_s(procs[k].pid) for k in (edge, *backends)}
            started = time.perf_counter()
            for _ in range(n):
                send(client).raise_for_status()
            wall = (time.perf_counter() - started) / n * 1000
            cpu = {k: (process_cpu_s(procs[k].pid) - before[k]) / n * 1000 for k in before}
            spent[name] = cpu[edge]
            print(
                f"  {name:<24} wall {wall:7.2f} ms   edge cpu {cpu[edge]:6.2f} ms   services cpu "
                f"{sum(cpu[k] for k in backends):6.2f} ms"
            )
    for op in ("me", "150 groups"):
        print(f"  {op}: gateway / passthrough CPU = {spent[f'{op}: gateway'] / spent[f'{op}: passthrough']:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=150)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gwc-bench-") as tmp, TansuBroker(workdir=Path(tmp) / "tansu") as broker:
        try:
            pg = PostgresServer.discover().start()
        except PostgresUnavailable:
            pg = None
        procs, urls = start(Path(tmp), broker.bootstrap, pg)
        try:
            student = seed(urls, args.groups)
            measure(urls, procs, student, args.requests)
        finally:
            for proc in procs.values():
                proc.stop()
            if pg is not None:
                pg.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
