"""The filesystem backend on a real directory, and its presigned-URL route through FastAPI."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from peerlab.chassis.errors import install_problem_handlers
from peerlab.chassis.settings import ServiceSettings
from peerlab.chassis.storage import (
    FilesystemObjectStore,
    InvalidObjectKey,
    ObjectNotFound,
    ObjectTooLarge,
    StorageUnavailable,
    filesystem_object_router,
    install_storage_problem_handlers,
    make_object_store,
    storage_unavailable_problem,
)

MiB = 1024 * 1024
SECRET = "test-secret-0123456789abcdef0123456789"


class GeneratedBody:
    """A sync reader of ``size`` deterministic bytes made on demand."""

    def __init__(self, size: int) -> None:
        self.size, self.pos, self.digest = size, 0, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.pos if n < 0 else min(n, self.size - self.pos)
        out = bytearray()
        while len(out) < n:
            out += (hashlib.sha256((self.pos + len(out)).to_bytes(8, "big")).digest() * 64)[: n - len(out)]
        self.pos += len(out)
        self.digest.update(out)
        return bytes(out)


def _make_store(root, base_url="http://testserver", bucket="peerlab") -> FilesystemObjectStore:
    s = FilesystemObjectStore(root, bucket=bucket, public_base_url=base_url, signing_secret=SECRET)
    s.ensure_bucket()
    return s


@pytest.fixture
def store(tmp_path) -> FilesystemObjectStore:
    return _make_store(tmp_path / "objects")


def _app(store: FilesystemObjectStore, max_put_bytes: int = 64 * MiB) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(filesystem_object_router(store, max_put_bytes=max_put_bytes))
    return app


@pytest.fixture
def client(store):
    with TestClient(_app(store, max_put_bytes=MiB)) as c:
        yield c


def _no_temp_files(store: FilesystemObjectStore) -> bool:
    return os.listdir(store.tmp_dir) == []


def test_factory_builds_fs_store_from_settings(tmp_path):
    settings = ServiceSettings(
        storage_backend="fs", storage_fs_root=str(tmp_path), storage_bucket="b", public_base_url="http://svc:8000/"
    )
    s = make_object_store(settings)
    assert isinstance(s, FilesystemObjectStore)
    with pytest.raises(StorageUnavailable):
        s.ping()  # not created yet
    s.ensure_bucket()
    s.ping()
    assert s.presigned_get("k", expires_s=5).startswith("http://svc:8000/v1/objects/")


def test_streamed_put_of_12_mb_records_size_and_sha256(store):
    body = GeneratedBody(12 * MiB)
    obj = store.put_stream(
        "subs/1/v1/big.bin", body, content_type="application/x-ipynb+json", metadata={"Owner": "s123456"}
    )
    assert (obj.size, obj.sha256) == (12 * MiB, body.digest.hexdigest())
    assert store.stat(obj.key) == obj
    assert store.stat(obj.key).metadata == {"owner": "s123456"}
    assert store.path_for(obj.key).stat().st_size == 12 * MiB
    digest = hashlib.sha256()
    for chunk in store.iter_bytes(obj.key, chunk_size=MiB):
        digest.update(chunk)
    assert digest.hexdigest() == obj.sha256
    assert _no_temp_files(store)


def test_max_bytes_abort_leaves_nothing_behind(store):
    store.put_bytes("keep/me", b"old version")
    with pytest.raises(ObjectTooLarge):
        store.put_stream("keep/me", GeneratedBody(3 * MiB), max_bytes=2 * MiB)
    assert store.read_bytes("keep/me", max_bytes=100) == b"old version"  # old object untouched
    with pytest.raises(ObjectTooLarge):
        store.put_stream("new/one", GeneratedBody(3 * MiB), max_bytes=2 * MiB)
    assert store.stat("new/one") is None
    assert _no_temp_files(store)


def test_read_copy_delete(store):
    empty = store.put_bytes("empty", b"")
    assert (empty.size, empty.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert store.read_bytes("empty", max_bytes=0) == b""
    store.put_bytes("a/one", b"x" * 100, content_type="text/plain", metadata={"k": "v"})
    with pytest.raises(ObjectTooLarge):
        store.read_bytes("a/one", max_bytes=99)
    copied = store.copy("a/one", "b/two")
    assert (copied.size, copied.content_type, copied.metadata) == (100, "text/plain", {"k": "v"})
    assert store.stat("b/two") == copied
    store.delete("a/one")
    store.delete("a/one")
    assert store.stat("a/one") is None
    assert not (store.data_dir / "a").exists()  # emptied directories are pruned
    with pytest.raises(ObjectNotFound):
        list(store.iter_bytes("a/one"))
    with pytest.raises(ObjectNotFound):
        store.copy("a/one", "c/three")


@pytest.mark.parametrize(
    "key", ["../escape", "/etc/passwd", "a/../../b", "a//b", "a/./b", "..", "a\\..\\b", "C:/x", "", "nul\x00byte"]
)
def test_traversal_keys_are_refused(store, key):
    for call in (
        lambda: store.put_bytes(key, b"x"),
        lambda: store.stat(key),
        lambda: store.delete(key),
        lambda: store.presigned_get(key, expires_s=5),
        lambda: store.presigned_put(key, expires_s=5),
        lambda: store.path_for(key),
    ):
        with pytest.raises(InvalidObjectKey):
            call()
    assert list(store.base.parent.iterdir()) == [store.base]


def test_symlink_out_of_the_store_is_refused(store, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (store.data_dir / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidObjectKey):
        store.put_bytes("link/evil", b"x")
    assert list(outside.iterdir()) == []


def test_presigned_get_serves_the_file_with_download_name(store, client):
    store.put_bytes("dl/report.pdf", b"%PDF-1.7 body", content_type="application/pdf")
    url = store.presigned_get("dl/report.pdf", expires_s=60, download_name="Rapport æøå.pdf")
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.content == b"%PDF-1.7 body"
    assert resp.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''Rapport%20%C3%A6%C3%B8%C3%A5.pdf" in resp.headers["content-disposition"]
    plain = client.get(store.presigned_get("dl/report.pdf", expires_s=60))
    assert plain.status_code == 200 and "content-disposition" not in plain.headers
    missing = client.get(store.presigned_get("dl/none", expires_s=60))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_presigned_put_streams_body_to_the_key(store, client):
    url = store.presigned_put("up/notes.txt", expires_s=60, content_type="text/plain")

    def body():
        for i in range(10):
            yield bytes([65 + i]) * 1000

    resp = client.put(url, content=body())
    assert resp.status_code == 200
    obj = store.stat("up/notes.txt")
    expected = b"".join(body())
    assert (obj.size, obj.content_type) == (10_000, "text/plain")
    assert obj.sha256 == hashlib.sha256(expected).hexdigest()
    assert resp.headers["etag"] == f'"{obj.sha256}"'
    assert store.read_bytes("up/notes.txt", max_bytes=10_000) == expected


def test_presigned_put_over_the_cap_is_refused(store, client):
    url = store.presigned_put("up/huge.bin", expires_s=60)
    declared = client.put(url, content=b"x" * (MiB + 1))
    assert declared.status_code == 413 and declared.json()["code"] == "too_large"

    def chunked():  # no Content-Length: the cap is enforced while streaming
        for _ in range(3):
            yield b"y" * (MiB // 2)

    streamed = client.put(url, content=chunked())
    assert streamed.status_code == 413
    assert store.stat("up/huge.bin") is None
    assert _no_temp_files(store)


def _assert_refused(resp) -> None:
    assert resp.status_code == 403
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == "invalid_signature"


def test_tampered_expired_and_misused_tokens_are_refused(store, client, tmp_path):
    store.put_bytes("secret/a", b"A")
    store.put_bytes("secret/b", b"B")
    url = store.presigned_get("secret/a", expires_s=60)
    base, token = url.rsplit("/", 1)
    payload, mac = token.split(".")
    other_payload = store.presigned_get("secret/b", expires_s=60).rsplit("/", 1)[1].split(".")[0]
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    for bad in (f"{other_payload}.{mac}", f"{payload}.{flipped}", payload, "x.y", "....", "%20"):
        _assert_refused(client.get(f"{base}/{bad}"))
    # expired: signed ten seconds ago for five
    old = store.signer.sign("GET", "secret/a", expires_s=5, now=time.time() - 10)
    _assert_refused(client.get(f"{base}/{old}"))
    # a GET token does not allow a PUT, nor a PUT token a GET
    _assert_refused(client.put(url, content=b"overwrite"))
    _assert_refused(client.get(store.presigned_put("secret/a", expires_s=60)))
    # same secret, other bucket: refused
    other = _make_store(tmp_path / "objects", bucket="other")
    _assert_refused(client.get(other.presigned_get("secret/a", expires_s=60)))
    # another secret: refused
    foreign = FilesystemObjectStore(
        tmp_path / "objects", bucket="peerlab", public_base_url="http://testserver", signing_secret="other"
    )
    _assert_refused(client.get(foreign.presigned_get("secret/a", expires_s=60)))
    assert store.read_bytes("secret/a", max_bytes=10) == b"A"


def test_presigned_url_expires(store, client):
    store.put_bytes("short/lived", b"soon gone")
    url = store.presigned_get("short/lived", expires_s=1)
    assert client.get(url).status_code == 200
    time.sleep(2)
    _assert_refused(client.get(url))


def test_12_mb_put_and_get_over_real_http(store, tmp_path):
    """Through uvicorn on loopback, so the PUT body arrives as a real chunked stream."""
    config = uvicorn.Config(_app(store), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        store.public_base_url = f"http://127.0.0.1:{port}"

        body = GeneratedBody(12 * MiB)

        def chunks():
            while data := body.read(256 * 1024):
                yield data

        with httpx.Client(timeout=30) as http:
            put = http.put(
                store.presigned_put("http/big.bin", expires_s=60),
                content=chunks(),
                headers={"Content-Type": "application/zip"},
            )
            assert put.status_code == 200
            obj = store.stat("http/big.bin")
            assert (obj.size, obj.sha256, obj.content_type) == (12 * MiB, body.digest.hexdigest(), "application/zip")
            digest = hashlib.sha256()
            with http.stream("GET", store.presigned_get("http/big.bin", expires_s=60)) as got:
                assert got.status_code == 200
                for chunk in got.iter_bytes():
                    digest.update(chunk)
            assert digest.hexdigest() == obj.sha256
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_storage_outage_is_a_503_problem(store, client):
    shutil.rmtree(store.base)
    with pytest.raises(StorageUnavailable):
        store.ping()
    resp = client.put(store.presigned_put("k", expires_s=60), content=b"x")
    assert resp.status_code == 503
    assert resp.json()["code"] == "storage_unavailable"
    assert resp.headers["retry-after"] == "5"


def test_storage_problem_handlers_map_errors(store):
    app = FastAPI()
    install_problem_handlers(app)
    install_storage_problem_handlers(app)

    @app.get("/down")
    def down():
        raise StorageUnavailable("store down")

    @app.get("/missing")
    def missing():
        return store.read_bytes("none", max_bytes=10)

    @app.get("/big")
    def big():
        store.put_bytes("big", b"x" * 20)
        return store.read_bytes("big", max_bytes=10)

    problem = storage_unavailable_problem()
    assert (problem.status, problem.code, problem.headers) == (503, "storage_unavailable", {"Retry-After": "5"})
    with TestClient(app) as c:
        assert c.get("/down").status_code == 503
        assert c.get("/down").json()["code"] == "storage_unavailable"
        assert c.get("/missing").status_code == 404
        assert c.get("/big").json()["code"] == "too_large"
