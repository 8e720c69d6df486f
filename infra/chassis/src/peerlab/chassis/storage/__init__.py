"""Object storage: one interface, an S3 (MinIO SDK) backend and a filesystem backend.

``make_object_store(settings)`` picks the backend from ``settings.storage_backend``.
"""

from __future__ import annotations

from peerlab.chassis.settings import DEV_JWT_SECRET, DEV_S3_SECRET_KEY, DEV_STORAGE_SIGNING_SECRET
from peerlab.chassis.storage.base import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_PART_SIZE,
    HashingReader,
    InvalidObjectKey,
    InvalidSignature,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    StorageError,
    StorageUnavailable,
    StoredObject,
    content_disposition,
    validate_key,
)
from peerlab.chassis.storage.bridge import AsyncBodyReader, UploadAborted, put_async_stream
from peerlab.chassis.storage.filesystem import OBJECT_ROUTE, FilesystemObjectStore
from peerlab.chassis.storage.router import (
    filesystem_object_router,
    install_storage_problem_handlers,
    storage_unavailable_problem,
    too_large_problem,
)
from peerlab.chassis.storage.s3 import S3ObjectStore, fail_fast_http_client
from peerlab.chassis.storage.signing import UrlGrant, UrlSigner, derive_signing_key


def make_object_store(settings) -> ObjectStore:
    """The store ``settings`` (a ``ServiceSettings``) describes; call ``ensure_bucket()`` at
    startup.

    Optional settings read when present: ``storage_s3_public_endpoint`` (host clients use for
    presigned S3 URLs) and ``storage_signing_secret`` (a plain namespace without it falls back to ``jwt_secret``).
    """
    backend = str(getattr(settings.storage_backend, "value", settings.storage_backend))
    signing_secret = getattr(settings, "storage_signing_secret", None) or settings.jwt_secret
    if str(getattr(settings, "environment", "")) == "production":
        if backend == "s3" and settings.storage_s3_secret_key == DEV_S3_SECRET_KEY:
            raise ValueError("storage_s3_secret_key is the development default; refused in production")
        if backend == "fs" and signing_secret in (DEV_STORAGE_SIGNING_SECRET, DEV_JWT_SECRET):
            raise ValueError("storage_signing_secret is a development default; refused in production")
    if backend == "s3":
        return S3ObjectStore(
            settings.storage_s3_endpoint,
            bucket=settings.storage_bucket,
            access_key=settings.storage_s3_access_key,
            secret_key=settings.storage_s3_secret_key,
            secure=settings.storage_s3_secure,
            region=settings.storage_s3_region,
            public_endpoint=getattr(settings, "storage_s3_public_endpoint", None),
        )
    if backend == "fs":
        return FilesystemObjectStore(
            settings.storage_fs_root,
            bucket=settings.storage_bucket,
            public_base_url=settings.public_base_url,
            signing_secret=signing_secret,
        )
    raise ValueError(f"unknown storage backend {backend!r}")


__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_PART_SIZE",
    "OBJECT_ROUTE",
    "AsyncBodyReader",
    "FilesystemObjectStore",
    "HashingReader",
    "InvalidObjectKey",
    "InvalidSignature",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectTooLarge",
    "S3ObjectStore",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "UploadAborted",
    "UrlGrant",
    "UrlSigner",
    "content_disposition",
    "derive_signing_key",
    "fail_fast_http_client",
    "filesystem_object_router",
    "install_storage_problem_handlers",
    "make_object_store",
    "put_async_stream",
    "storage_unavailable_problem",
    "too_large_problem",
    "validate_key",
]
