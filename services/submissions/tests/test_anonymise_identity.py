"""The authors' names, e-mails and student numbers leave no trace in an anonymised copy: not in
any text of the notebook, not in image metadata, not inside base64 data (probe finding
"Hardening" 2: reviewers saw their author's first name in ``<a href='mailto:…'>Yolanda</a>``)."""

from __future__ import annotations

import base64
import itertools
import json
import struct
import zlib

import nbformat
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from identity_kit import Person, b64, decoded_strings, jpeg, leaks, png, seeded_notebook
from peerlab.submissions.anonymise import IdentityMask, anonymise_notebook, mask_text
from peerlab.submissions.anonymise_images import clean_jpeg, clean_png
from peerlab.submissions.validation import validate_notebook

YOLANDA = Person("s210001", "Yolanda", "Smith", "yolanda.smith@example.com")


def _copy(nb: dict, person: Person, **kw) -> bytes:
    return anonymise_notebook(json.dumps(nb).encode(), token="t0k", identities=person.identities(), **kw)[1]


def test_the_probe_case_a_mailto_link_with_the_first_name() -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "a",
                "metadata": {},
                "source": "show()",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"text/html": "<a href='mailto:yolanda.smith@example.com'>Yolanda</a>"},
                    }
                ],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    copy = _copy(nb, YOLANDA)
    assert leaks(copy, YOLANDA) == []
    assert (
        json.loads(copy)["cells"][0]["outputs"][0]["data"]["text/html"] == "<a href='mailto:anon@example.org'>anon</a>"
    )


def test_every_place_of_a_seeded_notebook_is_clean_and_the_copy_stays_valid() -> None:
    original = json.dumps(seeded_notebook(YOLANDA)).encode()
    assert len(leaks(original, YOLANDA)) == len(YOLANDA.traces())  # the seed does hold them all
    copy = _copy(seeded_notebook(YOLANDA), YOLANDA)
    assert leaks(copy, YOLANDA) == []
    nbformat.validate(nbformat.reads(copy.decode(), as_version=4))
    validate_notebook(copy)
    nb = json.loads(copy)
    markdown, code = nb["cells"][0], nb["cells"][1]
    # the attachment keeps its (masked) name and its reference in the source still resolves
    assert "anon.png" in markdown["attachments"] and "(attachment:anon.png)" in markdown["source"]
    # structure and the words around a name survive
    assert code["cell_type"] == "code" and code["outputs"][0]["name"] == "stdout"
    assert code["outputs"][0]["text"] == ["Hello anon\n", "anon!\n"]
    assert code["outputs"][1]["data"]["text/html"].startswith("<p>By <a href='mailto:anon@example.org'>anon</a>")
    assert '<li title="anon">anon</li>' in code["outputs"][1]["data"]["text/html"]
    assert code["outputs"][4]["traceback"][0] == "\x1b[0;31manon\x1b[0m"
    # images keep their pixels; other binary data and what does not parse is removed, with a note
    kept_png = base64.b64decode(code["outputs"][1]["data"]["image/png"])
    assert kept_png == clean_png(png()) and clean_png(kept_png) == kept_png
    display = code["outputs"][2]["data"]
    assert set(display) == {"image/jpeg", "text/plain"} and display["text/plain"] == "anon"
    assert code["outputs"][3]["data"] == {"text/plain": "[image/png removed from the anonymised copy]"}
    assert set(markdown["attachments"]["cv.pdf"]) == {"text/plain"}


def test_minor_zero_notebooks_are_cleaned_too() -> None:
    copy = _copy(seeded_notebook(YOLANDA, minor=4), YOLANDA)
    assert leaks(copy, YOLANDA) == []
    validate_notebook(copy)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Yolanda", "anon"),
        ("YOLANDA smith", "anon"),
        ("yolanda.smith@example.com", "anon@example.org"),
        ("mail yolanda.smith please", "mail anon please"),
        ("S210001", "anon"),
        ("yolanda_smith2", "anon_anon2"),
        ("YolandaSmith", "anon"),
        ("'Yolanda'", "'anon'"),
        ("print('x\\nYolanda')", "print('x\\nanon')"),
        # letter boundaries: a name inside a longer word stays
        ("Smithsonian Yolandas", "Smithsonian Yolandas"),
    ],
)
def test_identity_matching(text: str, masked: str) -> None:
    assert mask_text(text, IdentityMask(YOLANDA.identities())) == masked


def test_short_names_are_masked_as_words_only() -> None:
    mask = IdentityMask(["s220002", "Ann Li", "ann.li@example.com"])
    assert mask_text("Annotation by Ann; ANN.", mask) == "Annotation by anon; anon."
    assert mask_text("<ul><li>Li</li></ul> Lisbon", mask) == "<ul><li>anon</li></ul> Lisbon"
    assert mask_text("Jürgen Strauß / STRAUSS", IdentityMask(["Jürgen Strauß"])) == "anon / anon"
    assert mask_text("X", IdentityMask(["X", ""])) == "X"  # one letter is not a name to mask


def test_names_with_accents_are_found_as_typed_without_them() -> None:
    mask = IdentityMask(["s230003", "Søren Kjær", "José Núñez"])
    typed = "Søren Kjær, Soren Kjaer, SOEREN kjar, Jose Nunez, José; but Sorensen and Josephine stay"
    assert mask_text(typed, mask) == "anon, anon, anon, anon, anon; but Sorensen and Josephine stay"


def test_png_metadata_chunks_are_dropped_and_the_image_stays_well_formed() -> None:
    dirty = png("Yolanda Smith", "yolanda.smith@example.com")
    clean = clean_png(dirty)
    assert clean is not None and b"Yolanda" not in clean and b"yolanda" not in clean
    kinds, pos = [], 8
    while pos < len(clean):
        length, kind = struct.unpack(">I4s", clean[pos : pos + 8])
        assert (
            zlib.crc32(clean[pos + 4 : pos + 8 + length])
            == struct.unpack(">I", clean[pos + 8 + length : pos + 12 + length])[0]
        )
        kinds.append(kind)
        pos += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    assert clean_png(dirty[:-5]) is None and clean_png(b"GIF89a") is None
    assert clean_png(dirty.replace(b"IDAT", b"IDAU")) is None  # a bad CRC


def test_jpeg_comments_and_app_segments_are_dropped_and_scans_kept() -> None:
    dirty = jpeg("Yolanda Smith")
    clean = clean_jpeg(dirty)
    assert clean is not None and b"Yolanda" not in clean
    assert clean.startswith(b"\xff\xd8\xff\xe0") and b"JFIF" in clean and clean.endswith(b"\xff\xd9")
    assert b"\x12\xff\x00\x34\xff\xd0\x56" in clean  # entropy-coded data with stuffing and a restart marker
    assert clean_jpeg(clean) == clean
    assert clean_jpeg(dirty[:-2]) is None and clean_jpeg(b"\xff\xd8garbage") is None


# --- the property: every place, every spelling ---------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyzæøåéüö"
_name = st.text(alphabet=LETTERS, min_size=3, max_size=10).map(str.title)
_CASES = (str, str.lower, str.upper, str.title, str.swapcase)
_REFERENCE = Person("s999999", "Qxqzv", "Zqvxq", "qxqzv.zqvxq@example.net")
_REFERENCE_COPY = _copy(seeded_notebook(_REFERENCE), _REFERENCE)
_REFERENCE_TEXT = " ".join(
    [_REFERENCE_COPY.decode().casefold()]
    + [b.decode("utf-8", "replace").casefold() for b in decoded_strings(json.loads(_REFERENCE_COPY))]
)


@st.composite
def people(draw: st.DrawFn) -> Person:
    first, last = draw(_name), draw(_name)
    number = "s" + draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    domain = draw(st.sampled_from(["student.dtu.dk", "gmail.com", "example.org"]))
    email = draw(
        st.sampled_from([f"{first}.{last}@{domain}", f"{first}{last[0]}@{domain}", f"{number}@student.dtu.dk"])
    ).lower()
    return Person(number, first, last, email)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(person=people(), cases=st.lists(st.sampled_from(_CASES), min_size=1, max_size=12))
def test_no_trace_of_the_author_survives_anywhere(person: Person, cases: list) -> None:
    # a name that is part of the notebook's own words ("Python", "anon", base64 of a clean image)
    # cannot be told from them by a substring search; such draws say nothing and are skipped
    assume(not any(t.casefold() in _REFERENCE_TEXT for t in person.traces()))
    spell = itertools.cycle(cases)
    copy = _copy(seeded_notebook(person, lambda text: next(spell)(text)), person)
    assert leaks(copy, person) == []
    validate_notebook(copy)


def test_a_group_copy_masks_every_member() -> None:
    other = Person("s210002", "Bartholomew", "Jones", "bj@example.org")
    nb = seeded_notebook(YOLANDA)
    nb["cells"][0]["source"] += f"\nwith {other.full} ({other.person_id}, {other.email})"
    copy = anonymise_notebook(json.dumps(nb).encode(), token="t", identities=YOLANDA.identities() + other.identities())[
        1
    ]
    assert leaks(copy, YOLANDA) == [] and leaks(copy, other) == []


def test_b64_helper_round_trip() -> None:  # the kit's own base64 search finds what it should
    assert b"Yolanda" in b"".join(decoded_strings({"x": b64(png("Yolanda"))}))
