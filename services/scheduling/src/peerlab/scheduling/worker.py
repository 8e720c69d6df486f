"""The scheduling worker: ``python -m peerlab.scheduling.worker``.

Consumes the projects topic (the group projection behind "book for your own group") and relays
the outbox (``exam.booked.v1``, ``exam.booking_cancelled.v1``) when the API does not.
"""

from __future__ import annotations

from peerlab.chassis.worker import run_worker
from peerlab.scheduling.events.handlers import consumer_spec
from peerlab.scheduling.settings import get_settings


def main() -> None:
    run_worker(settings=get_settings(), consumers=[consumer_spec()])


if __name__ == "__main__":
    main()
