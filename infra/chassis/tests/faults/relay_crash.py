"""Run an outbox relay that dies (SIGKILL-like ``os._exit``) right after the broker acknowledged a batch
and before the rows are marked sent: ``python relay_crash.py DB_URL BOOTSTRAP BATCH_SIZE``."""

import os
import sys
import threading

from peerlab.chassis.app import build_relay
from peerlab.chassis.db import make_engine
from peerlab.chassis.settings import ServiceSettings

url, bootstrap, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = ServiceSettings(service_name="chassistest", environment="test", database_url=url,
                           kafka_bootstrap=bootstrap, relay_batch_size=batch)
relay = build_relay(make_engine(settings), settings)
real_factory = relay.producer_factory


def crashing_factory():
    producer = real_factory()
    real_flush = producer.flush

    def flush_then_die(*args, **kwargs):
        real_flush(*args, **kwargs)
        os._exit(9)  # the batch is on the broker; the database never hears of it

    producer.flush = flush_then_die
    return producer


relay.producer_factory = crashing_factory
relay.run(threading.Event())
