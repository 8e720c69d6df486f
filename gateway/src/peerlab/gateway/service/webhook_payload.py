"""What an LMS receives: ``{type, timestamp, data}`` with ids and a few plain facts, at most 20 kB.

Personal data (names, file names, comments) stays inside Peerlab; task tokens are never sent.
"""

from __future__ import annotations

import json

from peerlab.contracts import Envelope

# Non-id fields an LMS may need; everything else outside ``*_id`` / ``*_ids`` is dropped.
_PLAIN_FIELDS = {
    "kind",
    "assignment_kind",
    "lab_number",
    "owner_type",
    "version",
    "on_time",
    "deadline",
    "opens_at",
    "closed_at",
    "received_at",
    "withdrawn_at",
    "due_at",
    "submitted_at",
    "verdict",
    "origin",
    "set_at",
    "status",
    "labs_passed",
    "labs_open",
    "threshold",
    "changed_at",
    "roles",
    "programme",
    "enrolled_at",
    "unenrolled_at",
    "formed_at",
    "assigned_at",
    "slot_start",
    "slot_end",
    "published_at",
    "visits",
    "reason_code",
    "final_submissions",
    "member_ids",
    "commented_at",
    "revision",
    "stale_since",
}
_NESTED_KEEP = {"owner_id", "submission_id", "version"}
_SECRET_FIELDS = {"task_token"}


def _keep(key: str) -> bool:
    if key in _SECRET_FIELDS:
        return False
    return key.endswith("_id") or key.endswith("_ids") or key in _PLAIN_FIELDS


def _filter(value: object) -> object:
    if isinstance(value, dict):
        return {k: _filter(v) for k, v in value.items() if k in _NESTED_KEEP}
    if isinstance(value, list):
        return [_filter(v) for v in value]
    return value


def build_payload(envelope: Envelope, *, max_bytes: int) -> str:
    """The JSON body; lists are dropped (``truncated: true``) when the body would exceed ``max_bytes``."""
    data = {k: _filter(v) for k, v in envelope.data.items() if _keep(k)}
    data["event_id"] = envelope.id
    data["course_id"] = envelope.course_id
    body = {"type": envelope.type, "timestamp": envelope.time.isoformat(), "data": data}
    text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    if len(text.encode()) <= max_bytes:
        return text
    data = {k: v for k, v in data.items() if not isinstance(v, list | dict)}
    data["truncated"] = True
    return json.dumps({**body, "data": data}, separators=(",", ":"), sort_keys=True)
