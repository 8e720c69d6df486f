"""The typed rejection and the non-fatal warning every validator produces."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Rejection codes (machine-readable; clients switch on these, never on the message).
WRONG_FILE_TYPE = "wrong_file_type"
FILE_NAME_RULE = "file_name_rule"
NOT_JSON = "not_json"
INVALID_NOTEBOOK = "invalid_notebook"
TOO_LARGE = "too_large"
TOO_COMPLEX = "too_complex"
EMPTY_FILE = "empty_file"
INVALID_PDF = "invalid_pdf"
TOO_MANY_PAGES = "too_many_pages"
MISSING_REPOSITORY_URL = "missing_repository_url"
UNSAFE_FILE_NAME = "unsafe_file_name"
TOO_MANY_FILES = "too_many_files"
NO_FILE = "no_file"

# Warning codes: the upload is accepted, the student is told.
PAGE_LIMIT_EXCEEDED = "page_limit_exceeded"
PAGE_SIZE_MISMATCH = "page_size_mismatch"
SECTIONS_MISSING = "sections_missing"
MISSING_CELL_IDS = "missing_cell_ids"
DUPLICATE_CELL_IDS = "duplicate_cell_ids"
EMPTY_NOTEBOOK = "empty_notebook"

_STATUS = {TOO_LARGE: 413}


class ValidationFailure(Exception):
    """An upload is rejected. ``code`` is stable; ``message`` is for people.

    ``status`` is the HTTP status a router should answer with: 413 for ``too_large``,
    422 for everything else. The exception pickles, so it can cross a process pool.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else _STATUS.get(code, 422)
        self.details = dict(details or {})

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message, self.status, self.details))

    def __repr__(self) -> str:
        return f"ValidationFailure(code={self.code!r}, message={self.message!r}, status={self.status})"


class ValidationWarning(BaseModel):
    """Something the student should hear about that does not reject the upload."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
