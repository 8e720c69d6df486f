"""``python -m peerlab.submissions.migrate [upgrade|check|revision MSG]``."""

from __future__ import annotations

import sys

from peerlab.chassis.migrations import main as migrations_main
from peerlab.submissions.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    return migrations_main(package="peerlab.submissions", settings=get_settings(), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
