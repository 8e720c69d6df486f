"""Traces follow an event across the broker: HTTP request -> outbox -> tansu -> handler -> next event.

Spans are collected with the OpenTelemetry SDK's own in-memory exporter; broker and database are real.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from fastapi import APIRouter, Request
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from peerlab.chassis import tracing
from peerlab.chassis.app import create_service_app
from peerlab.chassis.consumer import ConsumerSpec
from peerlab.chassis.db import unit_of_work
from peerlab.chassis.outbox import OutboxEvent, enqueue
from peerlab.chassis.settings import ServiceSettings
from peerlab.chassis.worker import start_worker_threads
from peerlab.contracts import Envelope, topics

from chassis_testkit import effect_counts, prepared_engine, received, record_effect, settings_for, wait_until


GATEWAY_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _trace_and_span(traceparent: str) -> tuple[int, int]:
    _version, trace_id, span_id, _flags = traceparent.split("-")
    return int(trace_id, 16), int(span_id, 16)


def test_trace_id_survives_the_broker_from_request_to_the_next_event(
    make_kafka_broker, fresh_database_url, monkeypatch
):
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    broker = make_kafka_broker()
    settings = settings_for(fresh_database_url("tracing"), broker.bootstrap, tracing_enabled=True)
    engine = prepared_engine(settings)
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing(settings, processor=SimpleSpanProcessor(exporter)) is not None

    router = APIRouter()

    @router.post("/hand-in")
    def hand_in(request: Request) -> dict:
        with unit_of_work(request.app.state.engine) as session:
            envelope = enqueue(session, received(1), source="chassistest", subject="hand-in-1", course_id="c1")
        return {"event_id": envelope.id}

    def handle(session, envelope: Envelope, data) -> None:
        record_effect(session, envelope, data)
        if envelope.subject == "hand-in-1":  # the hand-in produces the next event (a review task)
            enqueue(session, received(2), source="chassistest", subject="review-task-1", course_id="c1")

    spec = ConsumerSpec(name="c-tracing", topics=[topics.SUBMISSIONS], handlers={"submission.received.v1": handle})
    stop = threading.Event()
    threads = start_worker_threads(settings=settings, engine=engine, stop=stop, consumers=[spec], run_relay=True)
    try:
        app = create_service_app(settings=settings, title="t", description="t", routers=[router])
        with TestClient(app) as client:
            # As the gateway calls it: with the GraphQL request's trace in a traceparent header.
            assert client.post("/hand-in", headers={"traceparent": GATEWAY_TRACEPARENT}).status_code == 200

        def consumer_spans() -> list:
            return [s for s in exporter.get_finished_spans() if s.kind == SpanKind.CONSUMER]

        assert wait_until(lambda: effect_counts(engine) == (2, 2) and len(consumer_spans()) == 2, 60), (
            effect_counts(engine),
            len(consumer_spans()),
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)

    servers = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert len(servers) == 1 and "/hand-in" in servers[0].name
    server = servers[0]
    assert (server.context.trace_id, server.parent.span_id) == _trace_and_span(GATEWAY_TRACEPARENT)
    by_subject = {s.attributes["cloudevents.event_subject"]: s for s in consumer_spans()}
    first, second = by_subject["hand-in-1"], by_subject["review-task-1"]

    # The handler's span continues the request's trace, as a child of the request span.
    assert first.context.trace_id == server.context.trace_id
    assert first.parent is not None and first.parent.span_id == server.context.span_id
    assert first.parent.is_remote  # it came through the envelope, not an in-process context

    # The event enqueued in the handler carries the same trace, pointing at the handler's span ...
    with unit_of_work(engine) as session:
        payloads = dict(session.execute(select(OutboxEvent.key, OutboxEvent.payload)).all())
    hand_in_env = Envelope.from_bytes(payloads["hand-in-1"])
    next_env = Envelope.from_bytes(payloads["review-task-1"])
    assert _trace_and_span(hand_in_env.traceparent) == (server.context.trace_id, server.context.span_id)
    assert _trace_and_span(next_env.traceparent) == (server.context.trace_id, first.context.span_id)
    # ... and its consumer's span is the next link of the same trace.
    assert second.context.trace_id == server.context.trace_id
    assert second.parent.span_id == first.context.span_id


def test_an_envelope_that_already_carries_a_trace_keeps_it(monkeypatch):
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    tracing.configure_tracing(ServiceSettings(environment="test", tracing_enabled=True))
    given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    envelope = Envelope.wrap(received(3), source="t", subject="s", course_id="c1").model_copy(
        update={"traceparent": given}
    )
    from opentelemetry import trace

    with trace.get_tracer("test").start_as_current_span("op"):
        assert tracing.stamp(envelope).traceparent == given


def test_otel_sdk_disabled_wins_over_the_setting(monkeypatch):
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing.tracing_requested(ServiceSettings(environment="test", tracing_enabled=True))
    monkeypatch.setenv("OTEL_SDK_DISABLED", "false")
    assert tracing.tracing_requested(ServiceSettings(environment="test", tracing_enabled=True))


_DISABLED_SCRIPT = textwrap.dedent("""
    import sys
    from opentelemetry import trace
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
    from sqlmodel import Session, create_engine
    from peerlab.chassis import tracing
    from peerlab.chassis.app import create_service_app
    from peerlab.chassis.outbox import enqueue
    from peerlab.chassis.settings import ServiceSettings
    from peerlab.contracts import Envelope
    from peerlab.contracts.events.submissions import SubmissionReceivedV1

    settings = ServiceSettings(service_name="t", environment="test", database_url="sqlite://")
    assert settings.tracing_enabled is False, "tracing must default to off"
    app = create_service_app(settings=settings, title="t", description="t", routers=[])
    assert not tracing.enabled()
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider", trace.get_tracer_provider()
    assert "opentelemetry.sdk" not in sys.modules, "the SDK must not even be imported"
    assert not any("OpenTelemetry" in m.cls.__name__ for m in app.user_middleware), app.user_middleware

    # Even with a valid span context current (as a caller's library might set), nothing is stamped.
    valid = SpanContext(trace_id=0x0af7651916cd43dd8448eb211c80319c, span_id=0xb7ad6b7169203331,
                        is_remote=False, trace_flags=TraceFlags(1))
    example = SubmissionReceivedV1.model_json_schema()["examples"][0]
    with trace.use_span(NonRecordingSpan(valid)):
        with Session(create_engine("sqlite://")) as session:
            envelope = enqueue(session, SubmissionReceivedV1(**example), source="t", subject="s", course_id="c1")
        assert tracing.inject_headers({}) == {}, "no trace header on calls to other services"
    assert envelope.traceparent is None and envelope.tracestate is None, envelope

    # And a consumer does not start a span from an incoming traceparent.
    incoming = envelope.model_copy(update={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
    with tracing.consume_span(incoming, consumer="c"):
        assert not trace.get_current_span().get_span_context().is_valid
    print("ok")
""")


def test_tracing_disabled_installs_nothing_and_stamps_nothing():
    # A fresh interpreter: this test process may already hold the SDK provider of the tests above.
    result = subprocess.run(
        [sys.executable, "-c", _DISABLED_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]
