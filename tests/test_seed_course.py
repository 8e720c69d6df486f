"""The dev stack's course seed against the services running as real uvicorn processes: run twice,
nothing is duplicated; lab deadlines come from the scheduling calendar."""

from __future__ import annotations

import logging
import time
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, text

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.db import _normalise_url
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local import seed, seed_steps
from peerlab.local.ports import free_port
from peerlab.local.seed_course import lab_assignments
from peerlab.local.seed_course_data import COURSE_ID
from peerlab.local.services import SERVICES, service_env

ADMIN = mint_dev_token(sub="dev-admin", roles=["admin", "teacher"], secret=DEV_JWT_SECRET, name="Dev Admin")
HEADERS = {"Authorization": f"Bearer {ADMIN}"}

# Lab k is due on the Monday of counted week k+1 at 23:59 Copenhagen (CEST until 31 Oct, then CET);
# the fall break week of 18 Oct is not counted.
LAB_DEADLINES_2021 = [
    datetime(2021, 9, 6, 21, 59, tzinfo=UTC),
    datetime(2021, 9, 13, 21, 59, tzinfo=UTC),
    datetime(2021, 9, 20, 21, 59, tzinfo=UTC),
    datetime(2021, 9, 27, 21, 59, tzinfo=UTC),
    datetime(2021, 10, 4, 21, 59, tzinfo=UTC),
    datetime(2021, 10, 11, 21, 59, tzinfo=UTC),
    datetime(2021, 10, 25, 21, 59, tzinfo=UTC),
    datetime(2021, 11, 1, 22, 59, tzinfo=UTC),
]


@pytest.fixture(autouse=True)
def course_steps_only(monkeypatch):
    """These tests are about the fall-2021 course; the living demo (seed_demo_*) needs every
    service with its worker and is tested against ``peerlab dev`` (test_readme_walkthrough)."""
    monkeypatch.setattr(seed_steps, "_STEPS", [s for s in seed_steps._STEPS if not s[0].startswith("seed_demo_")])


def _start(
    names,
    *,
    spawn_service,
    fresh_database_url,
    kafka_broker,
    tmp_path,
    workers: frozenset[str] | set[str] = frozenset(),
) -> tuple[dict, dict]:
    """Migrate and start each named service (API, and the worker of those in ``workers``) the way
    ``peerlab dev`` does; urls and db urls."""
    specs = [s for s in SERVICES if s.name in names]
    ports = {s.name: free_port() for s in specs}
    urls = {s.name: f"http://127.0.0.1:{ports[s.name]}" for s in specs}
    databases = {}
    for spec in specs:
        peers = {n: u for n, u in urls.items() if n != spec.name} if spec.name == "gateway" else None
        env = service_env(
            spec, port=ports[spec.name], data_dir=tmp_path, bootstrap=kafka_broker.bootstrap, peer_urls=peers
        )
        env[f"{spec.env_prefix}DATABASE_URL"] = databases[spec.name] = fresh_database_url(spec.name)
        env[f"{spec.env_prefix}DATA_DIR"] = str(tmp_path / spec.name)
        env[f"{spec.env_prefix}LOG_JSON"] = "false"
        (tmp_path / "objects" / spec.name).mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", spec.migrate_module, "upgrade"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        spawn_service(spec.app, env=env, port=ports[spec.name], name=f"{spec.name}-api", ready_timeout=60)
        if spec.name in workers:
            spawn_service(
                [sys.executable, "-m", spec.worker_module], env={**os.environ, **env}, name=f"{spec.name}-worker"
            )
    return urls, databases


def _get(urls, service, path):
    response = httpx.get(urls[service] + path, headers=HEADERS, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def _scheduling_state(urls):
    base = f"/v1/courses/{COURSE_ID}"
    days = _get(urls, "scheduling", f"{base}/exam-days")
    return {
        "term_revision": _get(urls, "scheduling", f"{base}/term")["revision"],
        "rooms": [(r["room_id"], r["capacity"]) for r in _get(urls, "scheduling", f"{base}/rooms")],
        "exam_days": [(d["exam_day_id"], d["slots"], d["revision"]) for d in days],
    }


def _projects_state(urls):
    years = _get(urls, "projects", "/v1/catalogues")
    revisions = {
        p["project_id"]: p["revision"]
        for y in (2020, 2021)
        for p in _get(urls, "projects", f"/v1/catalogues/{y}/projects")
    }
    return years, revisions


def test_seed_twice_against_scheduling_and_projects(spawn_service, fresh_database_url, kafka_broker, tmp_path, caplog):
    urls, _ = _start(
        {"scheduling", "projects"},
        spawn_service=spawn_service,
        fresh_database_url=fresh_database_url,
        kafka_broker=kafka_broker,
        tmp_path=tmp_path,
    )
    with caplog.at_level(logging.INFO, logger="peerlab.local.seed"):
        assert seed.seed_course(urls, ADMIN) == [
            "seed_history",
            "seed_roster",
            "seed_calendar",
            "seed_catalogues",
            "seed_labs",
            "seed_dev_admin",
        ]
    assert "seed_roster skipped: the gateway service is not running" in caplog.text
    assert "seed_labs skipped: the submissions service is not running" in caplog.text
    first = (_scheduling_state(urls), _projects_state(urls))
    seed.seed_course(urls, ADMIN)
    assert (_scheduling_state(urls), _projects_state(urls)) == first

    calendar, (years, revisions) = first
    assert calendar == {
        "term_revision": 1,
        "rooms": [("B303A-A042", 60), ("B303A-A048", 60), ("B303A-HOEST", 120), ("B303A-HVEST", 120)],
        "exam_days": [("poster-2021", 16, 1), ("extra-2021", 6, 1)],
    }
    assert years == [{"year": 2020, "projects": 28}, {"year": 2021, "projects": 25}]
    assert len(revisions) == 53 and set(revisions.values()) == {1}
    again = httpx.post(urls["projects"] + "/v1/catalogues/2021/import-bundled", headers=HEADERS, timeout=30).json()
    assert again["created"] == again["updated"] == [] and len(again["unchanged"]) == 25

    dates = {d["key"]: d for d in _get(urls, "scheduling", f"/v1/courses/{COURSE_ID}/calendar/dates")["dates"]}
    assert [datetime.fromisoformat(dates[f"lab-{k}"]["at"]) for k in range(1, 9)] == LAB_DEADLINES_2021
    assert datetime.fromisoformat(dates["lab-1"]["opens_at"]) == datetime(2021, 8, 30, 11, 0, tzinfo=UTC)
    assert dates["report"]["at"] == "2022-01-04T22:59:00Z" and dates["selection"]["at"] == "2021-10-15T21:59:00Z"
    labs = lab_assignments()  # no dates in the seed: each hand-in names the calendar's key
    assert all("deadline" not in body and body["date_key"] == key for key, body in labs)
    own_choice = [body["lab_number"] for _, body in labs if "own choice" in body["title"]]
    assert own_choice == [3, 4, 7, 8]
    assert [key for key, _ in labs[8:]] == ["synopsis", "report", "poster"]

    # A running service without the endpoint a step needs (404/405): the step warns and is skipped.
    caplog.clear()
    lacking = {**urls, "gateway": urls["scheduling"], "submissions": urls["projects"]}
    with caplog.at_level(logging.WARNING, logger="peerlab.local.seed"):
        seed.seed_course(lacking, ADMIN)
    assert "seed_roster skipped: PUT gateway/v1/roster/s210001 answered 404" in caplog.text
    assert "seed_labs skipped: PUT submissions/v1/assignments/lab-1 answered 404" in caplog.text
    assert (_scheduling_state(urls), _projects_state(urls)) == first


def _outbox_count(database_url: str, event_type: str) -> int:
    engine = create_engine(_normalise_url(database_url))
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM outbox_event WHERE event_type = :t"), {"t": event_type}
            ).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_seed_twice_against_the_whole_stack(spawn_service, fresh_database_url, make_kafka_broker, tmp_path):
    names = {"scheduling", "projects", "submissions", "gateway"}
    # a broker of its own: another test's calendar events (same course, other database) would be consumed too
    urls, databases = _start(
        names,
        spawn_service=spawn_service,
        fresh_database_url=fresh_database_url,
        kafka_broker=make_kafka_broker(),
        tmp_path=tmp_path,
        workers={"submissions"},
    )
    # --term-start: the same course, week 1 three weeks ago, so its deadlines are live
    today = date.today()
    start = today - timedelta(days=today.weekday(), weeks=3)
    options = seed.SeedOptions(term_start=start)
    seed.seed_course(urls, ADMIN, options)
    seed.seed_course(urls, ADMIN, options)

    labs = sorted(
        (a for a in _get(urls, "submissions", "/v1/assignments")["items"] if a["kind"] == "lab"),
        key=lambda a: a["lab_number"],
    )
    assert [a["id"] for a in labs] == [f"lab-{k}" for k in range(1, 9)]
    shift = start - date(2021, 8, 30)
    assert [datetime.fromisoformat(a["deadline_local"]).date() for a in labs] == [
        d.astimezone(ZoneInfo("Europe/Copenhagen")).date() + shift for d in LAB_DEADLINES_2021
    ]
    assert {datetime.fromisoformat(a["deadline_local"]).strftime("%H:%M") for a in labs} == {"23:59"}
    assert {a["revision"] for a in labs} == {1} and {a["date_key"] for a in labs} == {f"lab-{k}" for k in range(1, 9)}
    assert labs[3]["closed"] is False  # live deadlines
    # the past ones are closed by the worker's closer on its next tick (bounded wait, not a sleep per se)
    for _ in range(60):
        closed = {a["id"]: a["closed"] for a in _get(urls, "submissions", "/v1/assignments")["items"]}
        if closed["lab-1"] and closed["lab-2"]:
            break
        time.sleep(0.5)
    assert (closed["lab-1"], closed["lab-2"], closed["lab-4"]) == (True, True, False)
    assert labs[6]["title"].startswith("Lab 7: week 7 computer exercise - Un- and semi-supervised learning + 1 ")
    report = _get(urls, "submissions", "/v1/assignments/report")
    assert datetime.fromisoformat(report["deadline_local"]).date() == date(2022, 1, 4) + shift
    assert _outbox_count(databases["submissions"], "assignment.upserted.v1") == 11

    roster = _get(urls, "gateway", "/v1/roster?limit=1000")["items"]
    assert len(roster) == 17
    phd = [p["id"] for p in roster if p["programme"] == "phd"]
    assert phd == ["s210012"]
    assert sorted(p["id"] for p in roster if "admin" in p["roles"]) == ["demo-teacher-1", "dev-admin"]
    assert _outbox_count(databases["gateway"], "roster.person_enrolled.v1") == 17
