"""Write the committed OpenAPI document: ``python -m peerlab.submissions.openapi [PATH]``."""

from __future__ import annotations

from pathlib import Path

from peerlab.chassis import openapi

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "openapi.json"


def render() -> str:
    from peerlab.submissions.main import create_app
    from peerlab.submissions.settings import SubmissionsSettings

    return openapi.render(create_app(SubmissionsSettings(environment="test", database_url="sqlite://", log_json=False)))


if __name__ == "__main__":
    raise SystemExit(openapi.write_main(render, DEFAULT_PATH))
