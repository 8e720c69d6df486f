"""OpenTelemetry traces along the event path: HTTP request -> outbox row -> Kafka -> handler -> next event.

The trace context crosses the broker inside the envelope (CloudEvents distributed-tracing extension:
``traceparent``/``tracestate``), so it survives the outbox table and any replay of a record.

Off unless the service's ``tracing_enabled`` setting is true (and ``OTEL_SDK_DISABLED`` is not).
Off means: no SDK tracer provider, no HTTP instrumentation, nothing stamped on envelopes, no consumer
spans — the SDK is not even imported. On means one SDK provider per process with a
``BatchSpanProcessor`` and the exporter named by ``OTEL_TRACES_EXPORTER`` (``otlp``, the default,
is OTLP over HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``; ``console``; ``none``); ``service.name`` is
``OTEL_SERVICE_NAME`` or the service's ``service_name``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from peerlab.contracts import Envelope

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    from peerlab.chassis.settings import ServiceSettings

_PROPAGATOR = TraceContextTextMapPropagator()
_TRACER_NAME = "peerlab.chassis"
_provider: "TracerProvider | None" = None


def tracing_requested(settings: "ServiceSettings") -> bool:
    """The chassis setting is on and the standard ``OTEL_SDK_DISABLED`` kill switch is not."""
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    return bool(settings.tracing_enabled) and not disabled


def enabled() -> bool:
    """Whether this process installed the SDK provider (stamping and consumer spans follow this)."""
    return _provider is not None


def configure_tracing(
    settings: "ServiceSettings", *, processor: "SpanProcessor | None" = None
) -> "TracerProvider | None":
    """Install the SDK tracer provider once per process when tracing is requested; None when off.

    ``processor`` replaces the default batch/OTLP pipeline on first install, and is added to the
    installed provider afterwards (tests pass the SDK's in-memory exporter this way).
    """
    global _provider
    if not tracing_requested(settings):
        return None
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    if _provider is None:
        name = os.environ.get("OTEL_SERVICE_NAME") or settings.service_name
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
        default = processor is None and _default_processor()
        if default:
            provider.add_span_processor(default)
        trace.set_tracer_provider(provider)
        _provider = provider
    if processor is not None:
        _provider.add_span_processor(processor)
    return _provider


def _default_processor() -> "SpanProcessor | None":
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    kind = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if kind == "none":
        return None
    if kind == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return BatchSpanProcessor(ConsoleSpanExporter())
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return BatchSpanProcessor(OTLPSpanExporter())  # reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT


def instrument_app(app: "FastAPI", settings: "ServiceSettings") -> None:
    """SERVER spans for every request of ``app`` (not health probes or metrics scrapes)."""
    if configure_tracing(settings) is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def stamp(envelope: Envelope) -> Envelope:
    """Put the current span's W3C trace context on ``envelope`` unless it already carries one."""
    if _provider is None or envelope.traceparent is not None:
        return envelope
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    if "traceparent" in carrier:  # only when a valid span is current
        envelope.traceparent = carrier["traceparent"]
        envelope.tracestate = carrier.get("tracestate") or None
    return envelope


def inject_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add the current span's ``traceparent`` to an outgoing request to another Peerlab service."""
    if _provider is not None:
        _PROPAGATOR.inject(headers)
    return headers


@contextlib.contextmanager
def consume_span(envelope: Envelope, *, consumer: str) -> Iterator[None]:
    """A CONSUMER span around handling ``envelope``, child of the span that produced it."""
    if _provider is None:
        yield
        return
    carrier = {"traceparent": envelope.traceparent or "", "tracestate": envelope.tracestate or ""}
    parent = _PROPAGATOR.extract(carrier)
    tracer = trace.get_tracer(_TRACER_NAME)
    attributes = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.consumer.group.name": consumer,
        "messaging.message.id": envelope.id,
        "cloudevents.event_type": envelope.type,
        "cloudevents.event_subject": envelope.subject,
    }
    with tracer.start_as_current_span(
        f"process {envelope.type}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield
