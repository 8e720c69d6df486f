"""The scheduling worker: ``python -m peerlab.scheduling.worker``.

Consumes the projects topic (the group projection behind "book for your own group"), the roster
and project assignments (``scheduling-exam``: programmes and supervisors for the visit plan), and relays
the outbox (``exam.booked.v1``, ``exam.booking_cancelled.v1``) when the API does not.
"""

from __future__ import annotations

from peerlab.chassis.worker import run_worker
from peerlab.scheduling.events import exam_handlers
from peerlab.scheduling.events.handlers import consumer_spec
from peerlab.scheduling.settings import get_settings


def main() -> None:
    run_worker(settings=get_settings(), consumers=[consumer_spec(), exam_handlers.consumer_spec()])


if __name__ == "__main__":
    main()
