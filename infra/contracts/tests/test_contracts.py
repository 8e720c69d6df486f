"""Contract tests: every published example parses with every model that reads it; schemas are current."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerlab.contracts import EVENT_MODELS, Envelope, UnknownEventType, parse_data, topics
from peerlab.contracts.schemas import render_all

SCHEMA_DIR = Path(__file__).parents[1] / "schemas"


def examples():
    for type_name, model in sorted(EVENT_MODELS.items()):
        for example in model.model_json_schema().get("examples", []):
            yield pytest.param(type_name, example, id=type_name)


def test_every_event_type_has_an_example_and_a_versioned_name():
    for type_name, model in EVENT_MODELS.items():
        assert model.model_json_schema().get("examples"), f"{type_name} has no published example"
        _aggregate, _verb, version = type_name.rsplit(".", 2)
        assert version.startswith("v") and version[1:].isdigit(), type_name
        assert model.TOPIC in topics.ALL


@pytest.mark.parametrize(("type_name", "example"), list(examples()))
def test_example_round_trips_through_the_envelope(type_name, example):
    model = EVENT_MODELS[type_name]
    envelope = Envelope.wrap(model.model_validate(example), source="test", subject="x", course_id="c1")
    again = Envelope.from_bytes(envelope.to_bytes())
    assert again.id == envelope.id and again.type == type_name
    assert parse_data(again) == model.model_validate(example)


@pytest.mark.parametrize(("type_name", "example"), list(examples()))
def test_consumers_tolerate_additive_fields(type_name, example):
    """Producers may add fields within a version; readers must ignore them."""
    envelope = Envelope.wrap(EVENT_MODELS[type_name].model_validate(example), source="t", subject="x", course_id="c1")
    raw = envelope.model_dump(mode="json")
    raw["data"]["a_field_from_the_future"] = 1
    raw["an_extension_attribute"] = "x"
    assert parse_data(Envelope.model_validate(raw)) == EVENT_MODELS[type_name].model_validate(example)


def test_unknown_type_is_refused():
    envelope = Envelope(type="nothing.happened.v1", source="t", subject="x", course_id="c1", data={})
    with pytest.raises(UnknownEventType):
        parse_data(envelope)


def test_committed_json_schemas_are_current():
    rendered = render_all()
    committed = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.json")}
    assert committed == rendered, "run: python -m peerlab.contracts.schemas infra/contracts/schemas"


def test_trace_context_extension_round_trips_and_is_absent_when_unset():
    event = next(iter(examples())).values
    model = EVENT_MODELS[event[0]].model_validate(event[1])
    untraced = Envelope.wrap(model, source="t", subject="x", course_id="c1")
    assert b"traceparent" not in untraced.to_bytes() and b"tracestate" not in untraced.to_bytes()
    assert Envelope.from_bytes(untraced.to_bytes()).traceparent is None
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    traced = untraced.model_copy(update={"traceparent": parent, "tracestate": "vendor=1"})
    again = Envelope.from_bytes(traced.to_bytes())
    assert (again.traceparent, again.tracestate) == (parent, "vendor=1")
