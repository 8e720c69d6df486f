"""A real submissions service (API and worker processes) for the ops command tests."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from peerlab.local.ports import free_port
from peerlab.local.services import ServiceSpec, service_env


@pytest.fixture
def submissions(spawn_service, fresh_database_url, make_kafka_broker, tmp_path):
    # A broker of its own: on the shared one the worker would replay every earlier test's events.
    kafka_broker = make_kafka_broker()
    spec = ServiceSpec("submissions", "peerlab.submissions")
    port, metrics_port = free_port(), free_port()
    env = {
        **service_env(spec, port=port, data_dir=tmp_path, bootstrap=kafka_broker.bootstrap),
        "PEERLAB_SUBMISSIONS_DATABASE_URL": fresh_database_url("rehearse"),
        "PEERLAB_SUBMISSIONS_COURSE_ID": "rehearsal-course",
        "PEERLAB_SUBMISSIONS_WORKER_METRICS_PORT": str(metrics_port),
        "PEERLAB_SUBMISSIONS_CONSUMER_LAG_INTERVAL_S": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "peerlab.submissions.migrate", "upgrade"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    api = spawn_service("peerlab.submissions.main:app", env=env, port=port, name="submissions-api")
    spawn_service(
        [sys.executable, "-m", "peerlab.submissions.worker"],
        env=env,
        name="submissions-worker",
        ready_url=f"http://127.0.0.1:{metrics_port}/healthz",
        ready_timeout=60,
    )
    return api.url, [f"{api.url}/metrics", f"http://127.0.0.1:{metrics_port}/metrics"]
