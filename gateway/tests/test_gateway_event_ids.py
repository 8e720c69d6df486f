"""Event ids of reconnectable subscriptions (pure logic): round trip, refusal of anything else,
and the replay plan's bounds."""

from __future__ import annotations

import base64
import json

import pytest

from peerlab.gateway.events.replay import Resync, decode_positions, encode_positions, replay_plan

LIVE = {("peerlab.review", 0): 40, ("peerlab.review", 1): 12}


def test_an_event_id_round_trips() -> None:
    assert decode_positions(encode_positions(LIVE)) == LIVE


@pytest.mark.parametrize(
    "items",
    [
        [["peerlab.review", 0, -1]],
        [["peerlab.review", True, 3]],
        [["peerlab.review", 0]],
        [[1, 0, 3]],
        {"peerlab.review": 3},
        [["peerlab.review", 0, 1.5]],
    ],
)
def test_anything_but_an_event_id_is_refused(items) -> None:
    forged = "v1." + base64.urlsafe_b64encode(json.dumps(items).encode()).decode()
    with pytest.raises(ValueError):
        decode_positions(forged)
    for other in ("", "v1.", "v1.%%%", "v2." + forged[3:], "v1." + "A" * 5000):
        with pytest.raises(ValueError):
            decode_positions(other)


def test_the_replay_is_bounded_and_only_from_this_stream() -> None:
    assert replay_plan({("peerlab.review", 0): 38, ("peerlab.review", 1): 12}, LIVE, max_replay=2) == {
        ("peerlab.review", 0): 38,
        ("peerlab.review", 1): 12,
    }
    too_old = replay_plan({("peerlab.review", 0): 30, ("peerlab.review", 1): 12}, LIVE, max_replay=2)
    assert isinstance(too_old, Resync) and too_old.reason == "too_old" and too_old.positions == LIVE
    for foreign in (
        {("peerlab.review", 0): 41, ("peerlab.review", 1): 12},
        {("peerlab.review", 0): 1},
        {("peerlab.scheduling", 0): 1, ("peerlab.review", 1): 1},
    ):
        plan = replay_plan(foreign, LIVE, max_replay=1000)
        assert isinstance(plan, Resync) and plan.reason == "unknown_position"
