"""``peerlab ops readiness``: is the platform ready for the next deadline?

Time left, expected hand-ins (students enrolled at the gateway's roster), the replicas the prescale
patch plans for it, the lag and backlog now (from /metrics), and red flags.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import yaml
from rich.console import Console
from rich.table import Table

from peerlab.local.ops import deadlines as dl
from peerlab.local.ops.promtext import snapshot

LAG_LIMIT = 1000
OLDEST_UNSENT_LIMIT_S = 60.0
SETTLE = timedelta(minutes=15)


@dataclass
class Readiness:
    deadline: dl.Deadline | None
    now: datetime
    expected_handins: int | None
    planned: dict[str, int]
    current: dict[str, float]
    red_flags: list[str] = field(default_factory=list)

    @property
    def time_left(self) -> timedelta | None:
        return self.deadline.at - self.now if self.deadline else None


def enrolled_students(gateway_url: str, *, token: str, client: httpx.Client) -> int:
    """Students enrolled in the gateway's course (its roster, paged)."""
    count, after = 0, None
    while True:
        params = {"role": "student", "limit": 1000, **({"after": after} if after else {})}
        resp = client.get(
            f"{gateway_url.rstrip('/')}/v1/roster", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        resp.raise_for_status()
        body = resp.json()
        count += len(body["items"])
        after = body.get("next_after")
        if not after:
            return count


def planned_replicas(prescale_file: Path | None, deadline: dl.Deadline) -> dict[str, int]:
    """{ScaledObject: desiredReplicas} of the cron trigger whose window covers the deadline."""
    if prescale_file is None or not prescale_file.exists():
        return {}
    out: dict[str, int] = {}
    for doc in yaml.safe_load_all(prescale_file.read_text()):
        if not doc or doc.get("kind") != "ScaledObject":
            continue
        names = json.loads(doc["metadata"].get("annotations", {}).get("peerlab/prescale-deadlines", "[]"))
        ats = [dl._parse_time(n["at"]) for n in names]
        crons = [t for t in doc["spec"]["triggers"] if t["type"] == "cron"]
        for at, trigger in zip(ats, crons, strict=False):
            if at == deadline.at:
                out[doc["metadata"]["name"]] = int(trigger["metadata"]["desiredReplicas"])
    return out


def evaluate(
    deadline: dl.Deadline | None,
    *,
    now: datetime,
    expected: int | None,
    planned: dict[str, int],
    current: dict[str, float],
    metrics_asked: bool,
) -> list[str]:
    flags = []
    if deadline is None:
        return ["no upcoming deadline found"]
    if not planned:
        flags.append("no prescale trigger covers this deadline: run `peerlab ops prescale` and apply the prod overlay")
    if expected is None:
        flags.append("enrolled students unknown (gateway roster unreachable)")
    elif expected == 0:
        flags.append("no students enrolled")
    if metrics_asked:
        if current.get("unreachable"):
            flags.append(f"{int(current['unreachable'])} /metrics endpoint(s) unreachable")
        if current.get("consumer_lag", 0) > LAG_LIMIT:
            flags.append(f"consumer lag {int(current['consumer_lag'])} > {LAG_LIMIT}")
        if current.get("outbox_oldest_age_s", 0) > OLDEST_UNSENT_LIMIT_S:
            flags.append(f"oldest unsent outbox event is {current['outbox_oldest_age_s']:.0f} s old")
        if current.get("dead_lettered", 0) > 0:
            flags.append(f"{int(current['dead_lettered'])} event(s) dead-lettered since the workers started")
    else:
        flags.append("no /metrics given: lag and backlog unknown")
    return flags


def build(
    *,
    submissions_url: str,
    scheduling_url: str | None,
    gateway_url: str | None,
    course_id: str,
    metrics_urls: list[str],
    deadlines_file: Path | None,
    prescale_file: Path | None,
    token: str,
    now: datetime | None = None,
) -> Readiness:
    now = now or dl.now_utc()
    with httpx.Client(timeout=10) as client:
        if deadlines_file is not None:
            found = dl.from_file(deadlines_file)
        else:
            found = dl.from_services(
                submissions_url=submissions_url,
                scheduling_url=scheduling_url,
                course_id=course_id,
                token=token,
                client=client,
            )
        ahead = [d for d in sorted(found, key=lambda d: d.at) if d.at > now]
        deadline = ahead[0] if ahead else None
        expected = None
        if gateway_url:
            try:
                expected = enrolled_students(gateway_url, token=token, client=client)
            except httpx.HTTPError:
                expected = None
    planned = planned_replicas(prescale_file, deadline) if deadline else {}
    current = snapshot(metrics_urls) if metrics_urls else {}
    flags = evaluate(
        deadline, now=now, expected=expected, planned=planned, current=current, metrics_asked=bool(metrics_urls)
    )
    return Readiness(
        deadline=deadline, now=now, expected_handins=expected, planned=planned, current=current, red_flags=flags
    )


def print_report(report: Readiness, console: Console) -> None:
    table = Table(title="deadline readiness")
    table.add_column("item")
    table.add_column("value")
    d = report.deadline
    table.add_row("next deadline", f"{d.name} at {d.at.isoformat(timespec='minutes')} ({d.source})" if d else "none")
    if report.time_left is not None:
        minutes = int(report.time_left.total_seconds() // 60)
        table.add_row("time left", f"{minutes // 1440} d {minutes % 1440 // 60} h {minutes % 60} min")
    table.add_row("expected hand-ins", "unknown" if report.expected_handins is None else str(report.expected_handins))
    for name, replicas in sorted(report.planned.items()):
        table.add_row(f"replicas planned: {name}", str(replicas))
    for key, value in report.current.items():
        table.add_row(f"now: {key.replace('_', ' ')}", f"{value:g}")
    console.print(table)
    if report.red_flags:
        for flag in report.red_flags:
            console.print(f"[red]✗[/] {flag}")
    else:
        console.print("[green]✓[/] no red flags")
