"""Where the deadlines come from, and the KEDA cron triggers that scale for them.

Sources, first that answers wins:
1. ``--deadlines-file`` (YAML or JSON: a list of ``{name, deadline, review_opens_at?}``);
2. the scheduling service, owner of every date: ``GET /v1/courses/{course}/calendar/dates``, its
   dated rules of kind ``deadline`` (labs, synopsis, report) by their stable keys, except the
   project selection (a projects deadline: nothing is handed in to submissions for it);
3. the submissions service's assignments, ``GET /v1/assignments`` (a course whose term is not in
   the calendar, or assignments not linked to it).

A deadline raises the submissions API and workers ``lead`` before it and lowers them when the
review window has opened: at ``review_opens_at`` when known, else the deadline plus the
submissions close grace (the closer then publishes ``assignment.closed.v1`` and review allocates)
plus ``settle``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import yaml

from peerlab.local.ops import manifests
from peerlab.local.ops.catalog import BY_NAME

CLOSE_GRACE = timedelta(seconds=900)  # SubmissionsSettings.close_grace_s default


@dataclass(frozen=True)
class Deadline:
    name: str
    at: datetime
    review_opens_at: datetime | None = None
    source: str = ""

    def lowered_at(self, settle: timedelta) -> datetime:
        return self.review_opens_at or (self.at + CLOSE_GRACE + settle)


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        at = value
    else:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"deadline {value!r} has no time zone")
    return at.astimezone(UTC)


def _from_items(items: list[dict], source: str) -> list[Deadline]:
    out = []
    for item in items:
        at = item.get("deadline") or item.get("at") or item.get("due_at")
        if at is None:
            continue
        name = str(item.get("name") or item.get("id") or item.get("title") or item.get("assignment_id"))
        opens = item.get("review_opens_at") or item.get("review_window_opens_at")
        out.append(
            Deadline(
                name=name, at=_parse_time(at), review_opens_at=_parse_time(opens) if opens else None, source=source
            )
        )
    return out


def from_file(path: Path) -> list[Deadline]:
    data = yaml.safe_load(path.read_text()) or []
    items = data.get("deadlines", data.get("items", [])) if isinstance(data, dict) else data
    return _from_items(items, f"file {path.name}")


NOT_HAND_INS = {"selection"}  # scheduling's deadlines that submissions does not take hand-ins for


def _from_calendar(body: dict) -> list[Deadline]:
    items = [
        {"name": d["key"], "deadline": d["at"]}
        for d in body.get("dates", [])
        if d.get("kind") == "deadline" and d.get("key") not in NOT_HAND_INS
    ]
    return _from_items(items, f"scheduling (dates revision {body.get('revision')})")


def from_services(
    *,
    submissions_url: str | None,
    scheduling_url: str | None,
    course_id: str,
    token: str,
    client: httpx.Client | None = None,
) -> list[Deadline]:
    """The calendar's deadlines when scheduling holds the course's term, else the submissions
    assignments."""
    own = client is None
    client = client or httpx.Client(timeout=10)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        if scheduling_url:
            url = f"{scheduling_url.rstrip('/')}/v1/courses/{course_id}/calendar/dates"
            resp = client.get(url, headers=headers)
            if resp.status_code == 200:
                found = _from_calendar(resp.json())
                if found:
                    return found
            elif resp.status_code != 404:  # 404: no term for this course; anything else is a fault
                resp.raise_for_status()
        if submissions_url:
            resp = client.get(f"{submissions_url.rstrip('/')}/v1/assignments", headers=headers)
            resp.raise_for_status()
            return _from_items(resp.json()["items"], "submissions")
        return []
    finally:
        if own:
            client.close()


def upcoming(deadlines: list[Deadline], *, now: datetime, settle: timedelta) -> list[Deadline]:
    """Deadlines whose raised window has not ended yet, soonest first, one per instant."""
    seen: set[datetime] = set()
    out = []
    for d in sorted(deadlines, key=lambda d: d.at):
        if d.lowered_at(settle) > now and d.at not in seen:
            seen.add(d.at)
            out.append(d)
    return out


def _cron(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local.minute} {local.hour} {local.day} {local.month} *"


def cron_triggers(
    deadlines: list[Deadline], *, replicas: int, lead: timedelta, settle: timedelta, time_zone: str
) -> list[dict]:
    """One KEDA cron trigger per deadline: ``replicas`` from ``lead`` before it until review opens."""
    tz = ZoneInfo(time_zone)
    return [
        {
            "type": "cron",
            "name": f"deadline-{i}",
            "metadata": {
                "timezone": time_zone,
                "start": _cron(d.at - lead, tz),
                "end": _cron(d.lowered_at(settle), tz),
                "desiredReplicas": str(replicas),
            },
        }
        for i, d in enumerate(deadlines)
    ]


def prescale_patch(
    deadlines: list[Deadline],
    *,
    api_replicas: int,
    worker_replicas: int,
    lead: timedelta,
    settle: timedelta,
    time_zone: str,
) -> list[dict]:
    """Full ScaledObjects of the submissions API and worker (their base triggers plus one cron
    trigger per deadline): kustomize replaces an operator kind's lists, so the patch carries all."""
    svc = BY_NAME["submissions"]
    api = copy.deepcopy(manifests.submissions_api_scaled_object(svc))
    worker = copy.deepcopy(manifests.worker_scaled_object(svc))
    api["spec"]["triggers"] += cron_triggers(
        deadlines, replicas=api_replicas, lead=lead, settle=settle, time_zone=time_zone
    )
    worker["spec"]["triggers"] += cron_triggers(
        deadlines, replicas=worker_replicas, lead=lead, settle=settle, time_zone=time_zone
    )
    api["spec"]["maxReplicaCount"] = max(api["spec"]["maxReplicaCount"], api_replicas)
    worker["spec"]["maxReplicaCount"] = max(worker["spec"]["maxReplicaCount"], worker_replicas)
    for doc in (api, worker):
        doc["metadata"]["annotations"] = {
            "peerlab/prescale-deadlines": json.dumps([{"name": d.name, "at": d.at.isoformat()} for d in deadlines])
        }
    return [api, worker]


def write_patch(path: Path, docs: list[dict], *, generated_at: datetime) -> None:
    header = (
        f"# Written by `peerlab ops prescale` at {generated_at.isoformat(timespec='seconds')}: deadline\n"
        "# cron triggers for the submissions API and worker. Rerun it when deadlines change.\n"
    )
    path.write_text(header + "---\n".join(yaml.safe_dump(d, sort_keys=False, width=120) for d in docs))


def now_utc() -> datetime:
    return datetime.now(UTC)
