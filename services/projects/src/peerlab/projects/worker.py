"""The projects worker: ``python -m peerlab.projects.worker``.

Consumes the roster (people and programmes) and review (eligibility) topics, and relays the
outbox (``group.formed.v1``, ``group.changed.v1``, ``project.assigned.v1``) when the API does not.
"""

from __future__ import annotations

from peerlab.chassis.worker import run_worker
from peerlab.projects.events.handlers import consumer_spec
from peerlab.projects.settings import get_settings


def main() -> None:
    settings = get_settings()
    run_worker(settings=settings, consumers=[consumer_spec(settings)])


if __name__ == "__main__":
    main()
