"""The S3 backend against a real moto S3 server over loopback."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from peerlab.chassis.settings import ServiceSettings
from peerlab.chassis.storage import (
    AsyncBodyReader,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectTooLarge,
    S3ObjectStore,
    StorageUnavailable,
    make_object_store,
    put_async_stream,
)
from peerlab.local.launchers.moto_s3 import MotoS3Server

MiB = 1024 * 1024
CHUNK = 64 * 1024


class GeneratedBody:
    """A sync reader of ``size`` deterministic bytes made on demand (never held whole)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pos = 0
        self.digest = hashlib.sha256()
        self.largest_read = 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.pos if n < 0 else min(n, self.size - self.pos)
        out = bytearray()
        while len(out) < n:
            block = hashlib.sha256((self.pos + len(out)).to_bytes(8, "big")).digest() * 64
            out += block[: n - len(out)]
        self.pos += len(out)
        self.digest.update(out)
        self.largest_read = max(self.largest_read, len(out))
        return bytes(out)


async def async_chunks(size: int, chunk: int = CHUNK, fail_after: int | None = None):
    """``size`` bytes as async chunks, like ``request.stream()``; optionally fail midway."""
    body = GeneratedBody(size)
    sent = 0
    while data := body.read(chunk):
        if fail_after is not None and sent >= fail_after:
            raise ConnectionResetError("client went away")
        sent += len(data)
        yield data
        await asyncio.sleep(0)


@pytest.fixture(scope="module")
def moto():
    server = MotoS3Server().start()
    yield server
    server.stop()


def _store(endpoint: str) -> S3ObjectStore:
    return S3ObjectStore(
        endpoint, bucket=f"test-{uuid.uuid4().hex[:12]}", access_key="peerlab", secret_key="peerlab-secret"
    )


@pytest.fixture
def store(moto) -> S3ObjectStore:
    s = _store(moto.endpoint)
    s.ensure_bucket()
    return s


def _open_multipart_uploads(moto: MotoS3Server, bucket: str) -> list:
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.url,
        aws_access_key_id="peerlab",
        aws_secret_access_key="peerlab-secret",
        region_name="us-east-1",
    )
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


def test_factory_builds_s3_store_from_settings(moto):
    settings = ServiceSettings(storage_backend="s3", storage_s3_endpoint=moto.endpoint, storage_bucket="factory-bucket")
    s = make_object_store(settings)
    assert isinstance(s, S3ObjectStore) and s.bucket == "factory-bucket"
    s.ensure_bucket()
    s.ensure_bucket()  # idempotent
    s.ping()


def test_multipart_put_of_12_mb_stream_records_size_and_sha256(store):
    body = GeneratedBody(12 * MiB)
    obj = store.put_stream(
        "subs/1/v1/big.bin", body, content_type="application/x-notebook", metadata={"Owner": "s123456"}
    )
    assert obj.size == 12 * MiB
    assert obj.sha256 == body.digest.hexdigest()
    # Multipart: S3's ETag of a 3-part upload ends in "-3" (5 + 5 + 2 MiB).
    assert store.client.stat_object(store.bucket, obj.key).etag.endswith("-3")
    stat = store.stat(obj.key)
    assert stat == obj
    assert stat.metadata == {"owner": "s123456"}
    digest = hashlib.sha256()
    for chunk in store.iter_bytes(obj.key, chunk_size=MiB):
        digest.update(chunk)
    assert digest.hexdigest() == obj.sha256


def test_async_stream_of_12_mb_keeps_only_a_few_chunks_buffered(store):
    async def go():
        reader = AsyncBodyReader(max_chunks=4)
        obj = await put_async_stream(
            store, "async/big.bin", async_chunks(12 * MiB), content_type="application/octet-stream", reader=reader
        )
        return obj, reader

    obj, reader = asyncio.run(go())
    expected = GeneratedBody(12 * MiB)
    expected.read()
    assert obj.size == 12 * MiB and obj.sha256 == expected.digest.hexdigest()
    assert reader.bytes_fed == 12 * MiB
    # 4 queued chunks, one waiting to be queued, one being read: never the whole body.
    assert 0 < reader.peak_buffered_bytes <= 6 * CHUNK
    assert store.stat("async/big.bin").sha256 == obj.sha256


def test_max_bytes_abort_leaves_no_object_and_no_open_upload(store, moto):
    with pytest.raises(ObjectTooLarge):
        store.put_stream("too/big.bin", GeneratedBody(12 * MiB), max_bytes=7 * MiB)
    assert store.stat("too/big.bin") is None
    assert _open_multipart_uploads(moto, store.bucket) == []
    with pytest.raises(ObjectTooLarge):  # single-part path (under one part)
        store.put_stream("too/small.bin", GeneratedBody(1000), max_bytes=999)
    assert store.stat("too/small.bin") is None


def test_async_max_bytes_stops_feeding_the_body(store, moto):
    async def go():
        reader = AsyncBodyReader()
        with pytest.raises(ObjectTooLarge):
            await put_async_stream(store, "too/async.bin", async_chunks(12 * MiB), max_bytes=6 * MiB, reader=reader)
        return reader

    reader = asyncio.run(go())
    assert reader.bytes_fed < 7 * MiB
    assert store.stat("too/async.bin") is None
    assert _open_multipart_uploads(moto, store.bucket) == []


def test_failing_body_aborts_the_upload(store, moto):
    async def go():
        with pytest.raises(ConnectionResetError):
            await put_async_stream(store, "broken.bin", async_chunks(12 * MiB, fail_after=7 * MiB))

    asyncio.run(go())
    assert store.stat("broken.bin") is None
    assert _open_multipart_uploads(moto, store.bucket) == []


def test_presigned_get_serves_content_with_download_name(store):
    store.put_bytes("dl/report.pdf", b"%PDF-1.7 body", content_type="application/pdf")
    url = store.presigned_get("dl/report.pdf", expires_s=60, download_name="Rapport æøå.pdf")
    resp = httpx.get(url)
    assert resp.status_code == 200
    assert resp.content == b"%PDF-1.7 body"
    assert "filename*=UTF-8''Rapport%20%C3%A6%C3%B8%C3%A5.pdf" in resp.headers["content-disposition"]


def test_presigned_put_uploads_and_stat_sees_it(store):
    url = store.presigned_put("up/notes.txt", expires_s=60, content_type="text/plain")
    resp = httpx.put(url, content=b"hello world", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 200
    obj = store.stat("up/notes.txt")
    assert obj is not None
    assert (obj.size, obj.content_type, obj.sha256) == (11, "text/plain", None)
    assert store.read_bytes("up/notes.txt", max_bytes=100) == b"hello world"


def test_presigned_url_is_signed_for_its_expiry(store):
    """moto does not enforce presigned-URL expiry (MinIO does), so this checks what the URL asks
    for; the filesystem backend's tests check that an expired URL is refused."""
    url = store.presigned_get("any/key", expires_s=1)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["1"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 300
    with pytest.raises(ValueError):
        store.presigned_put("any/key", expires_s=8 * 24 * 3600)


def test_read_copy_delete(store):
    empty = store.put_bytes("empty", b"")
    assert (empty.size, empty.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert store.read_bytes("empty", max_bytes=0) == b""
    store.put_bytes("a/one", b"x" * 100, content_type="text/plain", metadata={"k": "v"})
    with pytest.raises(ObjectTooLarge):
        store.read_bytes("a/one", max_bytes=99)
    copied = store.copy("a/one", "b/two")
    assert (copied.size, copied.content_type, copied.metadata) == (100, "text/plain", {"k": "v"})
    assert copied.sha256 == hashlib.sha256(b"x" * 100).hexdigest()
    store.delete("a/one")
    store.delete("a/one")  # absent is fine
    assert store.stat("a/one") is None
    with pytest.raises(ObjectNotFound):
        list(store.iter_bytes("a/one"))
    with pytest.raises(ObjectNotFound):
        store.copy("a/one", "c/three")


def test_keys_with_traversal_are_refused(store):
    for key in ("../etc/passwd", "/abs", "a/../b", "a//b", "a/./b", ""):
        with pytest.raises(InvalidObjectKey):
            store.put_bytes(key, b"x")
        with pytest.raises(InvalidObjectKey):
            store.presigned_get(key, expires_s=10)


def test_outage_raises_storage_unavailable():
    server = MotoS3Server().start()
    try:
        s = _store(server.endpoint)
        s.ensure_bucket()
        s.put_bytes("k", b"before the outage")
    finally:
        server.stop()
    # How fast an outage is detected is pinned by the attempt count (test below), not by a clock.
    with pytest.raises(StorageUnavailable):
        s.ping()
    for call in (
        lambda: s.stat("k"),
        lambda: s.read_bytes("k", max_bytes=100),
        lambda: s.put_bytes("k2", b"x"),
        lambda: s.delete("k"),
        s.ensure_bucket,
    ):
        with pytest.raises(StorageUnavailable):
            call()
    with pytest.raises(StorageUnavailable):
        asyncio.run(put_async_stream(s, "k3", async_chunks(MiB)))


def test_outage_is_retried_only_once():
    """A server that accepts and hangs up at once: the client tries twice, then gives up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted = []
    stop = threading.Event()

    def serve() -> None:
        deadline = time.monotonic() + 20
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        s = _store(f"127.0.0.1:{listener.getsockname()[1]}")
        with pytest.raises(StorageUnavailable):
            s.ping()
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    assert len(accepted) == 2


def test_missing_bucket_is_not_ready(moto):
    s = _store(moto.endpoint)
    with pytest.raises(StorageUnavailable, match="does not exist"):
        s.ping()
