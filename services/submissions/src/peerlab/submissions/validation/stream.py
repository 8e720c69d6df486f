"""Checks that run while an upload's body arrives, before the whole file exists."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

from .errors import EMPTY_FILE, TOO_LARGE, ValidationFailure
from .rules import AssignmentFileRules
from .sniff import SNIFF_BYTES, SniffedKind, sniff_kind
from .upload import check_sniffed


class StreamSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    size: int
    sha256: str
    head: bytes
    sniffed: SniffedKind


class StreamGuard:
    """Feed it every chunk of an upload as it is streamed to storage.

    It hashes (SHA-256) and counts incrementally, raises ``too_large`` as soon as the
    size passes ``max_bytes`` (the caller aborts the upload), keeps the first bytes for
    sniffing and, with ``kind_rules``, rejects a file whose first bytes are of the wrong
    kind (a PDF sent as a notebook) once those bytes have arrived. After a failure every
    further call raises the same failure.
    """

    def __init__(self, *, max_bytes: int, kind_rules: AssignmentFileRules | None = None) -> None:
        self.max_bytes = max_bytes
        self._rules = kind_rules
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = bytearray()
        self._sniff_checked = False
        self._failure: ValidationFailure | None = None

    @classmethod
    def for_rules(cls, kind_rules: AssignmentFileRules) -> StreamGuard:
        return cls(max_bytes=kind_rules.max_bytes, kind_rules=kind_rules)

    @property
    def size(self) -> int:
        return self._size

    def feed(self, chunk: bytes) -> None:
        if self._failure is not None:
            raise self._failure
        self._size += len(chunk)
        if self._size > self.max_bytes:
            self._fail(
                ValidationFailure(
                    TOO_LARGE,
                    f"The file is larger than {self.max_bytes} bytes.",
                    details={"limit": "max_bytes", "max": self.max_bytes, "found_at_least": self._size},
                )
            )
        self._take(chunk)
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
            if len(self._head) >= SNIFF_BYTES:
                self._check_kind()

    def _take(self, chunk: bytes) -> None:
        self._hash.update(chunk)

    def _finish_checks(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._size == 0:
            self._fail(ValidationFailure(EMPTY_FILE, "The file is empty."))
        self._check_kind()

    def finish(self) -> StreamSummary:
        """Call after the last chunk; raises ``empty_file`` for a zero-byte upload."""
        self._finish_checks()
        head = bytes(self._head)
        return StreamSummary(size=self._size, sha256=self._hash.hexdigest(), head=head, sniffed=sniff_kind(head))

    def _check_kind(self) -> None:
        if self._sniff_checked or self._rules is None:
            return
        self._sniff_checked = True
        try:
            check_sniffed(kind_rules=self._rules, head=bytes(self._head))
        except ValidationFailure as failure:
            self._fail(failure)

    def _fail(self, failure: ValidationFailure) -> None:
        self._failure = failure
        raise failure


class BodyBuffer(StreamGuard):
    """The same checks as ``StreamGuard``, keeping the bytes instead of hashing them: one buffer,
    allocated once from the declared length (``size_hint``, bounded by ``max_bytes``) and filled in
    place, so a file is copied once on its way in (no joining of pieces)."""

    def __init__(
        self, *, max_bytes: int, kind_rules: AssignmentFileRules | None = None, size_hint: int | None = None
    ) -> None:
        super().__init__(max_bytes=max_bytes, kind_rules=kind_rules)
        self._buffer = bytearray(min(size_hint, max_bytes) if size_hint and size_hint > 0 else 0)
        self._view = memoryview(self._buffer)

    def _take(self, chunk: bytes) -> None:
        start = self._size - len(chunk)
        if self._size <= len(self._buffer):
            self._view[start : self._size] = chunk
            return
        self._view.release()  # more than declared (multipart's length is an upper bound, not this)
        del self._buffer[start:]
        self._buffer += chunk
        self._view = memoryview(self._buffer)

    def finish_bytes(self) -> bytes:
        """Call after the last chunk: the file's bytes (``empty_file`` for a zero-byte upload)."""
        self._finish_checks()
        data = bytes(self._view[: self._size])
        self._view.release()
        self._buffer = bytearray()
        return data
