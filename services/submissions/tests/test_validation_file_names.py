"""File names from clients are data: unsafe ones are refused, safe ones normalised."""

from __future__ import annotations

import unicodedata

import pytest

from peerlab.submissions.validation import ValidationFailure, file_extension, safe_file_name


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("../lab-EXE.ipynb", "traversal"),
        ("..\\lab-EXE.ipynb", "traversal"),
        ("a/../../etc/passwd", "traversal"),
        ("..", "traversal"),
        ("/etc/passwd", "absolute_path"),
        ("/lab-EXE.ipynb", "absolute_path"),
        ("C:\\Users\\s123456\\lab-EXE.ipynb", "absolute_path"),
        ("c:lab-EXE.ipynb", "absolute_path"),
        ("\\\\server\\share\\lab-EXE.ipynb", "absolute_path"),
        ("dir/lab-EXE.ipynb", "path_separator"),
        ("lab\\EXE.ipynb", "path_separator"),
        ("lab-EXE\x00.ipynb", "control_character"),
        ("lab\nEXE.ipynb", "control_character"),
        ("lab\rEXE.ipynb", "control_character"),
        ("lab\x1bEXE.ipynb", "control_character"),
        ("lab\x7fEXE.ipynb", "control_character"),
        ("lab-\u202egnpi.EXE.ipynb", "control_character"),
        ("", "empty"),
        ("   ", "empty"),
        (".", "only_dots"),
        ("...", "only_dots"),
        ("lab:EXE.ipynb", "reserved_character"),
        ('lab"EXE.ipynb', "reserved_character"),
        ("NUL.ipynb", "reserved_name"),
        ("com1", "reserved_name"),
    ],
)
def test_unsafe_names_are_refused(raw: str, reason: str) -> None:
    with pytest.raises(ValidationFailure) as caught:
        safe_file_name(raw)
    assert caught.value.code == "unsafe_file_name"
    assert caught.value.status == 422
    assert caught.value.details["reason"] == reason


def test_overlong_names_are_refused_by_utf8_bytes_not_characters() -> None:
    fits = "a" * 249 + ".ipynb"  # 255 bytes
    assert safe_file_name(fits) == fits
    with pytest.raises(ValidationFailure) as caught:
        safe_file_name("a" * 250 + ".ipynb")
    assert caught.value.details["reason"] == "too_long"
    # 100 characters but 200 bytes in UTF-8, plus the extension: 206 bytes, allowed ...
    assert safe_file_name("ø" * 100 + ".ipynb")
    # ... while 128 two-byte characters are 262 bytes: refused.
    with pytest.raises(ValidationFailure):
        safe_file_name("ø" * 128 + ".ipynb")


def test_unicode_is_nfc_normalised() -> None:
    decomposed = "Ope\u0301ra-EXE.ipynb"  # e + combining acute accent
    name = safe_file_name(decomposed)
    assert name == "Op\u00e9ra-EXE.ipynb"
    assert unicodedata.is_normalized("NFC", name)


def test_ordinary_names_pass_unchanged_apart_from_trimming() -> None:
    assert safe_file_name("  Lab 3 EXE (1).ipynb ") == "Lab 3 EXE (1).ipynb"
    assert safe_file_name("lab-EXE.ipynb\n") == "lab-EXE.ipynb"  # surrounding whitespace
    assert safe_file_name("report_final.v2.pdf") == "report_final.v2.pdf"
    assert safe_file_name("..hidden-EXE.ipynb") == "..hidden-EXE.ipynb"  # dots, not a segment


def test_non_text_names_are_refused() -> None:
    with pytest.raises(ValidationFailure) as caught:
        safe_file_name(b"lab-EXE.ipynb")  # type: ignore[arg-type]
    assert caught.value.details["reason"] == "not_text"


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("lab-EXE.ipynb", ".ipynb"),
        ("lab-EXE.IPYNB", ".ipynb"),
        ("lab-EXE.ipynb.exe", ".exe"),
        ("lab-EXE", ""),
        (".ipynb", ""),
        ("archive.tar.gz", ".gz"),
    ],
)
def test_file_extension_is_the_last_suffix_lower_cased(name: str, extension: str) -> None:
    assert file_extension(name) == extension
