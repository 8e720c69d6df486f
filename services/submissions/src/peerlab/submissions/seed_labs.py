"""``python -m peerlab.submissions.seed_labs``: create/update the labs from the lab dates the course
calendar has published (``term.dates_changed.v1``); exits 1 while it has published none."""

from __future__ import annotations

import sys

from peerlab.chassis.db import make_engine, unit_of_work
from peerlab.chassis.errors import ProblemError
from peerlab.submissions.service.seeding import seed_labs
from peerlab.submissions.settings import get_settings


def main() -> int:
    settings = get_settings()
    engine = make_engine(settings)
    try:
        with unit_of_work(engine) as session:
            rows, changed = seed_labs(session, course_id=settings.course_id)
            for row in rows:
                print(f"{row.id}: deadline {row.deadline.isoformat()}{' (written)' if row.id in changed else ''}")
    except ProblemError as exc:
        print(f"{exc.code}: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
