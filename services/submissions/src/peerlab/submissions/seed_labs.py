"""``python -m peerlab.submissions.seed_labs``: create/update the labs from the calendar's published lab dates."""

from __future__ import annotations

from peerlab.chassis.db import make_engine, unit_of_work
from peerlab.submissions.service.seeding import seed_labs
from peerlab.submissions.settings import get_settings


def main() -> None:
    settings = get_settings()
    engine = make_engine(settings)
    with unit_of_work(engine) as session:
        rows, changed = seed_labs(session, course_id=settings.course_id)
        for row in rows:
            print(f"{row.id}: deadline {row.deadline.isoformat()}{' (written)' if row.id in changed else ''}")
    engine.dispose()


if __name__ == "__main__":
    main()
