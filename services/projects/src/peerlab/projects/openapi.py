"""Write the committed OpenAPI document: ``python -m peerlab.projects.openapi [PATH]``."""

from __future__ import annotations

from pathlib import Path

from peerlab.chassis import openapi
from peerlab.projects.main import create_app
from peerlab.projects.settings import ProjectsSettings

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "openapi.json"


def render() -> str:
    return openapi.render(create_app(ProjectsSettings(environment="test", database_url="sqlite://")))


if __name__ == "__main__":
    raise SystemExit(openapi.write_main(render, DEFAULT_PATH))
