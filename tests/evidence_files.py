"""Small, valid-looking files of each accepted type, made in the test (no fixtures on disk).

Each starts with its format's real signature and structure so the sniffer sees what a real
file would show it; `padding` makes a file of a given size.
"""

from __future__ import annotations

import struct
import zlib


def pdf(padding: int = 0, text: str = "evidence") -> bytes:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    )
    comment = b"%" + text.encode() + b"\n"
    return body + comment + b"%" + b"x" * padding + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png(padding: int = 0) -> bytes:
    """A 1x1 grey PNG (with a text chunk of `padding` bytes)."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    text = _png_chunk(b"tEXt", b"Comment\x00" + b"p" * padding) if padding else b""
    data = _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    return b"\x89PNG\r\n\x1a\n" + header + text + data + _png_chunk(b"IEND", b"")


def jpeg(padding: int = 0) -> bytes:
    """SOI, a JFIF APP0 segment, a comment of `padding` bytes (split in segments), EOI."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    comments = b""
    while padding > 0:
        piece = min(padding, 65000)
        comments += b"\xff\xfe" + struct.pack(">H", piece + 2) + b"c" * piece
        padding -= piece
    return b"\xff\xd8" + app0 + comments + b"\xff\xd9"


def tiff(padding: int = 0, big_endian: bool = False) -> bytes:
    """A TIFF header pointing at an empty IFD, then `padding` bytes."""
    if big_endian:
        return b"MM\x00*" + struct.pack(">I", 8) + b"\x00\x00" + b"\x00" * 4 + b"t" * padding
    return b"II*\x00" + struct.pack("<I", 8) + b"\x00\x00" + b"\x00" * 4 + b"t" * padding


def heic(padding: int = 0, major: bytes = b"heic") -> bytes:
    """An ISO BMFF `ftyp` box with HEIF brands, an empty `meta` box, then `padding` bytes."""
    brands = major + struct.pack(">I", 0) + b"mif1" + b"heic"
    ftyp = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    meta = struct.pack(">I", 12) + b"meta" + b"\x00" * 4
    return ftyp + meta + b"h" * padding


def mp4() -> bytes:
    """An ISO BMFF file that is not HEIF (a video): refused."""
    brands = b"isom" + struct.pack(">I", 512) + b"isom" + b"mp41"
    return struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands + b"\x00" * 64


SAMPLES = {
    "application/pdf": pdf,
    "image/png": png,
    "image/jpeg": jpeg,
    "image/tiff": tiff,
    "image/heic": heic,
}
