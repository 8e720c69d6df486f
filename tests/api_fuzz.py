"""Fuzz every service's REST API from its own OpenAPI with schemathesis, against the real app.

Each app is built by its own ``create_app`` over a freshly migrated database (PostgreSQL, or SQLite
when the machine has none) and, for submissions, a real S3 server; schemathesis sends its requests
in-process through the ASGI transport. Every operation is fuzzed once per identity (a student and a
teacher token, minted as ``peerlab token`` does with the development secret) and per generation
mode (positive: valid by the schema; negative: invalid); the cases of an operation whose path names
objects are drawn from fully generated ones and ones that name objects seeded beforehand (through
the API, or through the events the service consumes), so that the handlers behind the 404s are
reached too.

What must hold: no 5xx (schemathesis's ``not_a_server_error``; an exception escaping the app counts
as one and keeps its traceback), and every status answered is one the operation documents
(schemathesis's ``status_code_conformance``: the chassis documents each route's problem answers,
see ``peerlab.chassis.problem_docs``). Conformance of the content type and body is counted and
reported, never failed on.

``tests/test_api_fuzz.py`` runs a small budget in the suite; ``scripts/fuzz`` (this file's CLI)
runs a larger one: ``scripts/fuzz --max-examples 50 [--services review,projects] [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from alembic import command
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.python import asgi as st_asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peerlab.local.testing import NO_BROKER, in_process_values
from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.migrations import alembic_config

COURSE = "02456-2021"
SERVICES = ("submissions", "review", "projects", "scheduling", "gateway")
CONFORMANCE_CHECKS = {
    "status_code": status_code_conformance,
    "content_type": content_type_conformance,
    "response_schema": response_schema_conformance,
}
# The gateway's GraphQL endpoint is not REST; its own tests (and the gateway hardening) cover it.
EXCLUDED_PATHS = {"gateway": ("/graphql",)}


# --- the apps ------------------------------------------------------------------------------------


@dataclass
class Infra:
    """Where the apps' state lives: a factory of fresh database URLs and an S3 server."""

    database_url: Callable[[str], str]
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    workdir: Path


def _migrate(package: str, settings: Any) -> None:
    command.upgrade(alembic_config(package=package, settings=settings), "head")


def _common(url: str) -> dict[str, Any]:
    return in_process_values(url, course_id=COURSE)


def build_app(service: str, infra: Infra) -> tuple[Any, Any]:
    """``(app, settings)`` of ``service`` over a new migrated database."""
    url = infra.database_url(f"fuzz_{service}")
    if service == "submissions":
        from peerlab.submissions.main import create_app
        from peerlab.submissions.settings import SubmissionsSettings

        settings = SubmissionsSettings(
            **_common(url),
            storage_backend="s3",
            storage_s3_endpoint=infra.s3_endpoint,
            storage_s3_access_key=infra.s3_access_key,
            storage_s3_secret_key=infra.s3_secret_key,
            storage_bucket=f"fuzz-{uuid.uuid4().hex[:12]}",
            data_dir=str(infra.workdir / "submissions"),
            close_grace_s=0,
        )
    elif service == "review":
        from peerlab.review.main import create_app
        from peerlab.review.settings import ReviewSettings

        settings = ReviewSettings(**_common(url))
    elif service == "projects":
        from peerlab.projects.main import create_app
        from peerlab.projects.settings import ProjectsSettings

        future = datetime.now(UTC) + timedelta(days=30)
        settings = ProjectsSettings(**_common(url), selection_deadline=future, labs_end=future)
    elif service == "scheduling":
        from peerlab.scheduling.main import create_app
        from peerlab.scheduling.settings import SchedulingSettings

        settings = SchedulingSettings(**_common(url))
    elif service == "gateway":
        from peerlab.gateway.main import create_app
        from peerlab.gateway.settings import GatewaySettings

        # No webhook_allow_private: a fuzzed URL must never make the app reach for a private host.
        settings = GatewaySettings(
            **_common(url),
            subscriptions_enabled=False,
            submissions_url="http://127.0.0.1:9",
            review_url="http://127.0.0.1:9",
        )
    else:
        raise ValueError(f"unknown service {service!r}")
    _migrate(f"peerlab.{service}", settings)
    return create_app(settings), settings


def identities(settings: Any) -> dict[str, dict[str, str]]:
    """The callers: a student and a teacher, with dev tokens as ``peerlab token`` mints them."""

    def bearer(sub: str, *roles: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + mint_dev_token(sub=sub, roles=list(roles), secret=settings.jwt_secret)}

    return {"student": bearer("s210001", "student"), "teacher": bearer("teacher-1", "teacher")}


# --- objects that exist, so that fuzzed requests get past the 404s -------------------------------


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat()


STUDENT, PEERS = "s210001", ("s210002", "s210003", "s210004")


def _feed(app: Any, settings: Any, service: str, source: str, events: list[tuple[Any, str]]) -> None:
    """Deliver events through the service's real consumer (handlers, inbox), as the broker would."""
    import importlib

    from peerlab.chassis.consumer import ConsumerRunner
    from peerlab.contracts import Envelope

    spec_of = importlib.import_module(f"peerlab.{service}.events.handlers").consumer_spec
    spec = spec_of() if service in ("scheduling", "submissions") else spec_of(settings)
    runner = ConsumerRunner(spec, engine=app.state.engine, bootstrap=NO_BROKER)
    for data, subject in events:
        raw = Envelope.wrap(data, source=source, subject=subject, course_id=COURSE).to_bytes()
        outcome = runner.handle_message(raw, stop=threading.Event())
        if outcome != "handled":
            raise RuntimeError(f"seeding {service}: {type(data).__name__} was {outcome}")


def _ok(response: Any) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"seeding failed: {response.request.method} {response.request.url} -> "
            f"{response.status_code} {response.text[:500]}"
        )
    return response.json()


def _notebook() -> bytes:
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "id": "c0",
        "source": "print(1)",
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}],
    }
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def seed(service: str, app: Any, settings: Any, client: Any, who: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Objects that exist (created through the API, or the events the service consumes); returns path
    parameters that name them, so that fuzzed requests also reach the handlers behind the 404s."""
    from peerlab.contracts.events.projects import GroupFormedV1
    from peerlab.contracts.events.review import EligibilityChangedV1
    from peerlab.contracts.events.roster import PersonEnrolledV1
    from peerlab.contracts.events.submissions import (
        AssignmentClosedV1,
        AssignmentUpsertedV1,
        FinalSubmission,
        SubmissionReceivedV1,
    )

    teacher, student, now = who["teacher"], who["student"], datetime.now(UTC)
    people = (STUDENT, *PEERS)
    known: dict[str, Any] = {"course_id": COURSE, "student_id": STUDENT, "person_id": STUDENT}
    if service == "submissions":
        body = {
            "id": "lab-1",
            "kind": "lab",
            "lab_number": 1,
            "title": "Lab 1",
            "opens_at": _iso(now - timedelta(days=1)),
            "deadline": _iso(now + timedelta(days=7)),
        }
        known["assignment_id"] = _ok(client.post("/v1/assignments", json=body, headers=teacher))["id"]
        handed_in = _ok(
            client.post(
                "/v1/assignments/lab-1/submissions",
                params={"file_name": "week1-EXE.ipynb"},
                data=_notebook(),
                headers={**student, "Content-Type": "application/octet-stream"},
            )
        )
        known.update(submission_id=handed_in["submission"]["id"], version=1)
        known["upload_id"] = _ok(
            client.post(
                "/v1/assignments/lab-1/uploads",
                headers=student,
                json={"file_name": "week1-EXE.ipynb", "size": 10, "sha256": "ab" * 32},
            )
        )["upload_id"]
    elif service == "review":
        deadline = now - timedelta(hours=1)
        events: list[tuple[Any, str]] = [
            (
                AssignmentUpsertedV1(
                    assignment_id="a-lab-1",
                    kind="lab",
                    lab_number=1,
                    title="Lab 1",
                    owner_type="student",
                    opens_at=deadline - timedelta(days=7),
                    deadline=deadline,
                ),
                "a-lab-1",
            )
        ]
        events += [
            (PersonEnrolledV1(person_id=p, roles=["student"], programme="msc", enrolled_at=now), p) for p in people
        ]
        events += [
            (
                SubmissionReceivedV1(
                    submission_id=f"s-1-{p}",
                    assignment_id="a-lab-1",
                    assignment_kind="lab",
                    lab_number=1,
                    owner_type="student",
                    owner_id=p,
                    submitted_by=p,
                    version=1,
                    file_name="week1-EXE.ipynb",
                    size=1000,
                    sha256="ab" * 32,
                    received_at=deadline - timedelta(hours=1),
                    on_time=True,
                ),
                f"s-1-{p}",
            )
            for p in people
        ]
        events.append(
            (
                AssignmentClosedV1(
                    assignment_id="a-lab-1",
                    kind="lab",
                    lab_number=1,
                    deadline=deadline,
                    closed_at=deadline,
                    final_submissions=[
                        FinalSubmission(owner_id=p, submission_id=f"s-1-{p}", version=1, sha256="ab" * 32)
                        for p in people
                    ],
                ),
                "a-lab-1",
            )
        )
        _feed(app, settings, "review", "submissions", events)
        known.update(lab_number=1, submission_id=f"s-1-{STUDENT}")
        known["round_id"] = _ok(client.get("/v1/rounds", headers=teacher))[0]["id"]
        known["token"] = _ok(client.get("/v1/me/tasks", headers=student))[0]["task_token"]
    elif service == "projects":
        known["year"] = 2021
        _ok(client.post("/v1/catalogues/2021/import-bundled", headers=teacher))
        known["number"] = 1
        events = [
            (PersonEnrolledV1(person_id=p, roles=["student"], programme="msc", enrolled_at=now), p) for p in people
        ]
        events += [
            (
                EligibilityChangedV1(
                    student_id=p, status="eligible", labs_passed=6, labs_open=0, threshold=6, changed_at=now
                ),
                p,
            )
            for p in people
        ]
        _feed(app, settings, "projects", "gateway", events)
        known["group_id"] = _ok(client.post("/v1/groups", json={"name": "Fuzzers"}, headers=student))["group_id"]
    elif service == "scheduling":
        term = {
            "title": "02456 fall 2021",
            "first_monday": "2021-08-30",
            "counted_weeks": 13,
            "lab_weeks": 8,
            "time_zone": "Europe/Copenhagen",
            "sessions": [{"weekday": 0, "start": "13:00", "end": "17:00"}],
            "breaks": [{"starts_on": "2021-10-18", "ends_on": "2021-10-22", "label": "Fall break"}],
        }
        _ok(client.put(f"/v1/courses/{COURSE}/term", json=term, headers=teacher))
        day = {
            "kind": "poster",
            "title": "Poster session",
            "day": (now + timedelta(days=40)).date().isoformat(),
            "start": "09:00",
            "end": "17:00",
            "time_zone": "Europe/Copenhagen",
            "location": "SkyLab",
            "slot_minutes": 30,
            "slot_capacity": 2,
        }
        _ok(client.put(f"/v1/courses/{COURSE}/exam-days/poster-1", json=day, headers=teacher))
        _ok(client.put(f"/v1/courses/{COURSE}/rooms/room-1", json={"name": "Room 1", "capacity": 40}, headers=teacher))
        known.update(exam_day_id="poster-1", room_id="room-1")
        _feed(
            app,
            settings,
            "scheduling",
            "projects",
            [(GroupFormedV1(group_id="g-1", member_ids=[STUDENT, PEERS[0]], formed_at=now), "g-1")],
        )
        known.update(week=1, group_id="g-1")
    return known


# --- the fuzzing ---------------------------------------------------------------------------------


@dataclass
class Finding:
    """One kind of 5xx on one operation: the first request that showed it and how often it recurred."""

    operation: str
    identity: str
    status: int
    request: str
    detail: str
    count: int = 1

    @property
    def signature(self) -> str:
        lines = [line for line in self.detail.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else ""
        return f"{self.operation} {self.status} {last.split(':', 1)[0][:120]}"


@dataclass
class OperationStats:
    service: str
    operation: str
    requests: int = 0
    server_errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    conformance: Counter = field(default_factory=Counter)
    conformance_sample: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Report:
    stats: dict[tuple[str, str], OperationStats] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # (service, operation, status) -> the first request answered with a status its OpenAPI lacks
    undocumented: dict[tuple[str, str, int], str] = field(default_factory=dict)
    seconds: float = 0.0
    out_of_time: bool = False

    def op(self, service: str, label: str) -> OperationStats:
        return self.stats.setdefault((service, label), OperationStats(service, label))

    def add_finding(self, finding: Finding) -> None:
        for known in self.findings:
            if known.signature == finding.signature:
                known.count += 1
                return
        self.findings.append(finding)

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.stats.values())

    def totals(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for s in self.stats.values():
            row = out.setdefault(
                s.service, {"operations": 0, "requests": 0, "5xx": 0, "nonconforming": 0, "seconds": 0.0}
            )
            row["operations"] += 1
            row["seconds"] += s.seconds
            row["requests"] += s.requests
            row["5xx"] += s.server_errors
            row["nonconforming"] += sum(s.conformance.values())
        return out

    @property
    def server_errors(self) -> int:
        return sum(s.server_errors for s in self.stats.values())

    def render(self, *, per_operation: bool = True) -> str:
        lines = []
        if per_operation:
            lines.append(f"{'service':<12} {'operation':<62} {'req':>5} {'5xx':>4} {'nonconf':>7} {'s':>5}  statuses")
            for s in sorted(self.stats.values(), key=lambda s: (s.service, s.operation)):
                statuses = " ".join(f"{k}:{v}" for k, v in sorted(s.statuses.items()))
                lines.append(
                    f"{s.service:<12} {s.operation:<62} {s.requests:>5} {s.server_errors:>4} "
                    f"{sum(s.conformance.values()):>7} {s.seconds:>5.1f}  {statuses}"
                )
            lines.append("")
        lines.append(f"{'service':<12} {'operations':>10} {'requests':>9} {'5xx':>5} {'nonconforming':>14} {'s':>6}")
        totals = self.totals()
        for service, row in totals.items():
            lines.append(
                f"{service:<12} {row['operations']:>10} {row['requests']:>9} {row['5xx']:>5} "
                f"{row['nonconforming']:>14} {row['seconds']:>6.1f}"
            )
        lines.append(
            f"{'all':<12} {sum(r['operations'] for r in totals.values()):>10} "
            f"{sum(r['requests'] for r in totals.values()):>9} {self.server_errors:>5} "
            f"{sum(r['nonconforming'] for r in totals.values()):>14}"
        )
        kinds = Counter()
        for s in self.stats.values():
            kinds.update(s.conformance)
        if kinds:
            lines.append("nonconforming responses by check: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
        lines.append(
            f"{self.seconds:.1f} s{' (time budget ran out: not every operation was fuzzed)' if self.out_of_time else ''}"
        )
        for (service, operation, status), sample in sorted(self.undocumented.items()):
            lines += ["", f"undocumented {status} in {service} {operation}, first seen with:", f"  {sample}"]
        for f in self.findings:
            detail = f.detail.strip().splitlines()
            if len(detail) > 40:
                detail = ["  ..."] + detail[-40:]
            lines += [
                "",
                f"5xx {f.status} in {f.operation} as {f.identity} ({f.count}x), first seen with:",
                f"  {f.request}",
                *detail,
            ]
        return "\n".join(lines)


class _ErrorLog(logging.Handler):
    """Collects the tracebacks the apps log (the chassis logs every unhandled error)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.records.append(text)


class _OutOfTime(Exception):
    pass


def _curl(case: Any, headers: dict[str, str]) -> str:
    try:
        return case.as_curl_command(
            headers={k: (v[:24] + "...") if k == "Authorization" else v for k, v in headers.items()}
        )
    except Exception:  # noqa: BLE001 - a case that cannot be rendered is still reported
        return repr(case)


def _negatable(operation: Any, fixed: dict[str, Any]) -> bool:
    """Whether a negative case exists: a body, a query or header parameter, or a path parameter
    (not fixed) with a type or constraint to break. Free-form string path parameters cannot be made
    invalid, and hypothesis spends seconds per operation before it says so."""
    if list(operation.body):
        return True
    for parameter in operation.iter_parameters():
        if parameter.location.value != "path":
            return True
        if parameter.name in fixed:
            continue
        definition = (parameter.definition or {}).get("schema", {})
        if set(definition) - {"title", "type", "description"} or definition.get("type") != "string":
            return True
    return False


def _strategies(operation: Any, known: dict[str, Any]) -> list[Any]:
    """One strategy per generation mode: fully generated cases, cases whose path names seeded
    objects, and cases that keep only the seeded ids (so a version or lab number is still fuzzed)."""
    path = {p.name: p for p in operation.iter_parameters() if p.location.value == "path"}
    every = {k: v for k, v in known.items() if k in path}
    ids = {k: v for k, v in every.items() if isinstance(v, str)}
    variants = [{}] + [fixed for fixed in (every, ids) if fixed]
    variants = [v for i, v in enumerate(variants) if v not in variants[:i]]
    out = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        branches = [
            operation.as_strategy(mode, path_parameters=fixed or None)
            for fixed in variants
            if mode is GenerationMode.POSITIVE or _negatable(operation, fixed)
        ]
        if branches:
            out.append(st.one_of(branches))
    return out


def fuzz_operation(
    *,
    service: str,
    operation: Any,
    who: dict[str, dict[str, str]],
    known: dict[str, Any],
    max_examples: int,
    seed_value: int,
    report: Report,
    errors: _ErrorLog,
    deadline: float,
) -> None:
    stats = report.op(service, operation.label)

    def one(case: Any, identity: str, headers: dict[str, str]) -> None:
        if time.monotonic() > deadline:
            raise _OutOfTime
        errors.records.clear()
        stats.requests += 1
        try:
            response = case.call(headers=headers)
        except Exception:  # noqa: BLE001 - an exception that escapes the app is a 500
            stats.server_errors += 1
            stats.statuses[500] += 1
            report.add_finding(
                Finding(operation.label, identity, 500, _curl(case, headers), traceback.format_exc(limit=-12))
            )
            return
        stats.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except FailureGroup:
            stats.server_errors += 1
            detail = "\n".join(errors.records) or response.text[:2000]
            report.add_finding(Finding(operation.label, identity, response.status_code, _curl(case, headers), detail))
            return
        for name, check in CONFORMANCE_CHECKS.items():
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except FailureGroup as exc:
                stats.conformance[name] += 1
                stats.conformance_sample.setdefault(name, f"{response.status_code} {str(exc)[:600]}")
                if name == "status_code":
                    report.undocumented.setdefault(
                        (service, operation.label, response.status_code),
                        f"{_curl(case, headers)} as {identity} -> {response.text[:300]}",
                    )

    for identity, headers in who.items():
        for strategy in _strategies(operation, known):

            @hypothesis.settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=False,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                print_blob=False,
                report_multiple_bugs=False,
            )
            @hypothesis.seed(seed_value)
            @hypothesis.given(case=strategy)
            def run(case: Any) -> None:
                one(case, identity, headers)  # noqa: B023 - run() is called in this same iteration

            started = time.monotonic()
            try:
                run()
            except _OutOfTime:
                report.out_of_time = True
                return
            except hypothesis.errors.Unsatisfiable:
                pass  # nothing to negate (e.g. only free-form string path parameters): nothing to send
            finally:
                stats.seconds += time.monotonic() - started


def fuzz_service(
    service: str,
    app: Any,
    settings: Any,
    *,
    max_examples: int,
    seed_value: int,
    report: Report,
    deadline: float,
    allow_x00: bool = True,
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(allow_x00=allow_x00)
    who = identities(settings)
    with st_asgi.get_client(app) as client:
        known = seed(service, app, settings, client, who)
    errors = _ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path.startswith(EXCLUDED_PATHS.get(service, ())):
                continue
            if time.monotonic() > deadline:
                report.out_of_time = True
                return
            fuzz_operation(
                service=service,
                operation=operation,
                who=who,
                known=known,
                max_examples=max_examples,
                seed_value=seed_value,
                report=report,
                errors=errors,
                deadline=deadline,
            )
    finally:
        logging.getLogger().removeHandler(errors)


def run_fuzz(
    apps: dict[str, tuple[Any, Any]],
    *,
    max_examples: int,
    seed_value: int = 2456,
    time_budget_s: float = 600.0,
    allow_x00: bool = True,
) -> Report:
    """Fuzz each ``service -> (app, settings)``; the lifespans are stopped at the end.

    ``allow_x00=False`` keeps U+0000 out of generated strings (see ``tests/test_api_fuzz.py``).
    """
    report = Report()
    started = time.monotonic()
    deadline = started + time_budget_s
    try:
        for service, (app, settings) in apps.items():
            fuzz_service(
                service,
                app,
                settings,
                max_examples=max_examples,
                seed_value=seed_value,
                report=report,
                deadline=deadline,
                allow_x00=allow_x00,
            )
    finally:
        st_asgi.shutdown_lifespans()
        report.seconds = time.monotonic() - started
    return report


# --- the command line ----------------------------------------------------------------------------


@contextmanager
def local_infra(workdir: Path, db: str) -> Iterator[Infra]:
    """PostgreSQL (when the machine has one and ``db`` allows) and moto S3, torn down afterwards."""
    from peerlab.local.launchers import MotoS3Server, PostgresServer, PostgresUnavailable

    with ExitStack() as stack:
        pg = None
        if db != "sqlite":
            try:
                pg = PostgresServer.discover().start()
                stack.callback(pg.close)
            except PostgresUnavailable:
                if db == "postgres":
                    raise
        s3 = stack.enter_context(MotoS3Server(workdir=workdir / "moto"))
        created: list[str] = []

        def database_url(hint: str) -> str:
            if pg is None:
                return f"sqlite:///{workdir / f'{hint}-{uuid.uuid4().hex[:6]}.db'}"
            name = f"{hint}_{uuid.uuid4().hex[:8]}"
            created.append(name)
            return pg.create_database(name)

        if pg is not None:
            stack.callback(lambda: [pg.drop_database(name) for name in created])
        yield Infra(
            database_url=database_url,
            s3_endpoint=s3.endpoint,
            s3_access_key=s3.access_key,
            s3_secret_key=s3.secret_key,
            workdir=workdir,
        )


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--max-examples", type=int, default=50, help="examples per operation, identity and generation mode (default 50)"
    )
    parser.add_argument(
        "--services", default=",".join(SERVICES), help="comma-separated subset of " + ",".join(SERVICES)
    )
    parser.add_argument("--seed", type=int, default=2456)
    parser.add_argument("--time-budget", type=float, default=1800.0, help="seconds; stops early when spent")
    parser.add_argument("--db", choices=("auto", "postgres", "sqlite"), default="auto")
    parser.add_argument("--json", type=Path, help="also write the per-operation counts here")
    parser.add_argument("--quiet", action="store_true", help="service totals only")
    parser.add_argument(
        "--no-x00",
        action="store_true",
        help="keep U+0000 out of generated strings (a known 500 on PostgreSQL; see the CI test)",
    )
    args = parser.parse_args(argv)
    services = [s.strip() for s in args.services.split(",") if s.strip()]
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="peerlab-fuzz-") as tmp, local_infra(Path(tmp), args.db) as infra:
        apps = {service: build_app(service, infra) for service in services}
        report = run_fuzz(
            apps,
            max_examples=args.max_examples,
            seed_value=args.seed,
            time_budget_s=args.time_budget,
            allow_x00=not args.no_x00,
        )
    print(report.render(per_operation=not args.quiet))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "service": s.service,
                        "operation": s.operation,
                        "requests": s.requests,
                        "5xx": s.server_errors,
                        "statuses": dict(s.statuses),
                        "nonconforming": dict(s.conformance),
                        "samples": s.conformance_sample,
                    }
                    for s in report.stats.values()
                ],
                indent=1,
            )
        )
    return 1 if report.server_errors or report.undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
