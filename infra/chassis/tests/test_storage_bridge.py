"""The async-body-to-worker-thread bridge, over the real filesystem store."""

from __future__ import annotations

import asyncio
import hashlib
import threading

import pytest

from peerlab.chassis.storage import (
    AsyncBodyReader,
    FilesystemObjectStore,
    ObjectTooLarge,
    UploadAborted,
    put_async_stream,
)

CHUNK = 64 * 1024


@pytest.fixture
def store(tmp_path) -> FilesystemObjectStore:
    s = FilesystemObjectStore(tmp_path, bucket="b", public_base_url="http://x", signing_secret="s")
    s.ensure_bucket()
    return s


async def chunks(count: int, size: int = CHUNK, fail_at: int | None = None, pause=None):
    for i in range(count):
        if i == fail_at:
            raise ConnectionResetError("client went away")
        if pause is not None:
            await pause.wait()
        yield bytes([i % 251]) * size


def test_reader_returns_at_most_n_bytes_and_then_eof():
    async def go():
        reader = AsyncBodyReader(max_chunks=2)
        reads: list[bytes] = []

        def consume():
            while data := reader.read(100):
                reads.append(data)
            reads.append(reader.read(100))  # still EOF

        worker = asyncio.get_running_loop().run_in_executor(None, consume)
        await reader.pump(chunks(3, size=250))
        await worker
        return reads

    reads = asyncio.run(go())
    assert all(len(r) <= 100 for r in reads)
    assert b"".join(reads) == bytes([0]) * 250 + bytes([1]) * 250 + bytes([2]) * 250
    assert reads[-1] == b""


def test_queue_bounds_memory_while_the_consumer_is_slow(store):
    async def go():
        reader = AsyncBodyReader(max_chunks=4)
        obj = await put_async_stream(store, "k", chunks(200), reader=reader, part_size=CHUNK)
        return obj, reader

    obj, reader = asyncio.run(go())
    expected = hashlib.sha256(b"".join(bytes([i % 251]) * CHUNK for i in range(200))).hexdigest()
    assert (obj.size, obj.sha256) == (200 * CHUNK, expected)
    assert reader.bytes_fed == 200 * CHUNK
    assert CHUNK <= reader.peak_buffered_bytes <= 6 * CHUNK


def test_failing_body_raises_its_error_and_stores_nothing(store):
    async def go():
        with pytest.raises(ConnectionResetError):
            await put_async_stream(store, "k", chunks(50, fail_at=20))

    asyncio.run(go())
    assert store.stat("k") is None
    assert list(store.tmp_dir.iterdir()) == []


def test_failing_put_stops_feeding_the_body(store):
    async def go():
        reader = AsyncBodyReader(max_chunks=2)
        with pytest.raises(ObjectTooLarge):
            await put_async_stream(store, "k", chunks(1000), max_bytes=10 * CHUNK, reader=reader)
        return reader

    reader = asyncio.run(go())
    assert reader.bytes_fed < 20 * CHUNK  # stopped soon after the limit, not 1000 chunks later
    assert store.stat("k") is None


def test_cancelled_upload_ends_the_worker_thread(store):
    ended = threading.Event()
    outcome: list[BaseException] = []
    real_put = store.put_stream

    def watched_put(*args, **kwargs):
        try:
            return real_put(*args, **kwargs)
        except BaseException as exc:
            outcome.append(exc)
            raise
        finally:
            ended.set()

    store.put_stream = watched_put  # type: ignore[method-assign]

    async def go():
        pause = asyncio.Event()  # never set: the body stalls after the first chunk
        task = asyncio.create_task(put_async_stream(store, "k", chunks(10, pause=pause)))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert ended.wait(5)
    assert isinstance(outcome[0], UploadAborted)
    assert store.stat("k") is None


def test_stalled_body_times_out(store):
    async def go():
        reader = AsyncBodyReader(read_timeout_s=0.2)
        pause = asyncio.Event()
        with pytest.raises(UploadAborted, match="no body data"):
            await put_async_stream(store, "k", chunks(3, pause=pause), reader=reader)

    asyncio.run(go())
    assert store.stat("k") is None
