"""Reading an upload's body as it arrives: a raw body, or ``multipart/form-data`` with one file.

Nothing is spooled: Starlette's ``request.form()`` would write large parts to temporary files,
so multipart bodies are parsed incrementally here (python-multipart's push parser) and only the
file part's bytes are passed on, chunk by chunk, into the hand-in's one buffer. A second file part fails
the upload with ``too_many_files`` the moment its headers arrive.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header
from python_multipart.exceptions import MultipartParseError

from peerlab.chassis.errors import ProblemError
from peerlab.submissions.validation import BodyBuffer, ValidationFailure
from peerlab.submissions.validation.errors import NO_FILE, TOO_MANY_FILES

MAX_FIELD_BYTES = 64 * 1024
STALL_S = 60.0


def malformed(detail: str) -> ProblemError:
    return ProblemError(400, "malformed_body", detail)


class RawBody:
    """The whole body is the file; its name comes from the ``file_name`` query parameter."""

    def __init__(self, stream: AsyncIterator[bytes], file_name: str | None) -> None:
        self._stream = stream
        self._file_name = file_name

    async def start(self) -> str:
        if not self._file_name:
            raise ValidationFailure(NO_FILE, "Name the file: ?file_name=..., or send multipart/form-data.")
        return self._file_name

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            if chunk:
                yield chunk


class MultipartBody:
    """Exactly one file part (any field name); other fields are read and ignored (bounded)."""

    def __init__(self, stream: AsyncIterator[bytes], boundary: bytes) -> None:
        self._stream = stream.__aiter__()
        self._events: deque[tuple[str, object]] = deque()
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._in_file = False
        self._files = 0
        self._field_bytes = 0
        self._eof = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
            },
        )

    # parser callbacks (synchronous, called from write())
    def _part_begin(self) -> None:
        self._headers, self._in_file = {}, False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        filename = options.get(b"filename")
        if filename is None:
            return
        self._files += 1
        if self._files > 1:
            raise ValidationFailure(
                TOO_MANY_FILES,
                "Upload exactly one file per hand-in.",
                details={"max": 1, "found_at_least": self._files},
            )
        self._in_file = True
        self._events.append(("file", filename.decode("utf-8", errors="replace")))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._events.append(("data", bytes(data[start:end])))
            return
        self._field_bytes += end - start
        if self._field_bytes > MAX_FIELD_BYTES:
            raise malformed("Form fields other than the file are limited to 64 KiB.")

    async def _next_event(self) -> tuple[str, object] | None:
        while not self._events:
            if self._eof:
                return None
            try:
                chunk = await self._stream.__anext__()
            except StopAsyncIteration:
                self._eof = True
                self._finalize()
                continue
            try:
                self._parser.write(chunk)
            except MultipartParseError as exc:
                raise malformed(f"The multipart body is malformed: {exc}") from None
        return self._events.popleft()

    def _finalize(self) -> None:
        try:
            self._parser.finalize()
        except MultipartParseError as exc:
            raise malformed(f"The multipart body is malformed: {exc}") from None

    async def start(self) -> str:
        """Read up to the file part's headers and return its file name."""
        while True:
            event = await self._next_event()
            if event is None:
                raise ValidationFailure(NO_FILE, "The form carries no file.")
            if event[0] == "file":
                return str(event[1])

    async def chunks(self) -> AsyncIterator[bytes]:
        while (event := await self._next_event()) is not None:
            if event[0] == "data" and event[1]:
                yield event[1]  # type: ignore[misc]


def body_for(content_type: str, stream: AsyncIterator[bytes], file_name: str | None) -> RawBody | MultipartBody:
    media, options = parse_options_header(content_type or "")
    if media == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise malformed("multipart/form-data without a boundary")
        return MultipartBody(stream, boundary)
    return RawBody(stream, file_name)


async def read_into(chunks: AsyncIterator[bytes], buffer: BodyBuffer, *, stall_s: float = STALL_S) -> bytes:
    """The whole file, fed through ``buffer`` (size limit and first-bytes kind checked as it
    arrives); a body that sends nothing for ``stall_s`` is ``408 upload_timeout``."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout_at(loop.time() + stall_s) as limit:
            async for chunk in chunks:
                buffer.feed(chunk)
                limit.reschedule(loop.time() + stall_s)
    except TimeoutError:
        raise ProblemError(408, "upload_timeout", f"The upload stalled: no data for {stall_s:g} s.") from None
    return buffer.finish_bytes()
