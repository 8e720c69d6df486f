"""`.ci/run` lints before it tests, and the lint fails on a lint error and on a broken import contract.

The lint runs on a copy of the workspace's sources (the root and member pyprojects, every ``src``
module) with violations planted in it; ``PYTHONPATH`` puts the copy ahead of the installed sources,
so ``lint-imports`` reads the copy's import graph.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _members() -> list[Path]:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]
    return sorted(p.relative_to(ROOT) for g in globs for p in ROOT.glob(g) if (p / "pyproject.toml").is_file())


def _copy_sources(dst: Path) -> list[Path]:
    """The lint's inputs; returns the copied ``src`` folders."""
    for name in ("pyproject.toml", "uv.lock", "scripts/lint"):
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dst / name)
    srcs = []
    for member in _members():
        (dst / member).mkdir(parents=True)
        shutil.copy2(ROOT / member / "pyproject.toml", dst / member / "pyproject.toml")
        for module in (ROOT / member / "src").rglob("*.py"):
            target = dst / module.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(module, target)
        srcs.append(dst / member / "src")
    return srcs


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found and (ROOT / ".tools/bin/uv").is_file():
        found = str(ROOT / ".tools/bin/uv")
    if not found:
        pytest.skip("uv is not installed (scripts/test installs it and exports UV)")
    return found


def _plant(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_ci_runs_the_lint_before_the_tests():
    assert "scripts/test" in (ROOT / ".ci/run").read_text()
    lines = (ROOT / "scripts/test").read_text().splitlines()
    lint = next(i for i, line in enumerate(lines) if line.startswith("bash scripts/lint"))
    first_pytest = next(i for i, line in enumerate(lines) if line.startswith("run_pytest "))
    assert lint < first_pytest


def test_the_lint_fails_on_a_lint_error_and_on_each_kind_of_broken_import_contract(tmp_path):
    srcs = _copy_sources(tmp_path)
    review = tmp_path / "services/review/src/peerlab/review"
    (review / "lint_probe.py").write_text(
        '"""Planted: an unused import, and the review service importing another service."""\n\n'
        "import os\n\nfrom peerlab.submissions import models\n\nMODELS = models\n"
    )
    _plant(review / "repository.py", "from peerlab.review.service import common  # noqa: E402, F401")
    _plant(
        tmp_path / "infra/chassis/src/peerlab/chassis/errors.py", "from peerlab.chassis import app  # noqa: E402, F401"
    )

    env = {
        **os.environ,
        "UV": _uv(),
        "UV_PROJECT_ENVIRONMENT": sys.prefix,
        "PYTHONPATH": os.pathsep.join(str(s) for s in srcs),
    }
    done = subprocess.run(
        ["bash", str(tmp_path / "scripts/lint")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    failed = next(line for line in out.splitlines() if line.startswith("lint failed:"))
    assert "ruff check" in failed and "import contracts" in failed, out
    assert "F401" in out and "lint_probe.py" in out, out  # ruff: the unused import
    assert "peerlab.review.lint_probe -> peerlab.submissions.models" in out, out  # services independent
    assert "peerlab.review.repository is not allowed to import peerlab.review.service" in out, out  # layers
    assert "No cycles are allowed in peerlab.chassis" in out, out  # acyclic
