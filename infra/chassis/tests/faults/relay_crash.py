"""Run an outbox relay that dies (SIGKILL-like ``os._exit``) right after the broker acknowledged its
first batch and before the rows are marked sent: ``python relay_crash.py DB_URL BOOTSTRAP BATCH_SIZE``."""

import os
import sys
import threading

from peerlab.chassis.app import build_relay
from peerlab.chassis.db import make_engine
from peerlab.chassis.settings import ServiceSettings

url, bootstrap, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = ServiceSettings(
    service_name="chassistest", environment="test", database_url=url, kafka_bootstrap=bootstrap, relay_batch_size=batch
)
relay = build_relay(make_engine(settings), settings)


def die_after_acknowledgement(claimed):
    for future in claimed.futures:
        future.get(timeout=30)
    os._exit(9)  # the batch is on the broker; the database never hears of it


relay._complete = die_after_acknowledgement
relay.run(threading.Event())
