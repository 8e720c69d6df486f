"""Every consumer in every service reads only known event types, on the topic their producer uses,
and parses the producer's published examples."""

from __future__ import annotations

import importlib

import pytest

from peerlab.contracts import EVENT_MODELS, Envelope, parse_data

CONSUMERS = [
    ("peerlab.submissions.events.handlers", "consumer_spec"),
    ("peerlab.review.events.handlers", "consumer_spec"),
    ("peerlab.projects.events.handlers", "consumer_spec"),
    ("peerlab.scheduling.events.handlers", "consumer_spec"),
    ("peerlab.scheduling.events.exam_handlers", "consumer_spec"),
]


def specs():
    for module_name, factory in CONSUMERS:
        spec = getattr(importlib.import_module(module_name), factory)()
        yield pytest.param(spec, id=spec.name)


@pytest.mark.parametrize("spec", list(specs()))
def test_consumer_reads_known_types_on_their_producers_topic(spec):
    assert spec.handlers, f"{spec.name} handles nothing"
    for type_name in spec.handlers:
        assert type_name in EVENT_MODELS, f"{spec.name} handles unknown type {type_name}"
        assert EVENT_MODELS[type_name].TOPIC in spec.topics, f"{spec.name} does not subscribe to {type_name}'s topic"


@pytest.mark.parametrize("spec", list(specs()))
def test_consumer_parses_every_published_example(spec):
    for type_name in spec.handlers:
        model = EVENT_MODELS[type_name]
        for example in model.model_json_schema()["examples"]:
            raw = Envelope.wrap(model.model_validate(example), source="producer", subject="x", course_id="c").to_bytes()
            assert parse_data(Envelope.from_bytes(raw)) == model.model_validate(example)
