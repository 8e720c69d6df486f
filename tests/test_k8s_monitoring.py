"""The alerts and the deadline dashboard query metrics the code exports, and each alert has a
severity, a summary and a runbook section."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from peerlab.local.ops import monitoring, render

ROOT = Path(__file__).resolve().parents[1]
MON = ROOT / "k8s" / "monitoring"
RULE = yaml.safe_load((MON / "prometheus-rule.yaml").read_text())
DASHBOARD = json.loads((MON / "deadline-dashboard.json").read_text())
KNOWN = monitoring.metric_names_in_code([ROOT / "infra", ROOT / "services", ROOT / "gateway"]) | monitoring.BUILT_IN
RULE_EXPRS = [r["expr"] for g in RULE["spec"]["groups"] for r in g["rules"]]
PANEL_EXPRS = [t["expr"] for p in DASHBOARD["panels"] for t in p["targets"]]


def test_the_code_exports_the_metrics_the_alerts_and_dashboard_need():
    assert {
        "peerlab_outbox_oldest_age_seconds",
        "peerlab_consumer_lag",
        "peerlab_events_dead_lettered_total",
        "peerlab_http_requests_total",
        "peerlab_http_request_seconds_bucket",
        "peerlab_event_handler_seconds_bucket",
    } <= KNOWN
    assert monitoring.unknown_metrics(RULE_EXPRS, KNOWN) == []
    assert monitoring.unknown_metrics(PANEL_EXPRS, KNOWN) == []


def test_a_metric_the_code_does_not_export_is_caught():
    assert monitoring.unknown_metrics(["rate(peerlab_handins_total[5m])"], KNOWN) == ["peerlab_handins_total"]


def test_every_promised_alert_exists_with_severity_summary_and_runbook():
    names = {r["alert"] for g in RULE["spec"]["groups"] for r in g["rules"]}
    assert names == {
        "PeerlabOutboxEventsStuck",
        "PeerlabConsumerLagHigh",
        "PeerlabDeadLettersGrowing",
        "PeerlabHttp5xxRate",
        "PeerlabHandInSlow",
    }
    runbooks = (ROOT / "k8s" / "runbooks.md").read_text()
    assert monitoring.alert_problems(RULE, runbooks) == []
    broken = json.loads(json.dumps(RULE))
    broken["spec"]["groups"][0]["rules"][0]["annotations"]["runbook"] = "k8s/runbooks.md#nowhere"
    del broken["spec"]["groups"][0]["rules"][1]["labels"]
    assert len(monitoring.alert_problems(broken, runbooks)) == 2


def test_the_hand_in_routes_the_queries_name_are_the_service_routes():
    # The route label is the route's path template (the rehearsal test sees it on a live /metrics).
    paths = set(json.loads((ROOT / "services" / "submissions" / "openapi.json").read_text())["paths"])
    for route in ("/v1/assignments/{assignment_id}/submissions", "/v1/uploads/{upload_id}/confirm"):
        assert route in paths
        escaped = route.replace("{", "\\\\{").replace("}", "\\\\}")
        assert any(escaped in e for e in RULE_EXPRS) and any(escaped in e for e in PANEL_EXPRS)


def test_the_dashboard_covers_a_deadline():
    titles = " ".join(p["title"] for p in DASHBOARD["panels"]).lower()
    for word in ("hand-ins", "latency", "lag", "backlog", "5xx", "dead letters"):
        assert word in titles
    assert len({p["id"] for p in DASHBOARD["panels"]}) == len(DASHBOARD["panels"])


def test_the_monitoring_kustomization_renders_rule_and_dashboard():
    docs = render.render(MON)
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("PrometheusRule", "peerlab") in kinds
    if render.kubectl() is not None:  # the small renderer does not do configMapGenerator
        cm = next(d for d in docs if d["kind"] == "ConfigMap")
        assert json.loads(cm["data"]["deadline-dashboard.json"]) == DASHBOARD
