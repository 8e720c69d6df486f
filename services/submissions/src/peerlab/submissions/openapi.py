"""``python -m peerlab.submissions.openapi [PATH]``: write the API description (default: the
service's committed ``openapi.json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "openapi.json"


def document() -> dict:
    from peerlab.submissions.main import create_app
    from peerlab.submissions.settings import SubmissionsSettings

    app = create_app(SubmissionsSettings(environment="test", database_url="sqlite://", log_json=False))
    return app.openapi()


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_PATH
    path.write_text(render())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
