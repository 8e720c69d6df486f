"""The gateway passes the caller's trace on to the services it calls (W3C ``traceparent`` header)."""

from __future__ import annotations

from opentelemetry import trace

from peerlab.chassis.settings import ServiceSettings
from peerlab.chassis.tracing import configure_tracing
from peerlab.gateway.clients.base import CallCounter, ServiceClient


def test_calls_to_services_carry_the_current_trace(monkeypatch):
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert configure_tracing(ServiceSettings(environment="test", tracing_enabled=True)) is not None
    client = ServiceClient(
        service="submissions", base_url="http://127.0.0.1:1", http=None, token="t", counter=CallCounter()
    )
    with trace.get_tracer("test").start_as_current_span("graphql") as span:
        headers = client._headers()
    context = span.get_span_context()
    _version, trace_id, span_id, _flags = headers["traceparent"].split("-")
    assert (trace_id, span_id) == (f"{context.trace_id:032x}", f"{context.span_id:016x}")
    assert headers["authorization"] == "Bearer t"
