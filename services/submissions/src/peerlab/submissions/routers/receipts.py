"""Receipts: the service's public key, and verification of a receipt against it and the record."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from peerlab.chassis.auth import CurrentPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.submissions import repository
from peerlab.submissions.routers.deps import RuntimeDep
from peerlab.submissions.schemas import Receipt, ReceiptVerification
from peerlab.submissions.service import views

router = APIRouter(prefix="/v1/receipts", tags=["receipts"])


class PublicKey(BaseModel):
    algorithm: str
    key_id: str
    public_key: str
    pem: str


@router.get("/public-key", response_model=PublicKey)
def public_key(rt: RuntimeDep) -> PublicKey:
    """The Ed25519 key receipts are signed with (raw key base64url, and PEM)."""
    return PublicKey(
        algorithm="Ed25519", key_id=rt.signer.key_id, public_key=rt.signer.public_key_b64, pem=rt.signer.public_pem()
    )


@router.post("/verify", response_model=ReceiptVerification)
def verify_receipt(body: Receipt, session: SessionDep, rt: RuntimeDep, _: CurrentPrincipal) -> ReceiptVerification:
    """Is the signature ours, and does the receipt match the version on record?"""
    payload = body.receipt.model_dump(mode="json")
    if not rt.signer.verify(payload, body.signature, key_id=body.receipt.key_id):
        return ReceiptVerification(
            valid_signature=False, matches_record=False, detail="The signature does not match this service's key."
        )
    version = repository.get_version(session, body.receipt.submission_id, body.receipt.version)
    if version is None:
        return ReceiptVerification(valid_signature=True, matches_record=False, detail="No such version on record.")
    on_record = views.receipt_body(version, key_id=rt.signer.key_id).model_dump(mode="json")
    if on_record != payload:
        return ReceiptVerification(
            valid_signature=True, matches_record=False, detail="The receipt differs from the version on record."
        )
    return ReceiptVerification(valid_signature=True, matches_record=True, detail="Genuine and on record.")
