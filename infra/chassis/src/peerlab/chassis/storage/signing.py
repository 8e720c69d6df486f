"""Expiring, HMAC-SHA256-signed URL tokens for the filesystem store's own object route.

A token is ``base64url(json claims) "." base64url(mac)``; the claims carry the method, the bucket,
the object key, the expiry (unix seconds) and optionally a download name or content type. The MAC
key is derived from a service secret, so the URL key is never the JWT key itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from peerlab.chassis.storage.base import InvalidSignature, check_expiry, validate_key

_DERIVATION_LABEL = b"peerlab.storage.url-signing.v1"
_METHODS = ("GET", "PUT")
MAX_TOKEN_CHARS = 4096


def derive_signing_key(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, _DERIVATION_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class UrlGrant:
    """What a verified token allows."""

    method: str
    bucket: str
    key: str
    expires_at: int
    download_name: str | None = None
    content_type: str | None = None


class UrlSigner:
    def __init__(self, secret: str | bytes, *, bucket: str) -> None:
        self._key = derive_signing_key(secret)
        self.bucket = bucket

    def _mac(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()

    def sign(
        self,
        method: str,
        key: str,
        *,
        expires_s: int,
        download_name: str | None = None,
        content_type: str | None = None,
        now: float | None = None,
    ) -> str:
        if method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}")
        validate_key(key)
        claims = {
            "m": method,
            "b": self.bucket,
            "k": key,
            "e": int(now if now is not None else time.time()) + check_expiry(expires_s),
        }
        if download_name:
            claims["n"] = download_name
        if content_type:
            claims["c"] = content_type
        payload = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=True).encode())
        return f"{payload}.{_b64(self._mac(payload))}"

    def verify(self, token: str, method: str, *, now: float | None = None) -> UrlGrant:
        """Return the grant, or raise ``InvalidSignature`` for a bad, expired or misused token."""
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
            raise InvalidSignature("malformed token")
        payload, mac_text = token.split(".")
        try:
            mac = _unb64(mac_text)
            if not payload.isascii():
                raise ValueError("non-ascii payload")
        except (binascii.Error, ValueError) as exc:
            raise InvalidSignature("malformed token") from exc
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidSignature("signature does not match")
        try:
            claims = json.loads(_unb64(payload))
            grant = UrlGrant(
                method=str(claims["m"]),
                bucket=str(claims["b"]),
                key=str(claims["k"]),
                expires_at=int(claims["e"]),
                download_name=claims.get("n"),
                content_type=claims.get("c"),
            )
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise InvalidSignature("malformed token") from exc
        if grant.method != method:
            raise InvalidSignature(f"token is for {grant.method}, not {method}")
        if grant.bucket != self.bucket:
            raise InvalidSignature("token is for another bucket")
        if (now if now is not None else time.time()) >= grant.expires_at:
            raise InvalidSignature("token has expired")
        return grant
