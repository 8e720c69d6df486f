"""Metadata out of the images in an anonymised notebook (outputs and cell attachments).

Images are not decoded or re-encoded: their container is walked and only what draws pixels is
kept, so the copy is lossless and no image codec parses student files.

- PNG: an allow-list of chunks (header, palette, pixel data, transparency, colour and physical
  size, APNG frames). Text (``tEXt``, ``zTXt``, ``iTXt``), ``eXIf``, ``tIME``, ICC profiles
  (``iCCP`` carries a free-text profile name) and every unknown or private chunk go.
- JPEG: every APPn segment except JFIF ``APP0`` and Adobe ``APP14`` (so EXIF and XMP in APP1,
  ICC in APP2, IPTC in APP13 go) and every comment (``COM``); tables, frames and scans stay.

A file that does not parse as what its MIME type says is not kept at all (``None``): what
cannot be walked cannot be cleaned.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP = frozenset(
    {
        b"IHDR",
        b"PLTE",
        b"IDAT",
        b"IEND",
        b"tRNS",
        b"gAMA",
        b"cHRM",
        b"sRGB",
        b"sBIT",
        b"pHYs",
        b"bKGD",
        b"hIST",
        b"acTL",
        b"fcTL",
        b"fdAT",
    }
)
_JPEG_KEEP_APP = {0xE0: b"JFIF\x00", 0xEE: b"Adobe"}
_JPEG_NO_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7
_SOS, _EOI, _COM = 0xDA, 0xD9, 0xFE


def clean_png(data: bytes) -> bytes | None:
    """The PNG with only pixel-drawing chunks, or None if it is not a well-formed PNG."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    out = [PNG_SIGNATURE]
    pos = len(PNG_SIGNATURE)
    seen_end = False
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            return None
        chunk = data[pos:end]
        if zlib.crc32(chunk[4:-4]) != struct.unpack(">I", chunk[-4:])[0]:
            return None
        if kind in _PNG_KEEP:
            out.append(chunk)
        pos = end
        if kind == b"IEND":
            seen_end = True
            break
    if not seen_end or len(out) < 3:
        return None
    return b"".join(out)


def clean_jpeg(data: bytes) -> bytes | None:
    """The JPEG without EXIF/XMP/ICC/IPTC segments and comments, or None if it is malformed."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = bytearray(b"\xff\xd8")
    pos = 2
    n = len(data)
    while pos < n:
        if data[pos] != 0xFF:
            return None
        while pos < n and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= n:
            return None
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _JPEG_NO_LENGTH:
            out += bytes((0xFF, marker))
            continue
        if pos + 2 > n:
            return None
        length = struct.unpack(">H", data[pos : pos + 2])[0]
        if length < 2 or pos + length > n:
            return None
        segment = data[pos : pos + length]
        pos += length
        if marker == _COM or (
            0xE0 <= marker <= 0xEF
            and not segment[2:].startswith(_JPEG_KEEP_APP.get(marker, b"\x00\x00\x00\x00\x00\x00"))
        ):
            continue
        out += bytes((0xFF, marker)) + segment
        if marker == _SOS:  # entropy-coded data up to the next marker that is not a stuffed 0xFF00 or RSTn
            start = pos
            while pos + 1 < n and not (
                data[pos] == 0xFF and data[pos + 1] != 0x00 and not 0xD0 <= data[pos + 1] <= 0xD7
            ):
                pos += 1
            if pos + 1 >= n:
                return None
            out += data[start:pos]
    return None  # no end-of-image marker


CLEANERS = {"image/png": clean_png, "image/jpeg": clean_jpeg}
