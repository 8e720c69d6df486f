"""validate_pdf and PDF hand-ins: readable, page limits, the report's repository link."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from pypdf.annotations import Link
from peerlab.local.documents import text_pdf

from peerlab.submissions.validation import (
    ValidationFailure,
    default_rules_for,
    find_repository_url,
    validate_pdf,
    validate_upload,
)

A4 = (595.0, 842.0)
A1 = (1684.0, 2384.0)


def blank_pdf(pages: int, size: tuple[float, float] = A4, link: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    if link is not None:
        writer.add_annotation(page_number=pages - 1, annotation=Link(rect=(50, 50, 200, 70), url=link))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def failure(data: bytes, **kwargs: object) -> ValidationFailure:
    with pytest.raises(ValidationFailure) as caught:
        validate_pdf(data, **{"max_pages": 30, **kwargs})  # type: ignore[arg-type]
    return caught.value


def test_a_valid_pdf_passes() -> None:
    report = validate_pdf(blank_pdf(1), max_pages=1)
    assert report.page_count == 1
    assert report.repository_url is None
    assert report.warnings == ()


def test_too_many_pages_is_refused() -> None:
    found = failure(blank_pdf(2), max_pages=1)
    assert (found.code, found.status) == ("too_many_pages", 422)
    assert found.details == {"max": 1, "found": 2}


def test_over_the_soft_limit_is_a_warning_not_a_rejection() -> None:
    report = validate_pdf(blank_pdf(8), max_pages=30, soft_max_pages=6)
    assert [w.code for w in report.warnings] == ["page_limit_exceeded"]
    assert report.warnings[0].details == {"max": 6, "found": 8}


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n this is not really a pdf",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        blank_pdf(1)[:200],
    ],
    ids=["garbage-after-header", "no-pages-object", "truncated"],
)
def test_corrupt_pdfs_are_invalid_pdf(data: bytes) -> None:
    assert failure(data).code == "invalid_pdf"


def test_non_pdf_bytes_are_invalid_pdf() -> None:
    assert failure(b'{"cells": []}').code == "invalid_pdf"
    assert "JSON" in failure(b'{"cells": []}').message
    assert failure(b"PK\x03\x04 a zip file").code == "invalid_pdf"
    assert failure(b"").code == "empty_file"


def test_password_protected_pdfs_are_invalid_pdf() -> None:
    writer = PdfWriter()
    writer.add_blank_page(*A4)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    found = failure(buffer.getvalue())
    assert found.code == "invalid_pdf"
    assert "password" in found.message


def test_pdfs_with_only_an_owner_password_open_and_pass() -> None:
    writer = PdfWriter()
    writer.add_blank_page(*A4)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert validate_pdf(buffer.getvalue(), max_pages=1).page_count == 1


def test_repository_url_from_a_link_annotation() -> None:
    data = blank_pdf(3, link="https://github.com/dtu-dl/poster-project")
    report = validate_pdf(data, max_pages=30, require_repository_url=True)
    assert report.repository_url == "https://github.com/dtu-dl/poster-project"


def test_repository_url_from_page_text() -> None:
    data = text_pdf("Introduction", "Code: https://github.com/s123456/deep-vae.git.\nReferences")
    report = validate_pdf(data, max_pages=30, require_repository_url=True)
    assert report.repository_url == "https://github.com/s123456/deep-vae"


def test_missing_repository_url_is_refused() -> None:
    data = text_pdf("Our report", "See https://gitlab.com/someone/repo and github.com/features/x")
    found = failure(data, require_repository_url=True)
    assert (found.code, found.status) == ("missing_repository_url", 422)
    assert failure(blank_pdf(2), require_repository_url=True).code == "missing_repository_url"


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://github.com/owner/repo", "https://github.com/owner/repo"),
        ("see http://www.github.com/Owner-1/My.Repo_2).", "https://github.com/Owner-1/My.Repo_2"),
        ("github.com/owner/repo.git", "https://github.com/owner/repo"),
        ("https://github.com/owner/\nrepo", "https://github.com/owner/repo"),
        ("https://github.com/orgs/x and https://github.com/a/b", "https://github.com/a/b"),
        ("https://github.com/owner", None),
        ("https://example.com/owner/repo", None),
    ],
)
def test_find_repository_url(text: str, url: str | None) -> None:
    assert find_repository_url(text) == url


def test_poster_must_be_one_page_and_should_be_a1() -> None:
    rules = default_rules_for("poster")
    result = validate_upload(kind_rules=rules, file_name="poster.pdf", data=blank_pdf(1, A1))
    assert result.warnings == ()
    result = validate_upload(kind_rules=rules, file_name="poster.pdf", data=blank_pdf(1, A4))
    assert [w.code for w in result.warnings] == ["page_size_mismatch"]
    landscape = validate_upload(kind_rules=rules, file_name="poster.pdf", data=blank_pdf(1, A1[::-1]))
    assert landscape.warnings == ()
    with pytest.raises(ValidationFailure) as caught:
        validate_upload(kind_rules=rules, file_name="poster.pdf", data=blank_pdf(2, A1))
    assert caught.value.code == "too_many_pages"


def test_synopsis_is_at_most_one_page() -> None:
    rules = default_rules_for("synopsis")
    assert validate_upload(kind_rules=rules, file_name="synopsis.PDF", data=blank_pdf(1)).report.page_count == 1
    with pytest.raises(ValidationFailure) as caught:
        validate_upload(kind_rules=rules, file_name="synopsis.pdf", data=blank_pdf(2))
    assert caught.value.code == "too_many_pages"


def test_report_upload_carries_the_repository_url_and_page_warning() -> None:
    rules = default_rules_for("report")
    pages = [f"page {i}" for i in range(7)] + ["References: https://github.com/grp7/vae"]
    result = validate_upload(kind_rules=rules, file_name="report.pdf", data=text_pdf(*pages))
    assert result.report.repository_url == "https://github.com/grp7/vae"  # type: ignore[union-attr]
    assert [w.code for w in result.warnings] == ["page_limit_exceeded"]
    with pytest.raises(ValidationFailure) as caught:
        validate_upload(kind_rules=rules, file_name="report.pdf", data=blank_pdf(31))
    assert caught.value.code == "too_many_pages"
    with pytest.raises(ValidationFailure) as caught:
        validate_upload(kind_rules=rules, file_name="report.pdf", data=text_pdf("no link"))
    assert caught.value.code == "missing_repository_url"


# --- "6 pages plus references" read from the text; the synopsis's sections -----------------------
def _report_pages(content: int, references_pages: int, *, numbered_refs: bool = False) -> list[str]:
    pages = [f"{n} Section {n}\nText of section {n}." for n in range(1, content + 1)]
    heading = f"{content + 1} References" if numbered_refs else "References"
    pages[-1] += f"\n{heading}\n[1] A paper."
    return pages + [f"[{n}] Another paper." for n in range(2, references_pages + 2)]


def test_references_after_the_last_section_may_exceed_the_page_limit() -> None:
    report = validate_pdf(text_pdf(*_report_pages(6, 3)), max_pages=30, soft_max_pages=6)
    assert report.page_count == 9 and report.warnings == ()
    numbered = validate_pdf(text_pdf(*_report_pages(5, 4, numbered_refs=True)), max_pages=30, soft_max_pages=6)
    assert numbered.warnings == ()


def test_references_opening_the_page_after_the_limit_are_fine() -> None:
    pages = [f"{n} Section {n}\nText of section {n}." for n in range(1, 7)]
    report = validate_pdf(text_pdf(*pages, "7\nReferences\n[1] A.", "[2] B."), max_pages=30, soft_max_pages=6)
    assert report.warnings == ()
    late = failure(text_pdf(*pages, "6.2 More\nText.\nReferences\n[1] A."), soft_max_pages=6)
    assert (late.code, late.details["content_pages"]) == ("too_many_pages", 7)


def test_text_beyond_the_page_limit_before_the_references_is_refused() -> None:
    caught = failure(text_pdf(*_report_pages(7, 1)), soft_max_pages=6)
    assert caught.code == "too_many_pages"
    assert caught.details == {"max": 6, "content_pages": 7, "found": 8}


def test_a_report_whose_references_cannot_be_found_gets_the_page_warning() -> None:
    report = validate_pdf(text_pdf(*[f"{n} Section" for n in range(1, 9)]), max_pages=30, soft_max_pages=6)
    assert [w.code for w in report.warnings] == ["page_limit_exceeded"]


SYNOPSIS = ("title", "motivation", "background", "milestones", "references")


def test_a_synopsis_with_every_section_has_no_warning() -> None:
    text = "Deep dreams of cats\n1 Motivation\nwhy\n2 Background: what\nMilestones\n- w10\nReferences\n[1] x"
    assert validate_pdf(text_pdf(text), max_pages=1, required_sections=SYNOPSIS).warnings == ()


def test_missing_synopsis_sections_are_warnings_not_refusals() -> None:
    report = validate_pdf(text_pdf("Deep dreams of cats\nMotivation\nwhy"), max_pages=1, required_sections=SYNOPSIS)
    assert [w.code for w in report.warnings] == ["sections_missing"]
    assert report.warnings[0].details["missing"] == ["background", "milestones", "references"]
    blank = validate_pdf(blank_pdf(1), max_pages=1, required_sections=SYNOPSIS)
    assert blank.warnings[0].details["missing"] == list(SYNOPSIS)


def test_the_synopsis_rules_look_for_the_five_sections() -> None:
    assert default_rules_for("synopsis").required_sections == SYNOPSIS
    result = validate_upload(
        kind_rules=default_rules_for("synopsis"),
        file_name="synopsis.pdf",
        data=text_pdf("Title\nMotivation\nBackground\nMilestones\nReferences"),
    )
    assert result.warnings == ()
