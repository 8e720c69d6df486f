"""What the bytes are, whatever the client claimed (declared content types are ignored)."""

from __future__ import annotations

from typing import Literal

SniffedKind = Literal["pdf", "json", "unknown"]

SNIFF_BYTES = 1024
UTF8_BOM = b"\xef\xbb\xbf"
_JSON_WHITESPACE = b" \t\r\n"


def sniff_kind(first_bytes: bytes) -> SniffedKind:
    """Classify a file by its first bytes (``SNIFF_BYTES`` are enough).

    ``json`` when the first non-blank byte opens an object or array (a UTF-8 BOM is
    tolerated); ``pdf`` when the ``%PDF-`` header appears within the first 1024 bytes,
    as PDF readers allow.
    """
    head = bytes(first_bytes[:SNIFF_BYTES])
    body = head[len(UTF8_BOM) :] if head.startswith(UTF8_BOM) else head
    if body.lstrip(_JSON_WHITESPACE)[:1] in (b"{", b"["):
        return "json"
    if b"%PDF-" in head:
        return "pdf"
    return "unknown"
