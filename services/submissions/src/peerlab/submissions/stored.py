"""Work on stored objects that runs inside the validation worker processes.

Only the reviewers' anonymised copies work this way (the worker reads the notebook and writes the
copy, so the API process never holds it). Hand-ins do not: the API has their bytes in hand and
passes them to the worker. Functions here are module level and take only picklable arguments
(the pool's contract).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from peerlab.chassis.storage import ObjectNotFound, ObjectStore, StorageUnavailable, make_object_store
from peerlab.submissions.anonymise import anonymise_notebook
from peerlab.submissions.validation import NotebookLimits


@dataclass(frozen=True)
class StoreConfig:
    """The settings a worker needs to open the service's store: plain values that pickle, read by
    ``make_object_store`` as they are."""

    storage_backend: str
    storage_bucket: str
    jwt_secret: Any
    storage_fs_root: str | None = None
    storage_s3_endpoint: str | None = None
    storage_s3_secure: bool = False
    storage_s3_access_key: str | None = None
    storage_s3_secret_key: Any = None
    storage_s3_region: str | None = None
    public_base_url: str | None = None
    storage_signing_secret: Any = None
    storage_s3_public_endpoint: str | None = None

    @classmethod
    def of(cls, settings: Any) -> StoreConfig:
        values = {f.name: getattr(settings, f.name, None) for f in fields(cls)}
        backend = values["storage_backend"]
        values["storage_backend"] = str(getattr(backend, "value", backend))
        return cls(**values)


_stores: dict[StoreConfig, ObjectStore] = {}


def _store(config: StoreConfig) -> ObjectStore:
    if config not in _stores:
        _stores[config] = make_object_store(config)
    return _stores[config]


@dataclass(frozen=True)
class StoredOutcome:
    """``status``: ``ok`` (with ``result``), ``missing`` or ``storage_unavailable``."""

    status: str
    result: Any = None
    detail: str = ""


def anonymise_stored(
    *,
    config: StoreConfig,
    src_key: str,
    dst_key: str,
    token: str,
    limits: NotebookLimits,
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
