"""Rules the workspace Dockerfile must keep (checked in CI; hadolint runs too where installed).

A small parser, not a Dockerfile engine: instructions with their continuation lines joined, grouped
into stages at each ``FROM``. The rules are the ones the image promises the cluster: one Dockerfile
for every service (``uv sync --frozen --package``), multi-stage, a non-root user, no build tools in
the final stage, a ``HEALTHCHECK``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

BUILD_TOOLS = ("gcc", "g++", "make", "build-essential", "uv ", "uv==", "git ", "curl ", "wget ")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]


def parse(text: str) -> tuple[list[str], list[Stage]]:
    """(global ARG lines, stages) of a Dockerfile."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or (stripped.startswith("#") and not pending):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    global_args: list[str] = []
    stages: list[Stage] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            m = re.match(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", rest.strip(), re.IGNORECASE)
            stages.append(Stage(base=m.group(1), name=m.group(2) if m else None))
        elif not stages:
            if keyword == "ARG":
                global_args.append(rest.strip())
        else:
            stages[-1].instructions.append((keyword, rest.strip()))
    return global_args, stages


def check(text: str) -> list[str]:
    """Every broken rule, as one message each; empty when the Dockerfile is fine."""
    problems: list[str] = []
    _, stages = parse(text)
    if len(stages) < 2:
        problems.append("not multi-stage: build and runtime must be separate stages")
        if not stages:
            return problems
    build_runs = " ".join(r for s in stages[:-1] for r in s.args("RUN"))
    if not re.search(r"uv sync\b[^&;]*--frozen", build_runs) or "--package" not in build_runs:
        problems.append("the build stage must install with `uv sync --frozen --package ...`")
    if not any(a.split("=", 1)[0].strip() == "PACKAGE" for s in stages for a in s.args("ARG")):
        problems.append("no PACKAGE build argument")
    final = stages[-1]
    users = final.args("USER")
    if not users:
        problems.append("the final stage sets no USER (it would run as root)")
    elif users[-1].split(":", 1)[0] in {"root", "0"}:
        problems.append(f"the final stage runs as {users[-1]!r}")
    if not final.args("HEALTHCHECK") or final.args("HEALTHCHECK")[-1].upper().startswith("NONE"):
        problems.append("the final stage has no HEALTHCHECK")
    for run in final.args("RUN"):
        if re.search(r"\b(apt-get|apk|yum|dnf)\b.*\binstall\b", run):
            problems.append(f"the final stage installs system packages: {run[:60]!r}")
        for tool in BUILD_TOOLS:
            if re.search(rf"(^|[\s&;]){re.escape(tool.strip())}($|[\s=])", run) and "uninstall" not in run:
                problems.append(f"the final stage uses build tool {tool.strip()!r}")
    copies = final.args("COPY")
    if any(not c.startswith("--from") for c in copies):
        problems.append("the final stage copies from the build context (only the built venv belongs there)")
    return problems


def check_dockerignore(text: str) -> list[str]:
    """The context must leave out the local venv, git data and dev state."""
    entries = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if "**" in entries or "*" in entries:
        return []  # allow-list style: everything excluded, then re-included on purpose
    return [
        f".dockerignore does not exclude {needed}"
        for needed in (".git", ".venv", ".peerlab")
        if not any(e.strip("/") == needed for e in entries)
    ]


def hadolint(path: Path) -> tuple[int, str] | None:
    """(exit code, output) of hadolint on ``path``, or None when it is not installed."""
    beside = Path(sys.executable).parent / "hadolint"
    exe = str(beside) if beside.exists() else shutil.which("hadolint")
    if exe is None:
        return None
    done = subprocess.run([exe, "--no-color", str(path)], capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr
