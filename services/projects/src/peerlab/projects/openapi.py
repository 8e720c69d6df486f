"""Write the committed OpenAPI document: ``python -m peerlab.projects.openapi [PATH]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from peerlab.projects.main import create_app
from peerlab.projects.settings import ProjectsSettings

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "openapi.json"


def render() -> str:
    app = create_app(ProjectsSettings(environment="test", database_url="sqlite://"))
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_PATH
    path.write_text(render())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
