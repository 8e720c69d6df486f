"""The embedded (dev) backend: objects as files under ``<root>/<bucket>/data/<key>``.

Each put streams into ``tmp/`` on the same filesystem and is renamed into place, so readers see
the old object or the new one, never half of one. Digest, content type and metadata live in a
JSON sidecar under ``meta/`` named by the key's hash (no key can collide with a sidecar).
Presigned URLs point at the service's own route (see ``router.filesystem_object_router``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import BinaryIO

from peerlab.chassis.storage.base import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_PART_SIZE,
    HashingReader,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectStore,
    Readable,
    StorageUnavailable,
    StoredObject,
    normalize_metadata,
    validate_key,
)
from peerlab.chassis.storage.signing import UrlSigner

OBJECT_ROUTE = "/v1/objects"
_WRITE_CHUNK = 1024 * 1024


class FilesystemObjectStore(ObjectStore):
    backend = "fs"

    def __init__(
        self, root: str | os.PathLike[str], *, bucket: str, public_base_url: str, signing_secret: str | bytes
    ) -> None:
        self.bucket = bucket
        self.base = Path(root).absolute() / bucket
        self.data_dir = self.base / "data"
        self.meta_dir = self.base / "meta"
        self.tmp_dir = self.base / "tmp"
        self.public_base_url = public_base_url.rstrip("/")
        self.signer = UrlSigner(signing_secret, bucket=bucket)

    # -- paths -------------------------------------------------------------------------------
    def path_for(self, key: str) -> Path:
        """The data file of ``key``; refuses keys that would leave the data directory."""
        validate_key(key)
        path = self.data_dir.joinpath(*key.split("/"))
        real_root = os.path.realpath(self.data_dir)
        if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
            raise InvalidObjectKey("object key resolves outside the store")
        return path

    def _meta_path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.meta_dir / digest[:2] / f"{digest}.json"

    def _tmp_file(self) -> tuple[int, str]:
        return tempfile.mkstemp(dir=self.tmp_dir, prefix="put-", suffix=".part")

    # -- lifecycle ---------------------------------------------------------------------------
    def ensure_bucket(self) -> None:
        for d in (self.data_dir, self.meta_dir, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)

    def ping(self) -> None:
        for d in (self.data_dir, self.meta_dir, self.tmp_dir):
            if not d.is_dir() or not os.access(d, os.R_OK | os.W_OK | os.X_OK):
                raise StorageUnavailable(f"object store directory {d} is missing or not writable")

    # -- writes ------------------------------------------------------------------------------
    def _write_meta(self, key: str, obj: StoredObject) -> None:
        meta_path = self._meta_path(key)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = self._tmp_file()
        with os.fdopen(fd, "w") as fh:
            json.dump(
                {
                    "key": key,
                    "size": obj.size,
                    "sha256": obj.sha256,
                    "content_type": obj.content_type,
                    "metadata": obj.metadata,
                },
                fh,
            )
        os.replace(tmp, meta_path)

    def _install(self, tmp: str, key: str, obj: StoredObject) -> None:
        path = self.path_for(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, path)
        except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
            raise InvalidObjectKey(f"object key {key!r} conflicts with another key's path") from exc
        self._write_meta(key, obj)

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
        self.path_for(key)
        meta = normalize_metadata(metadata)
        hashing = HashingReader(reader, max_bytes)
        try:
            fd, tmp = self._tmp_file()
        except FileNotFoundError as exc:
            raise StorageUnavailable(f"object store directory {self.tmp_dir} is missing") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := hashing.read(min(part_size, _WRITE_CHUNK)):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            obj = StoredObject(key, hashing.size, hashing.sha256, content_type or DEFAULT_CONTENT_TYPE, meta)
            self._install(tmp, key, obj)
            return obj
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        for p in (path, self._meta_path(key)):
            try:
                p.unlink()
            except (FileNotFoundError, IsADirectoryError):
                pass
        # Drop directories the key left empty, never the data directory itself.
        parent = path.parent
        while parent != self.data_dir and parent.is_relative_to(self.data_dir):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def copy(self, src: str, dst: str) -> StoredObject:
        source = self.stat(src)
        if source is None:
            raise ObjectNotFound(src)
        self.path_for(dst)
        fd, tmp = self._tmp_file()
        os.close(fd)
        try:
            shutil.copyfile(self.path_for(src), tmp)
            obj = StoredObject(dst, source.size, source.sha256, source.content_type, dict(source.metadata))
            self._install(tmp, dst, obj)
            return obj
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    # -- reads -------------------------------------------------------------------------------
    def stat(self, key: str) -> StoredObject | None:
        path = self.path_for(key)
        try:
            size = path.stat().st_size if path.is_file() else None
        except FileNotFoundError:
            size = None
        if size is None:
            return None
        try:
            meta = json.loads(self._meta_path(key).read_text())
        except (FileNotFoundError, ValueError):
            meta = {}
        # A sidecar for a different size belongs to a put still being installed: no digest then.
        sha = meta.get("sha256") if meta.get("size") == size else None
        return StoredObject(
            key, size, sha, meta.get("content_type") or DEFAULT_CONTENT_TYPE, dict(meta.get("metadata") or {})
        )

    def iter_bytes(self, key: str, chunk_size: int = 64 * 1024) -> Generator[bytes, None, None]:
        path = self.path_for(key)
        try:
            fh = open(path, "rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        return _iter_file(fh, chunk_size)

    # -- URLs --------------------------------------------------------------------------------
    def presigned_get(self, key: str, *, expires_s: int, download_name: str | None = None) -> str:
        token = self.signer.sign("GET", key, expires_s=expires_s, download_name=download_name)
        return f"{self.public_base_url}{OBJECT_ROUTE}/{token}"

    def presigned_put(self, key: str, *, expires_s: int, content_type: str | None = None) -> str:
        token = self.signer.sign("PUT", key, expires_s=expires_s, content_type=content_type)
        return f"{self.public_base_url}{OBJECT_ROUTE}/{token}"


def _iter_file(fh: BinaryIO, chunk_size: int) -> Generator[bytes, None, None]:
    with fh:
        while chunk := fh.read(chunk_size):
            yield chunk
