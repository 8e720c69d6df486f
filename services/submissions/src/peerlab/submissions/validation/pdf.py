"""PDF checks for synopses, reports and posters (pypdf).

Work is bounded: the page count is read and capped before any text is extracted, and
text is extracted page by page only until the repository link is found. Every pypdf
failure, whatever its type, is an ``invalid_pdf``: a document our reader cannot read
is not one reviewers can be sure to read either.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from pydantic import BaseModel, ConfigDict
from pypdf import PasswordType, PdfReader

from .errors import (
    EMPTY_FILE,
    INVALID_PDF,
    MISSING_REPOSITORY_URL,
    PAGE_LIMIT_EXCEEDED,
    PAGE_SIZE_MISMATCH,
    SECTIONS_MISSING,
    TOO_MANY_PAGES,
    ValidationFailure,
    ValidationWarning,
)
from .pdf_text import content_pages, missing_sections
from .repository_url import find_repository_url
from .sniff import SNIFF_BYTES, sniff_kind

MM_PER_POINT = 25.4 / 72
PAGE_SIZE_TOLERANCE = 0.03

logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    page_count: int
    repository_url: str | None = None
    warnings: tuple[ValidationWarning, ...] = ()


def validate_pdf(
    data: bytes,
    *,
    max_pages: int,
    soft_max_pages: int | None = None,
    require_repository_url: bool = False,
    page_size_mm: tuple[float, float] | None = None,
    required_sections: tuple[str, ...] = (),
) -> PdfReport:
    """Check a PDF: readable, at most ``max_pages`` pages, optionally carrying a GitHub repository
    link, having the given page size and the given section headings (missing ones are a warning).

    ``soft_max_pages`` is "N pages plus references": when the text shows where the references
    begin, the pages up to that one must number at most N (else ``too_many_pages``); when it does
    not (no extractable text), more than N pages is only a warning.
    """
    if not data:
        raise ValidationFailure(EMPTY_FILE, "The file is empty.")
    sniffed = sniff_kind(data[:SNIFF_BYTES])
    if sniffed != "pdf":
        what = " (it is JSON, perhaps a notebook)" if sniffed == "json" else ""
        raise ValidationFailure(INVALID_PDF, f"The file is not a PDF{what}.")
    try:
        reader = _open(data)
        page_count = len(reader.pages)
    except ValidationFailure:
        raise
    except Exception as exc:  # noqa: BLE001 — any reader failure means an unreadable PDF
        raise _unreadable(exc) from None
    if page_count < 1:
        raise ValidationFailure(INVALID_PDF, "The PDF has no pages.")
    if page_count > max_pages:
        raise ValidationFailure(
            TOO_MANY_PAGES,
            f"The PDF has {page_count} pages; at most {max_pages} are allowed.",
            details={"max": max_pages, "found": page_count},
        )
    warnings: list[ValidationWarning] = []
    texts = _texts(reader) if (soft_max_pages is not None and page_count > soft_max_pages) or required_sections else []
    before_refs = content_pages(texts) if texts and soft_max_pages is not None else None
    if soft_max_pages is not None and before_refs is not None and before_refs > soft_max_pages:
        raise ValidationFailure(
            TOO_MANY_PAGES,
            f"The text before the references takes {before_refs} pages; at most {soft_max_pages} pages "
            "plus references are allowed.",
            details={"max": soft_max_pages, "content_pages": before_refs, "found": page_count},
        )
    if required_sections:
        missing = missing_sections("\n".join(texts), required_sections)
        if missing:
            warnings.append(
                ValidationWarning(
                    code=SECTIONS_MISSING,
                    message="No heading found for: " + ", ".join(missing) + ".",
                    details={"missing": missing, "expected": list(required_sections)},
                )
            )
    if soft_max_pages is not None and page_count > soft_max_pages and before_refs is None:
        warnings.append(
            ValidationWarning(
                code=PAGE_LIMIT_EXCEEDED,
                message=(
                    f"The PDF has {page_count} pages; the limit is {soft_max_pages} pages plus "
                    "references, so make sure the extra pages are references only."
                ),
                details={"max": soft_max_pages, "found": page_count},
            )
        )
    try:
        if page_size_mm is not None:
            warnings.extend(_page_size_warnings(reader, page_size_mm))
        url = _repository_url(reader) if require_repository_url else None
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unreadable PDF
        raise _unreadable(exc) from None
    if require_repository_url and url is None:
        raise ValidationFailure(
            MISSING_REPOSITORY_URL,
            "The report must link the project's GitHub repository (https://github.com/<owner>/<repo>).",
        )
    return PdfReport(page_count=page_count, repository_url=url, warnings=tuple(warnings))


def _texts(reader: PdfReader) -> list[str]:
    try:
        return [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unreadable PDF
        raise _unreadable(exc) from None


def _open(data: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise ValidationFailure(INVALID_PDF, "The PDF is password protected.")
    return reader


def _unreadable(exc: Exception) -> ValidationFailure:
    return ValidationFailure(INVALID_PDF, "The PDF cannot be read.", details={"error": type(exc).__name__})


def _repository_url(reader: PdfReader) -> str | None:
    for page in reader.pages:  # link annotations first: cheap and exact
        for uri in _link_uris(page):
            url = find_repository_url(uri)
            if url:
                return url
    for page in reader.pages:
        url = find_repository_url(page.extract_text() or "")
        if url:
            return url
    return None


def _link_uris(page: Any) -> list[str]:
    """URIs of the page's link annotations; malformed annotations are skipped, not fatal."""
    annotations = page.get("/Annots")
    annotations = annotations.get_object() if annotations is not None else None
    if not isinstance(annotations, list):
        return []
    uris = []
    for ref in annotations:
        annotation = ref.get_object() if hasattr(ref, "get_object") else ref
        if not isinstance(annotation, dict) or annotation.get("/Subtype") != "/Link":
            continue
        action = annotation.get("/A")
        action = action.get_object() if hasattr(action, "get_object") else action
        if isinstance(action, dict) and "/URI" in action:
            uris.append(str(action["/URI"]))
    return uris


def _page_size_warnings(reader: PdfReader, expected_mm: tuple[float, float]) -> list[ValidationWarning]:
    box = reader.pages[0].mediabox
    found = sorted((float(box.width) * MM_PER_POINT, float(box.height) * MM_PER_POINT))
    wanted = sorted(expected_mm)
    if all(abs(f - w) <= w * PAGE_SIZE_TOLERANCE for f, w in zip(found, wanted, strict=True)):
        return []
    return [
        ValidationWarning(
            code=PAGE_SIZE_MISMATCH,
            message=(f"The page is {found[0]:.0f} x {found[1]:.0f} mm; expected {wanted[0]:.0f} x {wanted[1]:.0f} mm."),
            details={"found_mm": [round(f) for f in found], "expected_mm": [round(w) for w in wanted]},
        )
    ]
