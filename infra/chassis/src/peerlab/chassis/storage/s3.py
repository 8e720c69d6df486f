"""The S3 backend on the MinIO SDK (MinIO in production, moto's S3 server in tests).

The client fails fast: short connect timeout and few retries, so an outage surfaces as
``StorageUnavailable`` within about a second instead of minutes of SDK retrying.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Generator, Iterator, Mapping
from datetime import timedelta
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.commonconfig import CopySource, Tags
from minio.error import InvalidResponseError, S3Error, ServerError
from urllib3.util import Retry, Timeout

from peerlab.chassis.storage.base import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_PART_SIZE,
    HashingReader,
    ObjectNotFound,
    ObjectStore,
    Readable,
    StorageUnavailable,
    StoredObject,
    check_expiry,
    content_disposition,
    normalize_metadata,
    validate_key,
)

SHA256_TAG = "sha256"
SHA256_METADATA = "sha256"  # objects written by ``put_bytes`` carry their digest here (no tag request)
_MIN_PART_SIZE = 5 * 1024 * 1024
_MISSING_CODES = {"NoSuchKey", "NotFound", "ResourceNotFound", "NoSuchObject"}
_META_PREFIX = "x-amz-meta-"


def fail_fast_http_client(connect_s: float = 2.0, read_s: float = 30.0, retries: int = 1) -> urllib3.PoolManager:
    """A pool for the MinIO SDK: ``connect_s``/``read_s`` timeouts and ``retries`` quick retries.

    Retries cover refused connections and 5xx answers (``raise_on_status=False`` hands the last
    5xx to the SDK, which raises ``ServerError``); a dead store is reported in well under a second.
    """
    return urllib3.PoolManager(
        timeout=Timeout(connect=connect_s, read=read_s),
        maxsize=10,
        retries=Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=0.1,
            status_forcelist=(500, 502, 503, 504),
            raise_on_status=False,
        ),
    )


@contextlib.contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Turn transport failures and 5xx answers into ``StorageUnavailable``."""
    try:
        yield
    except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError, ServerError, InvalidResponseError) as exc:
        raise StorageUnavailable(f"object store unavailable during {what}: {exc.__class__.__name__}") from exc
    except S3Error as exc:
        if exc.code in ("SlowDown", "ServiceUnavailable", "InternalError"):
            raise StorageUnavailable(f"object store unavailable during {what}: {exc.code}") from exc
        raise


class S3ObjectStore(ObjectStore):
    backend = "s3"

    def __init__(
        self,
        endpoint: str,
        *,
        bucket: str,
        access_key: str,
        secret_key: str,
        secure: bool = False,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
        http_client: urllib3.PoolManager | None = None,
    ) -> None:
        self.bucket = bucket
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http_client or fail_fast_http_client(),
        )
        # Presigning is offline (the region is fixed), but the URL's host is signed: sign with the
        # host clients will use when it differs from the one this service talks to.
        self._presigner = (
            self.client
            if not public_endpoint
            else Minio(public_endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        )

    def ensure_bucket(self) -> None:
        with translate_errors("ensure_bucket"):
            if self.client.bucket_exists(self.bucket):
                return
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def ping(self) -> None:
        with translate_errors("ping"):
            exists = self.client.bucket_exists(self.bucket)
        if not exists:
            raise StorageUnavailable(f"bucket {self.bucket!r} does not exist")

    def put_stream(
        self,
        key: str,
        reader: Readable | BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> StoredObject:
        validate_key(key)
        meta = normalize_metadata(metadata)
        hashing = HashingReader(reader, max_bytes)
        content_type = content_type or DEFAULT_CONTENT_TYPE
        with translate_errors("put"):
            # length=-1: multipart in part_size pieces, one part in memory at a time (no parallel
            # parts). An error while reading makes the SDK abort the multipart upload, so nothing
            # becomes visible under the key.
            self.client.put_object(
                self.bucket,
                key,
                hashing,
                length=-1,
                content_type=content_type,
                metadata=meta or None,
                part_size=part_size,
                num_parallel_uploads=1,
            )
            tags = Tags.new_object_tags()
            tags[SHA256_TAG] = hashing.sha256
            self.client.set_object_tags(self.bucket, key, tags)
        return StoredObject(key, hashing.size, hashing.sha256, content_type, meta)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
        sha256: str | None = None,
    ) -> StoredObject:
        """One PUT request (no multipart, no tag request): the SHA-256 goes into the object's
        metadata. ``sha256`` is the caller's digest of ``data`` when it has one already."""
        validate_key(key)
        digest = sha256 or hashlib.sha256(data).hexdigest()
        meta = normalize_metadata({**(metadata or {}), SHA256_METADATA: digest})
        content_type = content_type or DEFAULT_CONTENT_TYPE
        with translate_errors("put"):
            self.client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=meta,
                part_size=max(_MIN_PART_SIZE, len(data)),
                num_parallel_uploads=1,
            )
        meta.pop(SHA256_METADATA)
        return StoredObject(key, len(data), digest, content_type, meta)

    def stat(self, key: str) -> StoredObject | None:
        validate_key(key)
        with translate_errors("stat"):
            try:
                info = self.client.stat_object(self.bucket, key)
                meta = {
                    name.lower()[len(_META_PREFIX) :]: value
                    for name, value in (info.metadata or {}).items()
                    if name.lower().startswith(_META_PREFIX)
                }
                digest = meta.pop(SHA256_METADATA, None)
                if digest is None:  # written by put_stream: the digest is a tag
                    digest = (self.client.get_object_tags(self.bucket, key) or {}).get(SHA256_TAG)
            except S3Error as exc:
                if exc.code in _MISSING_CODES:
                    return None
                raise
        return StoredObject(key, int(info.size or 0), digest, info.content_type or DEFAULT_CONTENT_TYPE, meta)

    def iter_bytes(self, key: str, chunk_size: int = 64 * 1024) -> Generator[bytes, None, None]:
        validate_key(key)
        with translate_errors("get"):
            try:
                response = self.client.get_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING_CODES:
                    raise ObjectNotFound(key) from exc
                raise
        return _iter_response(response, chunk_size)

    def delete(self, key: str) -> None:
        validate_key(key)
        with translate_errors("delete"):
            self.client.remove_object(self.bucket, key)

    def copy(self, src: str, dst: str) -> StoredObject:
        validate_key(src)
        validate_key(dst)
        with translate_errors("copy"):
            try:
                self.client.copy_object(self.bucket, dst, CopySource(self.bucket, src))
            except S3Error as exc:
                if exc.code in _MISSING_CODES:
                    raise ObjectNotFound(src) from exc
                raise
        obj = self.stat(dst)
        if obj is None:
            raise ObjectNotFound(dst)
        return obj

    def presigned_get(self, key: str, *, expires_s: int, download_name: str | None = None) -> str:
        validate_key(key)
        headers = {"response-content-disposition": content_disposition(download_name)} if download_name else None
        return self._presigner.presigned_get_object(
            self.bucket, key, expires=timedelta(seconds=check_expiry(expires_s)), response_headers=headers
        )

    def presigned_put(self, key: str, *, expires_s: int, content_type: str | None = None) -> str:
        """``content_type`` is not part of an S3 presigned PUT's signature: the uploader's
        Content-Type header is what the object gets."""
        validate_key(key)
        return self._presigner.presigned_put_object(
            self.bucket, key, expires=timedelta(seconds=check_expiry(expires_s))
        )


def _iter_response(response: urllib3.BaseHTTPResponse, chunk_size: int) -> Generator[bytes, None, None]:
    try:
        with translate_errors("get"):
            yield from response.stream(chunk_size)
    finally:
        response.close()
        response.release_conn()
