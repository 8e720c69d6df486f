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


def content_pages(page_texts: Sequence[str]) -> int | None:
    """How many pages the text takes before the references, or None when no references heading is
    found. The references begin at the last references heading of the document; the pages after it
    hold only references and do not count. The heading's own page counts unless the heading opens
    it (only a page number or nothing before it), since the last numbered section may end there."""
    found = None
    for number, text in enumerate(page_texts, start=1):
        lines = _lines(text)
        for index, line in enumerate(lines):
            if _REFERENCES.match(line):
                opens_page = all(before.isdigit() for before in lines[:index])
                found = number - 1 if opens_page else number
    return found
