"""Checks that run while an upload streams to storage, before the whole file exists."""

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
            self._fail(ValidationFailure(
                TOO_LARGE,
                f"The file is larger than {self.max_bytes} bytes.",
                details={"limit": "max_bytes", "max": self.max_bytes, "found_at_least": self._size},
            ))
        self._hash.update(chunk)
        if len(self._head) < SNIFF_BYTES:
            self._head += chunk[: SNIFF_BYTES - len(self._head)]
            if len(self._head) >= SNIFF_BYTES:
                self._check_kind()

    def finish(self) -> StreamSummary:
        """Call after the last chunk; raises ``empty_file`` for a zero-byte upload."""
        if self._failure is not None:
            raise self._failure
        if self._size == 0:
            self._fail(ValidationFailure(EMPTY_FILE, "The file is empty."))
        self._check_kind()
        head = bytes(self._head)
        return StreamSummary(
            size=self._size, sha256=self._hash.hexdigest(), head=head, sniffed=sniff_kind(head)
        )

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
