"""Ed25519 receipts: signed, verifiable offline and by the service; keys from settings or a
persisted dev key; production refuses to run without one."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization
from pydantic import ValidationError

from peerlab.submissions.receipts import DEV_KEY_FILE, ReceiptSigner, canonical
from peerlab.submissions.settings import SubmissionsSettings


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_receipt_verifies_offline_and_on_the_service_and_tampering_is_caught(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    accepted = stack.hand_in("lab-1", "s1", make_notebook()).json()
    receipt = accepted["receipt"]
    body = receipt["receipt"]
    assert {body[k] for k in ("submission_id", "assignment_id", "file_name")} == {
        accepted["submission"]["id"],
        "lab-1",
        "week1-EXE.ipynb",
    }
    assert body["size"] == accepted["version"]["size"] and body["version"] == 1
    key = stack.client.get("/v1/receipts/public-key", headers=stack.auth("s1")).json()
    public = Ed25519PublicKey.from_public_bytes(_unb64(key["public_key"]))
    public.verify(_unb64(receipt["signature"]), canonical(body))  # raises if invalid
    ok = stack.client.post("/v1/receipts/verify", json=receipt, headers=stack.auth("s1")).json()
    assert ok == {"valid_signature": True, "matches_record": True, "detail": "Genuine and on record."}
    forged = {**receipt, "receipt": {**body, "size": body["size"] + 1}}
    assert (
        stack.client.post("/v1/receipts/verify", json=forged, headers=stack.auth("s1")).json()["valid_signature"]
        is False
    )
    other_key = ReceiptSigner(Ed25519PrivateKey.generate())
    fake = {"receipt": {**body, "key_id": other_key.key_id, "version": 2}, "algorithm": "Ed25519"}
    fake["signature"] = other_key.sign(fake["receipt"])
    assert (
        stack.client.post("/v1/receipts/verify", json=fake, headers=stack.auth("s1")).json()["valid_signature"] is False
    )


def test_a_genuine_receipt_for_a_version_not_on_record_does_not_match(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    receipt = stack.hand_in("lab-1", "s1", make_notebook()).json()["receipt"]
    signer = stack.client.app.state.runtime.signer
    ghost = {**receipt["receipt"], "version": 7}
    r = stack.client.post(
        "/v1/receipts/verify", headers=stack.auth("s1"), json={"receipt": ghost, "signature": signer.sign(ghost)}
    ).json()
    assert r["valid_signature"] is True and r["matches_record"] is False


def test_dev_key_is_generated_once_and_persisted(tmp_path):
    settings = SubmissionsSettings(environment="dev", data_dir=str(tmp_path))
    first = ReceiptSigner.from_settings(settings)
    assert (tmp_path / DEV_KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert ReceiptSigner.from_settings(settings).key_id == first.key_id


def test_configured_key_is_used_and_production_refuses_a_missing_key(tmp_path):
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    settings = SubmissionsSettings(
        environment="dev", data_dir=str(tmp_path), receipt_signing_key=base64.b64encode(raw).decode()
    )
    signer = ReceiptSigner.from_settings(settings)
    key.public_key().verify(_unb64(signer.sign({"a": 1})), canonical({"a": 1}))
    assert not (tmp_path / DEV_KEY_FILE).exists()
    with pytest.raises(ValidationError, match="receipt_signing_key"):
        SubmissionsSettings(environment="production", jwt_secret="x" * 40, storage_backend="fs")
