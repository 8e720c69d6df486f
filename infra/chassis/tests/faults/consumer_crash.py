"""Run a consumer that dies right after its Nth database commit and before the offset commit:
``python consumer_crash.py DB_URL BOOTSTRAP TOPIC GROUP N``."""

import os
import sys
import threading

from peerlab.chassis.consumer import ConsumerRunner, ConsumerSpec
from peerlab.chassis.db import make_engine
from peerlab.chassis.settings import ServiceSettings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from chassis_testkit import record_effect

url, bootstrap, topic, group, crash_after = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
settings = ServiceSettings(service_name="chassistest", environment="test", database_url=url, kafka_bootstrap=bootstrap)
runner = ConsumerRunner(
    ConsumerSpec(name=group, topics=[topic], handlers={"submission.received.v1": record_effect}),
    engine=make_engine(settings),
    bootstrap=bootstrap,
)
handled = 0
real_handle = runner.handle_message


def handle_then_maybe_die(raw, *, stop):
    global handled
    outcome = real_handle(raw, stop=stop)
    handled += 1
    if handled >= crash_after:
        os._exit(9)  # committed in the database; the offset is never committed
    return outcome


runner.handle_message = handle_then_maybe_die
runner.run(threading.Event())
