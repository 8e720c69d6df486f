"""Client-supplied file names are data, never paths.

A name that carries path syntax (``../``, ``/abs``, ``C:\\``, ``\\\\server``, any
backslash or slash) is rejected outright rather than cut down to its last part: a
browser sends a bare name, so anything else is a mistake or an attack, and saying so
is clearer than silently storing a different name.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import UNSAFE_FILE_NAME, ValidationFailure

MAX_NAME_BYTES = 255

# Unicode categories never allowed: controls (NUL, newline, DEL, C1), format characters
# (bidi overrides that make "lab\u202ebnpi.exe" look like "lab.exe.ipynb"), surrogates,
# private use, and line/paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# Reserved on Windows; ':' also opens NTFS alternate data streams; '"' breaks headers.
_RESERVED_CHARS = frozenset('<>:"|?*')
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def _reject(reason: str, message: str) -> ValidationFailure:
    return ValidationFailure(UNSAFE_FILE_NAME, message, details={"reason": reason})


def safe_file_name(raw: str) -> str:
    """Return ``raw`` as a safe, NFC-normalised bare file name, or raise ``unsafe_file_name``.

    Surrounding whitespace is trimmed; everything else that is unsafe is rejected.
    """
    if not isinstance(raw, str):
        raise _reject("not_text", "The file name must be text.")
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise _reject("empty", "The file name is empty.")
    for ch in name:
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
            raise _reject(
                "control_character",
                f"The file name contains a control or invisible character (U+{ord(ch):04X}).",
            )
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise _reject("too_long", f"The file name is longer than {MAX_NAME_BYTES} bytes.")
    parts = re.split(r"[/\\]", name)
    if any(part == ".." for part in parts):
        raise _reject("traversal", "The file name must not contain '..' path segments.")
    if name.startswith("/") or name.startswith("\\") or re.match(r"^[A-Za-z]:", name):
        raise _reject("absolute_path", "The file name must not be an absolute path.")
    if "/" in name or "\\" in name:
        raise _reject("path_separator", "The file name must not contain '/' or '\\'.")
    if set(name) & _RESERVED_CHARS:
        raise _reject("reserved_character", 'The file name must not contain any of <>:"|?*.')
    if set(name) == {"."}:
        raise _reject("only_dots", "The file name must not consist of dots only.")
    if _WINDOWS_DEVICES.match(name):
        raise _reject("reserved_name", "The file name is a reserved device name.")
    return name


def file_extension(name: str) -> str:
    """The last extension, lower-cased, with its dot (``"lab-EXE.ipynb.exe"`` -> ``".exe"``)."""
    stem_start = len(name) - len(name.lstrip("."))
    dot = name.rfind(".")
    if dot <= stem_start:
        return ""
    return name[dot:].lower()
