"""The dev runner restarts a child that dies (backoff, bounded, loudly) and the dev broker keeps its
log across that restart; when restarts run out, it gives up loudly."""

from __future__ import annotations

import io
import os
import signal
import sys
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer
from peerlab.local.ports import free_port
from peerlab.local.process import ServiceProcess
from peerlab.local.stack import DevStack, StackFailed
from peerlab.local.supervisor import Child, RestartsExhausted, Supervisor
from rich.console import Console


class FakeChild:
    def __init__(self) -> None:
        self.up = True
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.up = True


def test_a_dead_child_is_restarted_after_its_backoff_and_counted():
    said: list[str] = []
    fake = FakeChild()
    sup = Supervisor(report=said.append, max_restarts=3, backoff_s=1.0, stable_after_s=60)
    sup.add(Child("alpha", start=fake.start, alive=lambda: fake.up))
    sup.check(now=0.0)
    assert fake.starts == 0 and said == []
    fake.up = False
    sup.check(now=10.0)  # noticed at once, restarted only after the backoff
    assert fake.starts == 0 and "alpha died" in said[-1] and "restart 1 of 3 in 1s" in said[-1]
    sup.check(now=11.0)
    assert fake.starts == 1 and "alpha restarted" in said[-1]
    fake.up = False
    sup.check(now=12.0)
    assert "restart 2 of 3 in 2s" in said[-1]  # the backoff doubles
    sup.check(now=14.0)
    assert fake.starts == 2


def test_restarts_run_out_and_the_supervisor_gives_up_loudly():
    said: list[str] = []
    fake = FakeChild()
    sup = Supervisor(report=said.append, max_restarts=2, backoff_s=0.0)
    sup.add(Child("beta", start=fake.start, alive=lambda: fake.up))
    for _ in range(2):
        fake.up = False
        sup.check(now=0.0)
    fake.up = False
    with pytest.raises(RestartsExhausted, match="beta"):
        sup.check(now=0.0)
    assert "restarts used up" in said[-1]


def test_a_child_that_stays_up_gets_its_count_back():
    fake = FakeChild()
    sup = Supervisor(report=lambda _: None, max_restarts=1, backoff_s=0.0, stable_after_s=5)
    child = sup.add(Child("gamma", start=fake.start, alive=lambda: fake.up))
    fake.up = False
    sup.check(now=0.0)
    assert child.restarts == 1
    child.started_at = 0.0
    sup.check(now=10.0)
    assert child.restarts == 0


def test_a_real_process_that_keeps_dying_stops_the_stack(tmp_path):
    proc = ServiceProcess(
        [sys.executable, "-c", "import time; time.sleep(0.2); raise SystemExit(3)"],
        log_path=tmp_path / "dies.log",
        name="dies",
    )
    proc.start()
    said: list[str] = []
    sup = Supervisor(report=said.append, max_restarts=2, backoff_s=0.05)
    sup.add(
        Child(proc.name, start=proc.start, alive=lambda: proc.running, describe=lambda: f"(exit {proc.returncode})")
    )
    deadline = time.monotonic() + 30
    with pytest.raises(RestartsExhausted):
        while time.monotonic() < deadline:
            sup.check()
            time.sleep(0.05)
    assert sum("restarted" in line for line in said) == 2
    assert "(exit 3)" in said[-1]


@pytest.mark.slow
def test_kill_9_of_the_dev_broker_restarts_it_with_its_events(tmp_path):
    out = io.StringIO()
    stack = DevStack(
        data_dir=tmp_path / "dev",
        broker_port=free_port(),
        services=[],
        console=Console(file=out, width=200),
        restart_backoff_s=0.2,
    )
    stack.start()
    try:
        bootstrap = stack.broker.bootstrap
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        for i in range(5):
            producer.send("dev.probe", key=b"k", value=f"event-{i}".encode())
        producer.flush(timeout=30)
        producer.close()

        pid = stack.broker._proc.pid
        os.kill(pid, signal.SIGKILL)  # from outside, as `kill -9` would: nobody reaps it but the runner
        deadline = time.monotonic() + 60
        while stack.broker._proc.pid == pid and time.monotonic() < deadline:
            stack.supervise()
            time.sleep(0.2)
        assert stack.broker.running and stack.broker._proc.pid != pid, out.getvalue()
        with pytest.raises(ProcessLookupError):  # reaped, not a zombie
            os.kill(pid, 0)
        log = out.getvalue()
        assert "broker (tansu) died" in log and "broker (tansu) restarted" in log

        consumer = KafkaConsumer(
            "dev.probe",
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=10000,
        )
        values = sorted(m.value.decode() for m in consumer)
        consumer.close()
        assert values == [f"event-{i}" for i in range(5)]
    finally:
        stack.stop()


def test_the_stack_reports_exhausted_restarts_as_stack_failed(tmp_path):
    stack = DevStack(data_dir=tmp_path / "dev", services=[], console=Console(file=io.StringIO()), max_restarts=0)
    stack.supervisor = Supervisor(report=lambda _: None, max_restarts=0)
    stack.supervisor.add(Child("x", start=lambda: None, alive=lambda: False))
    with pytest.raises(StackFailed, match="x died"):
        stack.supervise()
