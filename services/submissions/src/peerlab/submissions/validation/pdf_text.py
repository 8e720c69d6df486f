"""Rules read from a PDF's text: the synopsis's sections and where a report's references begin.

Both work on the text pypdf extracts page by page. A heading is a line that starts with the
section's name, optionally numbered (``2 Background``, ``2.1. Motivation``) and followed by a colon.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_NUMBER = r"(?:\d+(?:\.\d+)*\.?\s+)?"
_REFERENCES = re.compile(rf"^\s*{_NUMBER}(?:references|bibliography|literature)\s*:?\s*$", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+\S")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def missing_sections(text: str, sections: Sequence[str]) -> list[str]:
    """Sections of ``sections`` with no heading in ``text``. ``title`` is present when the text has
    any line at all (a synopsis opens with its title); the others need a line starting with the name."""
    lines = _lines(text)
    missing = []
    for name in sections:
        if name == "title":
            if not lines:
                missing.append(name)
            continue
        heading = re.compile(rf"^{_NUMBER}{re.escape(name)}\b", re.IGNORECASE)
        if not any(heading.match(line) for line in lines):
            missing.append(name)
    return missing


def references_page(page_texts: Sequence[str]) -> int | None:
    """The 1-based page on which the references begin: the last references heading of the document.

    The pages after it hold only references, so they do not count towards the page limit; the page
    itself does (the last numbered section may end on it)."""
    found = None
    for number, text in enumerate(page_texts, start=1):
        if any(_REFERENCES.match(line) for line in _lines(text)):
            found = number
    return found
