"""Checks of the monitoring objects: the metrics they query exist in the code, every alert has a
severity, a summary and a runbook section."""

from __future__ import annotations

import re
from pathlib import Path

_DEFINITION = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"(peerlab_[a-z0-9_]+)\"")
_USE = re.compile(r"\b(peerlab_[a-z0-9_]+)")
BUILT_IN = {"up"}


def metric_names_in_code(roots: list[Path]) -> set[str]:
    """Every series name the code's prometheus_client metrics export."""
    names: set[str] = set()
    for root in roots:
        for path in root.rglob("*.py"):
            if "tests" in path.parts:
                continue
            for kind, name in _DEFINITION.findall(path.read_text()):
                if kind in ("Histogram", "Summary"):
                    names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count", name}
                else:
                    names.add(name if kind != "Counter" or name.endswith("_total") else f"{name}_total")
    return names


def unknown_metrics(expressions: list[str], known: set[str]) -> list[str]:
    return sorted({m for e in expressions for m in _USE.findall(e) if m not in known})


def alert_problems(rule: dict, runbook_text: str) -> list[str]:
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-")
        for h in re.findall(r"^## (.+)$", runbook_text, re.MULTILINE)
    }
    problems = []
    for group in rule["spec"]["groups"]:
        for alert in group["rules"]:
            name = alert.get("alert", "?")
            if alert.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
                problems.append(f"{name}: no severity")
            notes = alert.get("annotations", {})
            if not notes.get("summary"):
                problems.append(f"{name}: no summary")
            anchor = notes.get("runbook", "").partition("#")[2]
            if anchor not in anchors:
                problems.append(f"{name}: runbook section {anchor!r} not in runbooks.md")
    return problems
