"""Peerlab's shared event contracts: the envelope, one model per event type, topic names."""

from peerlab.contracts import topics
from peerlab.contracts.envelope import Envelope, EventData
from peerlab.contracts.events import EVENT_MODELS


class UnknownEventType(LookupError):
    """The envelope carries a type this build does not know."""


def parse_data(envelope: Envelope) -> EventData:
    """The typed payload of an envelope; raises ``UnknownEventType`` or a validation error."""
    model = EVENT_MODELS.get(envelope.type)
    if model is None:
        raise UnknownEventType(envelope.type)
    return model.model_validate(envelope.data)


__all__ = ["EVENT_MODELS", "Envelope", "EventData", "UnknownEventType", "parse_data", "topics"]
