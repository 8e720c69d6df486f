"""Consumers in the gateway worker: every event of every topic may become LMS webhook deliveries."""

from __future__ import annotations

from sqlmodel import Session

from peerlab.chassis.consumer import ConsumerSpec
from peerlab.contracts import EVENT_MODELS, Envelope, EventData, topics
from peerlab.gateway.service import webhooks
from peerlab.gateway.settings import GatewaySettings


def webhook_consumer_spec(settings: GatewaySettings) -> ConsumerSpec:
    def on_any(session: Session, envelope: Envelope, _data: EventData) -> None:
        webhooks.fan_in(session, envelope=envelope, max_payload_bytes=settings.webhook_max_payload_bytes)

    return ConsumerSpec(
        name="gateway-webhooks",
        topics=list(topics.ALL),
        handlers={event_type: on_any for event_type in EVENT_MODELS},
    )
