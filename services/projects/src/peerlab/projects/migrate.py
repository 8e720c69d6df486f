"""``python -m peerlab.projects.migrate [upgrade|check|revision MESSAGE]``."""

from __future__ import annotations

import sys

from peerlab.chassis.migrations import main as migrations_main
from peerlab.projects.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    return migrations_main(package="peerlab.projects", settings=get_settings(), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
