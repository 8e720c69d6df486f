"""Notebooks seeded with an author's identity in every place a notebook can hold text, images
carrying it in their metadata, and a search for any trace of it (also inside base64 data)."""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Person:
    person_id: str  # a DTU student number
    first: str
    last: str
    email: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    def identities(self) -> list[str]:
        """What the service knows of them: id, roster name, roster e-mail."""
        return [self.person_id, self.full, self.email]

    def traces(self) -> list[str]:
        """What must not be found in a copy (case-insensitively)."""
        return [self.person_id, self.first, self.last, self.full, self.email, self.email.split("@")[0]]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*texts: str) -> bytes:
    """A valid 2x2 grey PNG carrying ``texts`` in tEXt, zTXt, iTXt, eXIf, iCCP, tIME and a private chunk."""
    out = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))]
    for text in texts:
        raw = text.encode()
        out += [
            _chunk(b"tEXt", b"Author\x00" + raw.decode().encode("latin-1", "replace")),
            _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(raw)),
            _chunk(b"iTXt", b"Description\x00\x00\x00en\x00\x00" + raw),
            _chunk(b"eXIf", b"MM\x00*" + raw),
            _chunk(b"iCCP", raw[:70].decode().encode("latin-1", "replace") + b"\x00\x00" + zlib.compress(b"x")),
            _chunk(b"prVt", raw),
        ]
    out += [_chunk(b"IDAT", zlib.compress(b"\x00\x80\x80\x00\x80\x80")), _chunk(b"IEND", b"")]
    return b"".join(out)


def jpeg(*texts: str) -> bytes:
    """A structurally valid baseline JPEG carrying ``texts`` in a comment, EXIF, XMP, ICC and IPTC."""

    def seg(marker: int, payload: bytes) -> bytes:
        return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload

    out = [b"\xff\xd8", seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    for text in texts:
        raw = text.encode()
        out += [
            seg(0xFE, raw),
            seg(0xE1, b"Exif\x00\x00MM\x00*" + raw),
            seg(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>" + raw + b"</x:xmpmeta>"),
            seg(0xE2, b"ICC_PROFILE\x00\x01\x01" + raw),
            seg(0xED, b"Photoshop 3.0\x00" + raw),
        ]
    out += [
        seg(0xDB, b"\x00" + bytes(range(1, 65))),
        seg(0xC0, b"\x08\x00\x02\x00\x02\x01\x01\x11\x00"),
        seg(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"),
        seg(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        b"\x12\xff\x00\x34\xff\xd0\x56",
        b"\xff\xd9",
    ]
    return b"".join(out)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def seeded_notebook(person: Person, say: Any = None, *, minor: int = 5) -> dict[str, Any]:
    """``say(text)`` gives the form each mention takes (case, surroundings); identity by default."""
    say = say or (lambda t: t)
    first, last, full, mail, num = person.first, person.last, person.full, person.email, person.person_id
    local = mail.split("@")[0]
    image_texts = (full, mail, num, f"{first.upper()} {last.lower()}")
    html = (
        f"<p>By <a href='mailto:{say(mail)}'>{say(first)}</a> ({say(num)})</p>"
        f'<li title="{say(full)}">{say(last)}</li>'
        f'<img src="data:image/png;base64,{b64(png(*image_texts))}" alt="{say(first)}">'
        f"<embed src='data:application/pdf;name={say(first)}.pdf;base64,{b64(mail.encode())}'>"
    )
    code = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "c1",
        "metadata": {
            "tags": [say(first), say(local)],
            "collapsed": False,
            "name": say(full),
            "executionInfo": {"user": {"displayName": full, "email": mail}},
            say(last): {"by": say(num)},
        },
        "source": [
            f"# {say(full)}\n",
            f"author = '{say(first)}'  # {say(mail)}\n",
            f"path = '/home/{say(local)}/{say(num)}/data.csv'\n",
            f"print('{say(first)}\\n{say(last)}')",
        ],
        "outputs": [
            {"output_type": "stream", "name": "stdout", "text": [f"Hello {say(first)}\n", f"{say(last)}!\n"]},
            {
                "output_type": "execute_result",
                "execution_count": 1,
                "metadata": {say(first): say(last)},
                "data": {
                    "text/plain": f"'{say(full)}'",
                    "text/html": html,
                    "text/markdown": f"**{say(first)}** _{say(last)}_ {say(num)}",
                    "text/latex": f"$\\text{{{say(full)}}}$",
                    "application/json": {say(first): [say(last), {"mail": say(mail)}]},
                    "application/vnd.custom+json": {"who": say(full)},
                    "application/javascript": f"console.log('{say(first)}')",
                    "image/svg+xml": f"<svg><text>{say(full)}</text></svg>",
                    "image/png": b64(png(*image_texts)),
                },
            },
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {
                    "image/jpeg": b64(jpeg(*image_texts)),
                    "image/gif": b64(b"GIF89a" + full.encode()),
                    "application/pdf": b64(b"%PDF-1.4 " + mail.encode()),
                    "text/plain": say(last),
                },
            },
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"image/png": b64(b"\x89PNG broken " + full.encode())},
            },
            {
                "output_type": "error",
                "ename": f"{say(last)}Error",
                "evalue": f"{say(first)} not found",
                "traceback": [
                    f"\x1b[0;31m{say(first)}\x1b[0m",
                    f"File \x1b[0;32m/home/{say(local)}/x.py\x1b[0m",
                    f"\x1b[1;32m{say(full)}\x1b[0m: {say(num)}",
                ],
            },
        ],
    }
    markdown = {
        "cell_type": "markdown",
        "id": "m1",
        "metadata": {"tags": [say(last)]},
        "source": f"# Lab by {say(full)} ({say(num)}, {say(mail)})\n\n![me](attachment:{say(first)}.png)\n"
        f"<b>{say(last)}</b>, {say(first)}'s notebook; {say(first)}_{say(last)}; {say(first)}{say(last)}\n"
        f"![photo](data:image/jpeg;base64,{b64(jpeg(*image_texts))})",
        "attachments": {
            f"{say(first)}.png": {"image/png": b64(png(*image_texts))},
            f"{say(last)}.jpg": {"image/jpeg": b64(jpeg(*image_texts))},
            "cv.pdf": {"application/pdf": b64(full.encode())},
        },
    }
    raw = {"cell_type": "raw", "id": "r1", "metadata": {"format": say(full)}, "source": say(mail)}
    cells = [markdown, code, raw]
    if minor < 5:
        for cell in cells:
            cell.pop("id")
    return {
        "cells": cells,
        "metadata": {
            "authors": [{"name": full, "email": mail}],
            "title": full,
            "kernelspec": {"name": "python3", "display_name": f"Python 3 ({say(first)})", "language": "python"},
            "language_info": {"name": "python", "version": "3.11", "codemirror_mode": say(last)},
            "colab": {"provenance": [{"user": mail}]},
            say(first): say(last),
        },
        "nbformat": 4,
        "nbformat_minor": minor,
    }


_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]{16,}$")
_DATA_URI = re.compile(r"data:[^,]*;base64,([A-Za-z0-9+/=]+)")


def decoded_strings(node: Any) -> list[bytes]:
    """Every string of ``node`` that decodes as base64, and every base64 ``data:`` URI inside a
    string, decoded (and zlib streams in them inflated)."""
    found: list[bytes] = []
    if isinstance(node, str):
        payloads = [node] if _BASE64.match(node) else _DATA_URI.findall(node)
        for payload in payloads:
            found += _decoded(payload)
    elif isinstance(node, list):
        for v in node:
            found += decoded_strings(v)
    elif isinstance(node, dict):
        for v in node.values():
            found += decoded_strings(v)
    return found


def _decoded(payload: str) -> list[bytes]:
    found: list[bytes] = []
    if payload:
        try:
            raw = base64.b64decode("".join(payload.split()), validate=True)
        except ValueError:
            return found
        found.append(raw)
        for start in range(len(raw)):  # zTXt / iCCP payloads are compressed
            if raw[start : start + 1] == b"\x78":
                try:
                    found.append(zlib.decompressobj().decompress(raw[start:]))
                except zlib.error:
                    pass
    return found


def leaks(copy: bytes, person: Person) -> list[str]:
    """The traces of ``person`` found in ``copy`` (its text, and every base64 string decoded)."""
    text = copy.decode("utf-8").casefold()
    blobs = [text] + [b.decode("utf-8", "replace").casefold() for b in decoded_strings(json.loads(copy))]
    return sorted({t for t in person.traces() for blob in blobs if t.casefold() in blob})
