"""Reading a roster push from the LMS: signature (Standard Webhooks), media type, UTF-8, JSON.

Every way a body or its headers can be wrong ends in a problem with a code, never in an exception
from the verifier or the JSON decoder: the library's ``verify`` raises ``ValueError`` (not its own
error) on a malformed signature header or timestamp and ``UnicodeDecodeError`` on bytes that are
not UTF-8, so the body is decoded first and both are caught.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from peerlab.chassis.errors import ProblemError
from peerlab.gateway.limits import UTF8, media_type

SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def read_push(*, secret: str, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    """The verified message, or a problem: 400/415 for bytes we cannot read, 401 for a bad signature,
    422 for JSON that is not an object."""
    kind, charset = media_type(headers.get("content-type"))
    if kind != "application/json":
        raise ProblemError(415, "unsupported_media_type", "An LMS push is application/json.")
    if charset not in UTF8:
        raise ProblemError(415, "unsupported_charset", "An LMS push is UTF-8 JSON.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "invalid_encoding", "The push body must be UTF-8.") from exc
    signed = {name: headers.get(name) or "" for name in SIGNATURE_HEADERS}
    try:
        Webhook(secret).verify(text, signed, json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:  # ValueError: malformed signature or timestamp
        raise ProblemError(401, "invalid_signature", f"The webhook signature is not valid: {exc}.") from exc
    try:
        message = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ProblemError(400, "invalid_json", "The push body is not valid JSON.") from exc
    if not isinstance(message, dict):
        raise ProblemError(422, "invalid_payload", "The payload must be an object.")
    return message
