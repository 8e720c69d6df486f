"""The committed openapi.json is what the code describes (regenerate with
``python -m peerlab.submissions.openapi``)."""

from __future__ import annotations

from peerlab.submissions.openapi import DEFAULT_PATH, render


def test_committed_openapi_is_current():
    assert DEFAULT_PATH.read_text() == render()
