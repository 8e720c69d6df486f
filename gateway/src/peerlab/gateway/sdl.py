"""``python -m peerlab.gateway.sdl [PATH]`` writes the schema's SDL (default gateway/schema.graphql)."""

from __future__ import annotations

import sys
from pathlib import Path

from peerlab.gateway.graphql.schema import build_schema
from peerlab.gateway.settings import GatewaySettings

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "schema.graphql"


def render() -> str:
    """The SDL of the schema as served (independent of environment: limits do not change types)."""
    return build_schema(GatewaySettings(environment="test")).as_str() + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_PATH
    path.write_text(render())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
