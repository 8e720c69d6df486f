"""Ed25519-signed hand-in receipts.

A receipt is a small JSON object; the signature covers its canonical form (keys sorted, no
whitespace, UTF-8), so anyone holding the public key (``GET /v1/receipts/public-key``) can check
it offline. The key id is the first 16 hex digits of SHA-256 of the raw public key.

Key material: ``receipt_signing_key`` (PEM or base64 of the 32 raw private bytes). Without one,
dev and test generate a key once and keep it in ``<data_dir>/receipt-signing-key.pem`` (mode
0600); production refuses to start (see settings).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from peerlab.chassis.settings import Environment

ALGORITHM = "Ed25519"
DEV_KEY_FILE = "receipt-signing-key.pem"


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_private_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("receipt_signing_key is not an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("receipt_signing_key is neither PEM nor base64") from exc
    if len(raw) != 32:
        raise ValueError("a raw Ed25519 private key has 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def dev_key(data_dir: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The persisted development key, generated on first use."""
    path = Path(data_dir) / DEV_KEY_FILE
    if path.exists():
        return load_private_key(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    try:
        os.link(tmp, path)  # first writer wins; a concurrent process reads the winner's key
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return load_private_key(path.read_text())


class ReceiptSigner:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_key: Ed25519PublicKey = private_key.public_key()
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public_key_b64 = _b64(raw)
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]

    @classmethod
    def from_settings(cls, settings) -> "ReceiptSigner":  # SubmissionsSettings
        if settings.receipt_signing_key:
            return cls(load_private_key(settings.receipt_signing_key))
        if settings.environment == Environment.PRODUCTION:
            raise ValueError("receipt_signing_key is required in production")
        return cls(dev_key(settings.data_dir))

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def sign(self, payload: dict[str, Any]) -> str:
        return _b64(self._private.sign(canonical(payload)))

    def verify(self, payload: dict[str, Any], signature: str, key_id: str | None = None) -> bool:
        if key_id is not None and key_id != self.key_id:
            return False
        try:
            self.public_key.verify(_unb64(signature), canonical(payload))
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True
