"""Streaming an async request body into the blocking ``put_stream`` running in a worker thread.

The event loop feeds chunks into a bounded queue (4 chunks by default); the worker reads them
through a sync ``read(n)``. A full queue makes the feeder wait, so memory stays at a few chunks
however large the body. A failing body (client gone) makes ``read`` raise, which aborts the put;
a failing put (too large, store down) stops the feeding.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import threading
from collections.abc import AsyncIterable, Mapping

from peerlab.chassis.storage.base import (
    DEFAULT_CONTENT_TYPE,
    DEFAULT_PART_SIZE,
    ObjectStore,
    StorageError,
    StoredObject,
)

_EOF = object()
_FAILED = object()


class UploadAborted(StorageError):
    """The body being uploaded failed, stalled or was cancelled; nothing was stored."""


class AsyncBodyReader:
    """A sync file-like (``read(n)``) for a worker thread, fed from the event loop.

    Create it on the loop; feed it with ``pump(aiter)`` (or ``feed``/``finish``/``fail``) there,
    and read it in exactly one worker thread. ``peak_buffered_bytes`` records the most body bytes
    it held at once (queued plus the partly read chunk).
    """

    def __init__(self, *, max_chunks: int = 4, read_timeout_s: float = 60.0) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max_chunks)
        self._read_timeout_s = read_timeout_s
        self._lock = threading.Lock()
        self._buffered = 0
        self._chunk = b""
        self._pos = 0
        self._eof = False
        self._error: BaseException | None = None
        self.peak_buffered_bytes = 0
        self.bytes_fed = 0

    # -- event-loop side ---------------------------------------------------------------------
    async def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        chunk = bytes(chunk)
        with self._lock:
            self._buffered += len(chunk)
            self.peak_buffered_bytes = max(self.peak_buffered_bytes, self._buffered)
        self.bytes_fed += len(chunk)
        await self._queue.put(chunk)

    async def finish(self) -> None:
        await self._queue.put(_EOF)

    def fail(self, error: BaseException) -> None:
        """Make the reader raise ``UploadAborted`` (call on the loop); queued chunks are dropped."""
        self._error = error
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_FAILED)

    async def pump(self, chunks: AsyncIterable[bytes]) -> None:
        """Feed every chunk of ``chunks``, then end of body; a failing iterator fails the reader."""
        try:
            async for chunk in chunks:
                await self.feed(chunk)
        except Exception as exc:
            self.fail(exc)
            raise
        await self.finish()

    # -- worker-thread side ------------------------------------------------------------------
    def _take(self) -> object:
        try:
            future = asyncio.run_coroutine_threadsafe(self._queue.get(), self._loop)
        except RuntimeError as exc:  # the loop is closed
            raise UploadAborted("the body's event loop has stopped") from exc
        try:
            return future.result(timeout=self._read_timeout_s)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise UploadAborted(f"no body data for {self._read_timeout_s:.0f} s") from exc

    def read(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            parts = []
            while part := self.read(1 << 20):
                parts.append(part)
            return b"".join(parts)
        while self._pos >= len(self._chunk):
            if self._eof:
                return b""
            item = self._take()
            if item is _EOF:
                self._eof = True
                return b""
            if item is _FAILED:
                raise UploadAborted(f"the body failed: {self._error!r}") from self._error
            self._chunk, self._pos = item, 0  # type: ignore[assignment]
        data = self._chunk[self._pos : self._pos + n]
        self._pos += len(data)
        with self._lock:
            self._buffered -= len(data)
        if self._pos >= len(self._chunk):
            self._chunk, self._pos = b"", 0
        return data


async def put_async_stream(
    store: ObjectStore,
    key: str,
    chunks: AsyncIterable[bytes],
    *,
    content_type: str = DEFAULT_CONTENT_TYPE,
    metadata: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    part_size: int = DEFAULT_PART_SIZE,
    reader: AsyncBodyReader | None = None,
) -> StoredObject:
    """``store.put_stream`` of an async byte stream (e.g. ``request.stream()``) in a worker thread.

    Raises what the put raises (``ObjectTooLarge``, ``StorageUnavailable``, ...) or, if the body
    fails first, the body's own exception. Pass ``reader`` to choose its queue size or observe it.
    """
    loop = asyncio.get_running_loop()
    reader = reader or AsyncBodyReader()
    worker = loop.run_in_executor(
        None,
        functools.partial(
            store.put_stream,
            key,
            reader,
            content_type=content_type,
            metadata=metadata,
            max_bytes=max_bytes,
            part_size=part_size,
        ),
    )
    worker.add_done_callback(lambda f: f.cancelled() or f.exception())  # never "unretrieved"
    pump = asyncio.ensure_future(reader.pump(chunks))
    try:
        done, _ = await asyncio.wait({worker, pump}, return_when=asyncio.FIRST_COMPLETED)
        if pump in done and pump.exception() is not None:
            with contextlib.suppress(Exception):
                await worker  # it ends promptly: the reader raises UploadAborted
            raise pump.exception()  # type: ignore[misc]
        if worker in done and not pump.done():
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
        return await worker
    except asyncio.CancelledError:
        if not pump.done():
            pump.cancel()
        reader.fail(UploadAborted("upload cancelled"))
        raise
