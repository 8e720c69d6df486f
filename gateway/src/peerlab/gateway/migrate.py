"""``python -m peerlab.gateway.migrate [upgrade|check|revision MSG]``."""

from __future__ import annotations

from peerlab.chassis.migrations import main as migrations_main
from peerlab.gateway.settings import get_settings


def main() -> int:
    return migrations_main(package="peerlab.gateway", settings=get_settings())


if __name__ == "__main__":
    raise SystemExit(main())
