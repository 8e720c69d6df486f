"""``python -m peerlab.scheduling.migrate [upgrade|check|revision MESSAGE]``."""

from __future__ import annotations

import sys

from peerlab.chassis.migrations import main as migrations_main
from peerlab.scheduling.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    return migrations_main(package="peerlab.scheduling", settings=get_settings(), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
