"""Work on stored objects that runs inside the validation worker processes.

The worker reads the staged object itself, so a whole file is never held by the API process
(whose memory stays at a few streamed chunks per upload) and never crosses the worker's pipe.
Functions here are module level and take only picklable arguments (the pool's contract).
"""

from __future__ import annotations

import hashlib
import types
from dataclasses import dataclass
from typing import Any

from peerlab.chassis.storage import (
    ObjectNotFound, ObjectStore, ObjectTooLarge, StorageUnavailable, make_object_store,
)
from peerlab.submissions.anonymise import anonymise_notebook
from peerlab.submissions.validation import AssignmentFileRules, NotebookLimits, ValidationResult, validate_upload

_STORE_FIELDS = (
    "storage_backend", "storage_fs_root", "storage_s3_endpoint", "storage_s3_secure", "storage_s3_access_key",
    "storage_s3_secret_key", "storage_s3_region", "storage_bucket", "public_base_url", "jwt_secret",
    "storage_signing_secret",
    "storage_s3_public_endpoint",
)
_stores: dict[tuple, ObjectStore] = {}


def store_config(settings: Any) -> dict[str, Any]:
    """The settings a worker needs to open the same store (plain values; they pickle)."""
    return {name: str(getattr(getattr(settings, name, None), "value", getattr(settings, name, None)))
            if name == "storage_backend" else getattr(settings, name, None) for name in _STORE_FIELDS}


def _store(config: dict[str, Any]) -> ObjectStore:
    key = tuple(sorted(config.items()))
    if key not in _stores:
        _stores[key] = make_object_store(types.SimpleNamespace(**config))
    return _stores[key]


@dataclass(frozen=True)
class StoredOutcome:
    """``status``: ``ok`` (with ``result``), ``missing``, ``too_large`` or ``storage_unavailable``."""

    status: str
    result: Any = None
    detail: str = ""


def validate_stored_upload(
    *, config: dict[str, Any], key: str, kind_rules: AssignmentFileRules, file_name: str,
) -> StoredOutcome:
    """Read the staged object (at most ``max_bytes``) and run ``validate_upload`` on it."""
    try:
        data = _store(config).read_bytes(key, max_bytes=kind_rules.max_bytes)
    except ObjectNotFound:
        return StoredOutcome("missing")
    except StorageUnavailable as exc:
        return StoredOutcome("storage_unavailable", detail=str(exc))
    result: ValidationResult = validate_upload(kind_rules=kind_rules, file_name=file_name, data=data)
    return StoredOutcome("ok", result)


def anonymise_stored(
    *, config: dict[str, Any], src_key: str, dst_key: str, token: str, limits: NotebookLimits,
    identities: tuple[str, ...] = (),
) -> StoredOutcome:
    """Write the anonymised copy of a stored notebook to ``dst_key``; returns its file name."""
    store = _store(config)
    try:
        data = store.read_bytes(src_key, max_bytes=limits.max_bytes)
        name, anonymised = anonymise_notebook(data, token=token, limits=limits, identities=identities)
        store.put_bytes(dst_key, anonymised, content_type="application/x-ipynb+json")
    except ObjectNotFound:
        return StoredOutcome("missing")
    except StorageUnavailable as exc:
        return StoredOutcome("storage_unavailable", detail=str(exc))
    return StoredOutcome("ok", name)


def digest_stored(*, config: dict[str, Any], key: str, max_bytes: int) -> StoredOutcome:
    """The SHA-256 (hex) of a stored object of at most ``max_bytes`` (``too_large`` beyond)."""
    try:
        data = _store(config).read_bytes(key, max_bytes=max_bytes)
    except ObjectNotFound:
        return StoredOutcome("missing")
    except ObjectTooLarge:
        return StoredOutcome("too_large")
    except StorageUnavailable as exc:
        return StoredOutcome("storage_unavailable", detail=str(exc))
    return StoredOutcome("ok", hashlib.sha256(data).hexdigest())
