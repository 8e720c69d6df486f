r"""Anonymised copies of lab notebooks for peer review.

What identifies a student is removed or masked; everything a reviewer needs stays:
- notebook metadata: only ``kernelspec`` and ``language_info`` survive (authors, Colab
  user and drive data, widget state, VS Code interpreter hashes and the like go);
- cell metadata: an allow-list of display flags (collapsed, scrolled, jupyter hidden
  flags, tags, slideshow, raw format); execution timestamps and Colab ``executionInfo``
  (which names the user) go; cell ids are renumbered;
- the authors' identity (``identities``: for each author, and every member of a group, their
  person id, roster name and e-mail and the names their tokens carried) is masked in every text:
  sources, stream text, every text MIME type of ``execute_result``/``display_data`` (``text/*``,
  JSON, JavaScript, SVG), error names, values and tracebacks, the remaining metadata (keys too)
  and attachment names. An e-mail is masked whole, and its local part and that part's pieces
  (``yolanda.smith`` -> ``yolanda``, ``smith``) alone; a name whole, each part of two or more
  letters alone (``Anne-Marie Smith`` -> ``Anne-Marie``, ``Anne``, ``Marie``, ``Smith``) and
  run together (``AnneMarieSmith``). Matching ignores case and is by **letter boundary**: a
  term is masked where no letter touches it on either side, so ``Ann`` goes in ``Ann``,
  ``ann_2``, ``ann.smith@…`` and ``"Ann"`` but stays inside ``Annotation`` and ``Joanna``.
  Digits, ``_``, punctuation, a backslash escape (``\nAnn`` in a printed repr) and ANSI colour
  codes (tracebacks) count as boundaries, and so does a camelCase hump (``plotSmith``,
  ``SmithError``, ``SMITHError``; not ``SMITHSONIAN``); HTML tag names are left alone (``<li>`` stays for a
  surname "Li"), their attributes are masked (``mailto:…``). The cost: a name that is also a
  word (``Max``, ``Per``, ``Will``) is masked wherever it is a word in that notebook,
  ``max(x)`` included.
- and, for anyone: home-directory paths ``/home/<user>``, ``/Users/<user>``,
  ``/zhome/xx/y/<user>`` (DTU HPC), ``C:\Users\<user>`` (any drive, ``\``, ``\\``
  as in escaped JSON or reprs, or ``/``) become ``.../anon``; DTU student numbers
  (``s123456``) and e-mail addresses are masked.
- images (``image/png``, ``image/jpeg`` outputs and attachments, and ``data:`` URIs inside
  any text, as in HTML ``<img src="data:…">``) lose their metadata (``anonymise_images``);
  an image that does not parse, and binary data of any other type (GIF, WebP, PDF, …), is
  removed (a ``text/plain`` note says so; a data URI keeps an empty payload): what cannot be
  read cannot be checked for a name.
Names with accents or Nordic letters are also found as typed without them (``Søren Kjær`` as
``Soren Kjaer``, ``Soeren``; ``José`` as ``Jose``).
Not found: a name spelt differently from the roster (a nickname, a typo, HTML character
references such as ``&#89;olanda``), or drawn into an image's pixels.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from .anonymise_images import CLEANERS
from .validation.errors import INVALID_NOTEBOOK, ValidationFailure
from .validation.json_guard import parse_json_bounded
from .validation.notebook_limits import NotebookLimits

ANON = "anon"
ANON_EMAIL = "anon@example.org"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_KEEP_NOTEBOOK_METADATA = {
    "kernelspec": ("name", "display_name", "language"),
    "language_info": (
        "name",
        "version",
        "mimetype",
        "file_extension",
        "pygments_lexer",
        "codemirror_mode",
        "nbconvert_exporter",
    ),
}
_KEEP_CELL_METADATA = frozenset(
    {"collapsed", "scrolled", "jupyter", "tags", "slideshow", "format", "editable", "deletable"}
)
_KEEP_JUPYTER_FLAGS = frozenset({"source_hidden", "outputs_hidden"})
_TEXT_MIME = re.compile(r"^(text/|application/(.+\+)?json$|application/javascript$|image/svg\+xml$)")
# Structural values nbformat gives meaning to: never masked (a student called "Code" or
# "Stream" must not break the notebook); every other string is.
_STRUCTURAL = frozenset({"cell_type", "output_type", "execution_count", "id"})
_STREAM_NAMES = frozenset({"stdout", "stderr"})

_USER = r"[^/\\\s\"'`<>|:;,()\[\]{}]+"
_SEP = r"(?:\\+|/)"
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(rf"(?P<keep>[A-Za-z]:{_SEP}(?:Users|Documents and Settings){_SEP}){_USER}", re.IGNORECASE),
        rf"\g<keep>{ANON}",
    ),
    (re.compile(rf"(?P<keep>/(?:home|Users)/){_USER}"), rf"\g<keep>{ANON}"),
    (re.compile(rf"(?P<keep>/zhome/[^/\s]+/[^/\s]+/){_USER}"), rf"\g<keep>{ANON}"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), ANON_EMAIL),
    (re.compile(r"(?<![A-Za-z0-9])[sS]\d{6}(?![0-9])"), "s000000"),
)
# ``data:`` URIs with base64 payloads inside text (``<img src="data:image/png;base64,…">`` in
# HTML, ``![](data:…)`` in markdown): PNG/JPEG payloads are cleaned like image outputs, others
# dropped; names are never masked inside a payload (that would corrupt it).
_DATA_URI = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)(?P<params>(?:;[\w.+-]+=[^;,\s\"']*)*);base64,"
    r"(?P<payload>[A-Za-z0-9+/=]*)",
    re.IGNORECASE,
)
# ANSI colour codes (tracebacks) and the names of HTML tags: never masked (a surname "Li" must
# not turn ``<li>`` into ``<anon>``), and boundaries for what stands between them.
_UNMASKED = re.compile(r"(\x1b\[[0-9;?]*[ -/]*[@-~]|</?[A-Za-z][A-Za-z0-9-]*)")
_NAME_PART = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
# A letter boundary: no letter right before (a backslash escape such as ``\n`` counts as none)
# and no letter right after, or a camelCase hump (lower then upper case: ``plotSmith``,
# ``SmithError``; or upper, then upper and lower: ``SMITHError``). The pattern ignores case;
# ``(?-i:…)`` checks the case of the hump.
_LOWER, _UPPER = "(?-i:[a-zß-öø-ÿ])", "(?-i:[A-ZÀ-ÖØ-Þ])"
_HUMP = rf"(?<={_LOWER})(?={_UPPER})|(?<={_UPPER})(?={_UPPER}{_LOWER})"
_BEFORE = rf"(?:(?<![^\W\d_])|(?<=\\[abfnrtv0])|{_HUMP})"
_AFTER = rf"(?:(?![^\W\d_])|{_HUMP})"


class IdentityMask:
    """Masks the given identities (person ids, names, e-mails) in text; see the module notes."""

    def __init__(self, identities: Iterable[str] = ()) -> None:
        terms: set[str] = set()
        for raw in identities:
            value = unicodedata.normalize("NFC", str(raw)).strip()
            if "@" in value:
                local = value.split("@", 1)[0]
                candidates = [value, local, *_NAME_PART.findall(local)]
            else:
                parts = _NAME_PART.findall(value)
                candidates = [value, *re.split(r"\s+", value), *parts, "".join(parts)]
            for term in candidates:
                if len(term) >= 2:
                    # lower() keeps "Strauß" findable as itself, casefold() as "STRAUSS"
                    terms.update({term.lower(), term.casefold(), *_ascii_spellings(term.lower())})
        self._terms = sorted(terms)
        self._folded = sorted({t.casefold() for t in terms})
        self._pattern = None
        if terms:
            alternatives = "|".join(re.escape(t) for t in sorted(terms, key=lambda t: (-len(t), t)))
            # the first-letter lookahead spares the boundary checks at most positions (~7x faster)
            firsts = re.escape("".join(sorted({t[0] for t in terms})))
            self._pattern = re.compile(f"(?=[{firsts}]){_BEFORE}(?:{alternatives}){_AFTER}", re.IGNORECASE)

    @property
    def terms(self) -> list[str]:
        return list(self._terms)

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        folded = text.casefold()
        if not any(term in folded for term in self._folded):
            return text  # most strings name nobody
        pieces = _UNMASKED.split(text)
        for i in range(0, len(pieces), 2):
            pieces[i] = self._pattern.sub(_replacement, pieces[i])
        return "".join(pieces)


# How a name is written without its accents: "Søren Kjær" is typed "Soren Kjaer" or "Soeren Kjaer".
_ASCII_LETTERS = {
    "ø": ("o", "oe"),
    "æ": ("ae", "a"),
    "å": ("aa", "a"),
    "ß": ("ss",),
    "ð": ("d",),
    "þ": ("th",),
    "ł": ("l",),
    "œ": ("oe",),
}


def _ascii_spellings(term: str, limit: int = 16) -> set[str]:
    """``term`` without diacritics (``é`` -> ``e`` by Unicode decomposition; Nordic letters by
    their usual transcriptions), every combination up to ``limit``; empty for plain ASCII."""
    if term.isascii():
        return set()
    stripped = "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))
    spellings = {""}
    for char in stripped:
        options = _ASCII_LETTERS.get(char, (char,))
        spellings = {s + o for s in spellings for o in options}
        if len(spellings) > limit:
            spellings = set(sorted(spellings)[:limit])
    return {s for s in spellings if s != term and len(s) >= 2}


def _replacement(match: re.Match[str]) -> str:
    return ANON_EMAIL if "@" in match.group(0) else ANON


def anonymised_file_name(token: str) -> str:
    if not _TOKEN.match(token):
        raise ValueError("token must be 1-64 letters, digits, '-' or '_'")
    return f"EXE_{token}.ipynb"


def mask_text(text: str, identity: IdentityMask | None = None) -> str:
    """Mask the authors' identity (if given), home-directory user names, student numbers and
    e-mail addresses in ``text``."""
    if identity is not None:
        text = identity(text)
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def anonymise_notebook(
    data: bytes,
    *,
    token: str,
    limits: NotebookLimits | None = None,
    identities: Sequence[str] = (),
) -> tuple[str, bytes]:
    """Return (``EXE_<token>.ipynb``, anonymised notebook bytes).

    ``identities``: every string that names an author (person ids, names, e-mails).
    ``data`` should already have passed ``validate_notebook``; it is parsed again with the
    same bounds, so hostile input still fails with ``ValidationFailure`` here.
    """
    name = anonymised_file_name(token)
    limits = limits or NotebookLimits()
    nb = parse_json_bounded(
        data,
        max_depth=limits.max_depth,
        max_containers=limits.max_containers,
        max_values=limits.max_values,
    )
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValidationFailure(INVALID_NOTEBOOK, "The JSON is not a notebook.")
    minor = nb.get("nbformat_minor")
    with_ids = isinstance(minor, int) and minor >= 5
    copy = _Copy(IdentityMask(identities))
    result = {
        "cells": [copy.cell(cell, index, with_ids) for index, cell in enumerate(nb["cells"])],
        "metadata": copy.notebook_metadata(nb.get("metadata")),
        "nbformat": nb.get("nbformat"),
        "nbformat_minor": minor,
    }
    text = json.dumps(result, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    return name, text.encode("utf-8")


class _Copy:
    """One notebook's walk, with its authors' mask."""

    def __init__(self, identity: IdentityMask) -> None:
        self.identity = identity

    def text(self, value: str) -> str:
        if "base64," not in value:
            return mask_text(value, self.identity)
        out, last = [], 0
        for uri in _DATA_URI.finditer(value):
            out.append(mask_text(value[last : uri.start()], self.identity))
            cleaned = _clean_image(uri.group("mime").lower(), uri.group("payload"))
            out.append(f"data:{uri.group('mime')};base64,{(cleaned or '').strip()}")
            last = uri.end()
        out.append(mask_text(value[last:], self.identity))
        return "".join(out)

    def multiline(self, value: Any) -> Any:
        """A multiline string (str, or nbformat's list of lines): lines are joined before
        masking, so a name broken over two list items is still found."""
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return self.text("".join(value)).splitlines(keepends=True)
        return self.masked(value)

    def notebook_metadata(self, metadata: Any) -> dict[str, Any]:
        if not isinstance(metadata, dict):
            return {}
        kept: dict[str, Any] = {}
        for key, fields in _KEEP_NOTEBOOK_METADATA.items():
            value = metadata.get(key)
            if isinstance(value, dict):
                kept[key] = self.masked({k: value[k] for k in fields if k in value})
        return kept

    def cell(self, cell: Any, index: int, with_ids: bool) -> Any:
        if not isinstance(cell, dict):
            return cell
        out: dict[str, Any] = {}
        for key, value in cell.items():
            if key == "metadata":
                out[key] = self.cell_metadata(value)
            elif key == "id":
                continue
            elif key in _STRUCTURAL:
                out[key] = value
            elif key == "source":
                out[key] = self.multiline(value)
            elif key == "outputs" and isinstance(value, list):
                out[key] = [self.output(o) for o in value]
            elif key == "attachments" and isinstance(value, dict):
                out[key] = self.keyed({k: self.mime_bundle(v) for k, v in value.items()})
            else:
                out[key] = self.masked(value)
        if with_ids:
            out["id"] = f"cell-{index}"
        return out

    def cell_metadata(self, metadata: Any) -> Any:
        if not isinstance(metadata, dict):
            return metadata
        kept = {k: v for k, v in metadata.items() if k in _KEEP_CELL_METADATA}
        if isinstance(kept.get("jupyter"), dict):
            kept["jupyter"] = {k: v for k, v in kept["jupyter"].items() if k in _KEEP_JUPYTER_FLAGS}
        kept = self.masked(kept)
        if isinstance(kept.get("tags"), list):  # nbformat wants unique tags; two names may mask alike
            kept["tags"] = list(dict.fromkeys(t if isinstance(t, str) else json.dumps(t) for t in kept["tags"]))
        return kept

    def output(self, output: Any) -> Any:
        if not isinstance(output, dict):
            return output
        out: dict[str, Any] = {}
        for key, value in output.items():
            if key == "data":
                out[key] = self.mime_bundle(value)
            elif key in _STRUCTURAL or (key == "name" and value in _STREAM_NAMES):
                out[key] = value
            elif key == "text":
                out[key] = self.multiline(value)
            else:
                out[key] = self.masked(value)
        return out

    def mime_bundle(self, bundle: Any) -> Any:
        if not isinstance(bundle, dict):
            return self.masked(bundle)
        out: dict[str, Any] = {}
        removed: list[str] = []
        for mime, value in bundle.items():
            if _TEXT_MIME.match(mime):
                out[mime] = self.multiline(value) if isinstance(value, (str, list)) else self.masked(value)
            elif (image := _clean_image(mime, value)) is not None:
                out[mime] = image
            else:
                removed.append(mime)
        if removed and "text/plain" not in out:
            out["text/plain"] = f"[{', '.join(sorted(removed))} removed from the anonymised copy]"
        return out

    def masked(self, node: Any) -> Any:
        """A copy of ``node`` with every string (keys included) masked; depth is pre-bounded."""
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, list):
            return [self.masked(v) for v in node]
        if isinstance(node, dict):
            return self.keyed({k: self.masked(v) for k, v in node.items()})
        return node

    def keyed(self, node: dict[str, Any]) -> dict[str, Any]:
        """``node`` with masked keys; keys that mask alike are numbered (``anon.png``, ``anon-2.png``)
        so nothing is silently overwritten."""
        out: dict[str, Any] = {}
        for key, value in node.items():
            masked = self.text(key)
            stem, dot, ext = masked.rpartition(".") if "." in masked else (masked, "", "")
            n = 1
            while masked in out:
                n += 1
                masked = f"{stem}-{n}{dot}{ext}"
            out[masked] = value
        return out


def _clean_image(mime: str, value: Any) -> str | None:
    """A base64 PNG or JPEG without its metadata; None for anything else or what does not parse."""
    cleaner = CLEANERS.get(mime.split(";", 1)[0].strip().lower())
    if cleaner is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    cleaned = cleaner(raw)
    return None if cleaned is None else base64.b64encode(cleaned).decode("ascii") + "\n"
