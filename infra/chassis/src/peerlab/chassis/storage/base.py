"""The object store interface, its value type and errors, and the checks both backends share."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from abc import ABC, abstractmethod
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol
from urllib.parse import quote

MiB = 1024 * 1024
DEFAULT_PART_SIZE = 5 * MiB
MAX_KEY_BYTES = 1024
MAX_METADATA_BYTES = 2048  # S3's limit on user metadata, enforced on both backends
MAX_PRESIGN_S = 7 * 24 * 3600  # S3's limit; the filesystem backend keeps to it too
DEFAULT_CONTENT_TYPE = "application/octet-stream"

_METADATA_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class StorageError(Exception):
    """Base of every object-store error."""


class StorageUnavailable(StorageError):
    """The store cannot be reached (or answered 5xx); retry later. /readyz reports it."""

    PROBLEM = (503, "storage_unavailable")  # the answer of install_storage_problem_handlers


class ObjectTooLarge(StorageError):
    """The object is larger than the caller's ``max_bytes``; nothing was stored."""

    PROBLEM = (413, "too_large")

    def __init__(self, limit: int) -> None:
        super().__init__(f"object exceeds {limit} bytes")
        self.limit = limit


class ObjectNotFound(StorageError, LookupError):
    """No object under this key."""

    PROBLEM = (404, "not_found")

    def __init__(self, key: str) -> None:
        super().__init__(f"no object {key!r}")
        self.key = key


class InvalidObjectKey(StorageError, ValueError):
    """A key that is empty, too long, absolute, or has ``.``/``..``/empty components."""


class InvalidSignature(StorageError):
    """A filesystem-store URL token that is malformed, tampered with, expired or misused."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str | None  # None when the store holds no recorded digest (e.g. a presigned S3 PUT)
    content_type: str
    metadata: dict[str, str] = field(default_factory=dict)


class Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative object key, else raise ``InvalidObjectKey``."""
    if not isinstance(key, str) or not key:
        raise InvalidObjectKey("object key is empty")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidObjectKey(f"object key longer than {MAX_KEY_BYTES} bytes")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key) or "\\" in key:
        raise InvalidObjectKey("object key contains control characters or backslashes")
    if key.startswith("/") or re.match(r"^[A-Za-z]:", key):
        raise InvalidObjectKey("object key is absolute")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidObjectKey("object key has an empty, '.' or '..' component")
    return key


def normalize_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Lower-case names of ``[a-z0-9-]``, printable ASCII values, 2 KiB in all (as S3 allows)."""
    out: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        name = str(name).lower()
        value = str(value)
        if not _METADATA_NAME.match(name):
            raise ValueError(f"metadata name {name!r} must match [a-z0-9-]")
        if not value.isascii() or not value.isprintable():
            raise ValueError(f"metadata value for {name!r} must be printable ASCII")
        out[name] = value
    if sum(len(k) + len(v) for k, v in out.items()) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata larger than {MAX_METADATA_BYTES} bytes")
    return out


def check_expiry(expires_s: int) -> int:
    if not 1 <= int(expires_s) <= MAX_PRESIGN_S:
        raise ValueError(f"expires_s must be between 1 and {MAX_PRESIGN_S}")
    return int(expires_s)


def content_disposition(download_name: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    fallback = (
        "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in download_name)
        or "download"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(download_name, safe='')}"


class HashingReader:
    """Wraps a sync reader: counts bytes and SHA-256 as they pass, stops past ``max_bytes``."""

    def __init__(self, reader: Readable | BinaryIO, max_bytes: int | None = None) -> None:
        self._reader = reader
        self._max = max_bytes
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1, /) -> bytes:
        data = self._reader.read(n)
        if data:
            if not isinstance(data, bytes):
                data = bytes(data)
            self.size += len(data)
            if self._max is not None and self.size > self._max:
                raise ObjectTooLarge(self._max)
            self._hash.update(data)
        return data

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class ObjectStore(ABC):
    """A bucket of objects addressed by key. Every method is blocking: from async code run it in a
    worker thread (``put_async_stream`` does that for uploads)."""

    backend: str
    bucket: str

    @abstractmethod
    def ensure_bucket(self) -> None:
        """Create the bucket (or root directory) if missing."""

    @abstractmethod
    def ping(self) -> None:
        """Return if the store is reachable and the bucket exists, else raise ``StorageUnavailable``
        (readiness probes call this)."""

    @abstractmethod
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
        """Stream ``reader`` to ``key`` with bounded memory, computing size and SHA-256 on the way;
        raise ``ObjectTooLarge`` (storing nothing) once more than ``max_bytes`` were read."""

    @abstractmethod
    def stat(self, key: str) -> StoredObject | None:
        """The object's size, digest (when recorded), type and metadata, or None if absent."""

    @abstractmethod
    def iter_bytes(self, key: str, chunk_size: int = 64 * 1024) -> Generator[bytes, None, None]:
        """The object's content as a generator (close it if you stop early); raises
        ``ObjectNotFound`` at the call, not at the first chunk, if the object is absent."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; absent objects are not an error."""

    @abstractmethod
    def copy(self, src: str, dst: str) -> StoredObject:
        """Server-side copy, content and metadata; raise ``ObjectNotFound`` if ``src`` is absent."""

    @abstractmethod
    def presigned_get(self, key: str, *, expires_s: int, download_name: str | None = None) -> str:
        """A URL anyone can GET the object from until it expires."""

    @abstractmethod
    def presigned_put(self, key: str, *, expires_s: int, content_type: str | None = None) -> str:
        """A URL anyone can PUT the object's content to until it expires."""

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
        sha256: str | None = None,
    ) -> StoredObject:
        """The whole object at once; ``sha256`` (the caller's digest of ``data``) lets a backend
        skip hashing it again."""
        return self.put_stream(key, io.BytesIO(data), content_type=content_type, metadata=metadata)

    def read_bytes(self, key: str, *, max_bytes: int) -> bytes:
        """The whole object, refusing (``ObjectTooLarge``) one larger than ``max_bytes``."""
        chunks: list[bytes] = []
        total = 0
        with contextlib.closing(self.iter_bytes(key)) as stream:
            for chunk in stream:
                total += len(chunk)
                if total > max_bytes:
                    raise ObjectTooLarge(max_bytes)
                chunks.append(chunk)
        return b"".join(chunks)
