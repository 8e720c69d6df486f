"""One entry point for a whole hand-in: name, count, size, bytes, content."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

from .errors import (
    EMPTY_FILE,
    FILE_NAME_RULE,
    INVALID_PDF,
    NO_FILE,
    NOT_JSON,
    TOO_LARGE,
    TOO_MANY_FILES,
    WRONG_FILE_TYPE,
    ValidationFailure,
    ValidationWarning,
)
from .file_names import file_extension, safe_file_name
from .notebook import NotebookReport, validate_notebook
from .pdf import PdfReport, validate_pdf
from .rules import AssignmentFileRules, AssignmentKind, ContentKind
from .sniff import SNIFF_BYTES, sniff_kind


class ValidationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    file_name: str
    kind: AssignmentKind
    content: ContentKind
    size: int
    sha256: str
    warnings: tuple[ValidationWarning, ...] = ()
    report: NotebookReport | PdfReport


def check_file_count(*, kind_rules: AssignmentFileRules, count: int) -> None:
    """Exactly one file per hand-in (``max_files``): none is ``no_file``, more is ``too_many_files``."""
    if count < 1:
        raise ValidationFailure(NO_FILE, "No file was uploaded.")
    if count > kind_rules.max_files:
        raise ValidationFailure(
            TOO_MANY_FILES,
            f"Upload exactly {kind_rules.max_files} file(s); {count} were sent.",
            details={"max": kind_rules.max_files, "found": count},
        )


def check_file_name(*, kind_rules: AssignmentFileRules, file_name: str) -> str:
    """The safe name, if it also has an allowed extension and the required text.

    Cheap and byte-free, so a router can call it before streaming anything.
    """
    name = safe_file_name(file_name)
    extension = file_extension(name)
    if extension not in kind_rules.allowed_extensions:
        allowed = ", ".join(kind_rules.allowed_extensions)
        raise ValidationFailure(
            WRONG_FILE_TYPE,
            f"Only {allowed} files are accepted; got {extension or 'no extension'!s}.",
            details={"allowed": list(kind_rules.allowed_extensions), "found": extension},
        )
    required = kind_rules.name_must_contain
    if required and required not in name:
        raise ValidationFailure(
            FILE_NAME_RULE,
            f"The file name must contain {required!r} (upper case).",
            details={"must_contain": required},
        )
    return name


def check_size(*, kind_rules: AssignmentFileRules, size: int) -> None:
    if size == 0:
        raise ValidationFailure(EMPTY_FILE, "The file is empty.")
    if size > kind_rules.max_bytes:
        raise ValidationFailure(
            TOO_LARGE,
            f"The file is larger than {kind_rules.max_bytes} bytes.",
            details={"limit": "max_bytes", "max": kind_rules.max_bytes, "found": size},
        )


def check_sniffed(*, kind_rules: AssignmentFileRules, head: bytes) -> None:
    """The bytes decide what a file is; a declared content type is never consulted."""
    sniffed = sniff_kind(head[:SNIFF_BYTES])
    if kind_rules.content == "notebook" and sniffed != "json":
        what = "a PDF" if sniffed == "pdf" else "not JSON"
        raise ValidationFailure(NOT_JSON, f"The file is {what}; a notebook is JSON text.")
    if kind_rules.content == "pdf" and sniffed != "pdf":
        what = " (it is JSON, perhaps a notebook)" if sniffed == "json" else ""
        raise ValidationFailure(INVALID_PDF, f"The file is not a PDF{what}.")


def validate_upload(*, kind_rules: AssignmentFileRules, file_name: str, data: bytes) -> ValidationResult:
    """Validate one uploaded file against its assignment's rules; raise ``ValidationFailure``."""
    name = check_file_name(kind_rules=kind_rules, file_name=file_name)
    check_size(kind_rules=kind_rules, size=len(data))
    check_sniffed(kind_rules=kind_rules, head=data[:SNIFF_BYTES])
    report: NotebookReport | PdfReport
    if kind_rules.content == "notebook":
        report = validate_notebook(data, limits=kind_rules.notebook)
    else:
        assert kind_rules.max_pages is not None  # guaranteed by the rules model
        report = validate_pdf(
            data,
            max_pages=kind_rules.max_pages,
            soft_max_pages=kind_rules.soft_max_pages,
            require_repository_url=kind_rules.require_repository_url,
            page_size_mm=kind_rules.page_size_mm,
            required_sections=kind_rules.required_sections,
        )
    return ValidationResult(
        file_name=name,
        kind=kind_rules.kind,
        content=kind_rules.content,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        warnings=report.warnings,
        report=report,
    )
