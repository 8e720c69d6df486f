"""``peerlab ops prescale`` and ``peerlab ops readiness``: deadlines from a file or the services,
KEDA cron triggers that validate against the KEDA CRD and render into the prod overlay."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from peerlab.chassis.auth import mint_dev_token
from peerlab.chassis.settings import DEV_JWT_SECRET
from peerlab.local.cli import app
from peerlab.local.ops import deadlines as dl
from peerlab.local.ops import readiness, render, validate

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2021, 9, 1, 12, 0, tzinfo=UTC)
SETTLE = timedelta(minutes=15)


def _deadlines_file(tmp_path: Path) -> Path:
    path = tmp_path / "deadlines.yaml"
    path.write_text(
        yaml.safe_dump(
            [
                {"name": "lab-0", "deadline": "2021-08-30T21:59:00Z"},  # past
                {"name": "lab-1", "deadline": "2021-09-13T21:59:00Z"},  # 23:59 Copenhagen (CEST)
                {"name": "lab-2", "deadline": "2021-11-01T22:59:00Z", "review_opens_at": "2021-11-01T23:20:00Z"},
            ]
        )
    )
    return path


def test_upcoming_deadlines_raise_30_minutes_before_and_lower_when_review_opens(tmp_path):
    found = dl.upcoming(dl.from_file(_deadlines_file(tmp_path)), now=NOW, settle=SETTLE)
    assert [d.name for d in found] == ["lab-1", "lab-2"]
    triggers = dl.cron_triggers(
        found, replicas=8, lead=timedelta(minutes=30), settle=SETTLE, time_zone="Europe/Copenhagen"
    )
    # lab-1: 23:59 local -> up at 23:29; down after the 15 min close grace + 15 min settle: 00:29 next day.
    assert triggers[0]["metadata"] == {
        "timezone": "Europe/Copenhagen",
        "start": "29 23 13 9 *",
        "end": "29 0 14 9 *",
        "desiredReplicas": "8",
    }
    # lab-2 (CET after the clock change): review opens 00:20 local.
    assert (triggers[1]["metadata"]["start"], triggers[1]["metadata"]["end"]) == ("29 23 1 11 *", "20 0 2 11 *")


def test_the_patch_keeps_the_base_triggers_and_validates_against_keda(tmp_path):
    found = dl.upcoming(dl.from_file(_deadlines_file(tmp_path)), now=NOW, settle=SETTLE)
    api, worker = dl.prescale_patch(
        found,
        api_replicas=12,
        worker_replicas=4,
        lead=timedelta(minutes=30),
        settle=SETTLE,
        time_zone="Europe/Copenhagen",
    )
    assert [t["type"] for t in api["spec"]["triggers"]] == ["cpu", "cron", "cron"]
    assert [t["type"] for t in worker["spec"]["triggers"]][-2:] == ["cron", "cron"]
    assert any(t["type"] == "kafka" for t in worker["spec"]["triggers"])
    assert api["spec"]["maxReplicaCount"] == 12  # raised to fit the planned replicas
    crd_dir = validate.find_crd_dir(ROOT)
    if crd_dir is None:
        pytest.skip("CRD schemas not found (<repo>/../shared/k8s-crds)")
    assert validate.schema_problems([api, worker], validate.load_crd_schemas(crd_dir)) == []


def test_the_cli_writes_a_patch_that_renders_into_the_prod_overlay(tmp_path):
    k8s = tmp_path / "k8s"
    shutil.copytree(ROOT / "k8s" / "base", k8s / "base")
    shutil.copytree(ROOT / "k8s" / "overlays" / "prod", k8s / "overlays" / "prod")
    out = k8s / "overlays" / "prod" / "prescale.yaml"
    far = tmp_path / "far.yaml"
    far.write_text(yaml.safe_dump([{"name": "lab-9", "deadline": "2099-10-01T21:59:00Z"}]))
    result = CliRunner().invoke(app, ["ops", "prescale", "--deadlines-file", str(far), "--out", str(out)])
    assert result.exit_code == 0, result.output
    docs = render.render(k8s / "overlays" / "prod")
    so = next(d for d in docs if d["kind"] == "ScaledObject" and d["metadata"]["name"] == "submissions-api")
    assert so["metadata"]["namespace"] == "peerlab"
    assert so["spec"]["triggers"][-1]["metadata"]["start"] == "29 23 1 10 *"
    assert "lab-9" in so["metadata"]["annotations"]["peerlab/prescale-deadlines"]


def test_deadlines_come_from_the_submissions_service_when_scheduling_has_none(submissions):
    base_url, _ = submissions
    teacher = mint_dev_token(sub="t", roles=["teacher"], secret=DEV_JWT_SECRET, ttl_s=60)
    due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    resp = httpx.put(
        f"{base_url}/v1/assignments/lab-x",
        headers={"Authorization": f"Bearer {teacher}"},
        json={"kind": "lab", "title": "x", "opens_at": "2021-01-01T00:00:00Z", "deadline": due.isoformat()},
    )
    assert resp.status_code in (200, 201), resp.text
    # Pointing "scheduling" at a service without the calendar (404) falls back to the assignments.
    found = dl.from_services(
        submissions_url=base_url, scheduling_url=base_url, course_id="rehearsal-course", token=teacher
    )
    assert [(d.name, d.at, d.source) for d in found] == [("lab-x", due, "submissions")]

    report = readiness.build(
        submissions_url=base_url,
        scheduling_url=None,
        gateway_url=None,
        course_id="rehearsal-course",
        metrics_urls=submissions[1],
        deadlines_file=None,
        prescale_file=None,
        token=teacher,
    )
    assert report.deadline.name == "lab-x" and timedelta(days=2) < report.time_left <= timedelta(days=3)
    assert report.current["unreachable"] == 0
    assert any("no prescale trigger" in f for f in report.red_flags)
    assert any("enrolled students unknown" in f for f in report.red_flags)


def test_readiness_flags(tmp_path):
    deadline = dl.Deadline("lab-1", datetime(2021, 9, 13, 21, 59, tzinfo=UTC))
    api, worker = dl.prescale_patch(
        [deadline],
        api_replicas=8,
        worker_replicas=4,
        lead=timedelta(minutes=30),
        settle=SETTLE,
        time_zone="Europe/Copenhagen",
    )
    patch = tmp_path / "prescale.yaml"
    dl.write_patch(patch, [api, worker], generated_at=NOW)
    planned = readiness.planned_replicas(patch, deadline)
    assert planned == {"submissions-api": 8, "submissions-worker": 4}
    calm = {"consumer_lag": 3, "outbox_oldest_age_s": 0.2, "dead_lettered": 0, "unreachable": 0}
    assert readiness.evaluate(deadline, now=NOW, expected=400, planned=planned, current=calm, metrics_asked=True) == []
    bad = {"consumer_lag": 5000, "outbox_oldest_age_s": 300, "dead_lettered": 2, "unreachable": 1}
    flags = readiness.evaluate(deadline, now=NOW, expected=0, planned={}, current=bad, metrics_asked=True)
    assert len(flags) == 6
    assert readiness.evaluate(None, now=NOW, expected=1, planned={}, current={}, metrics_asked=False) == [
        "no upcoming deadline found"
    ]
