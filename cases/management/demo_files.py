"""Small fictional evidence files for the demo, made in code (no binary fixtures, no Pillow).

`scripts/run.sh` uploads them through the real evidence service so a first look at a demo case
shows files beside its requirements: a one-page PDF that reads as a scanned document and a PNG
card standing in for a photographed identity document. Both say they are fictional.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["demo_pdf", "demo_png"]


def _pdf_text(value: str) -> bytes:
    """A PDF literal string: ASCII only, with its delimiters escaped."""
    ascii_only = value.encode("ascii", "replace").decode("ascii")
    escaped = ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})".encode("ascii")


def demo_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """One A4-ish page printing `title` large and `lines` below it, with a valid xref table."""
    commands = [b"BT /F1 26 Tf 60 720 Td " + _pdf_text(title) + b" Tj ET"]
    for row, line in enumerate(lines):
        commands.append(b"BT /F1 13 Tf 60 %d Td " % (680 - 22 * row) + _pdf_text(line) + b" Tj ET")
    content = b"\n".join(commands)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    document = bytearray(b"%PDF-1.4\n")
    positions = []
    for number, body in enumerate(objects, start=1):
        positions.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table_at = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % position for position in positions)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        table_at,
    )
    return bytes(document)


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def demo_png(width: int = 360, height: int = 228) -> bytes:
    """An identity-card-like PNG: a pale card, a dark border, a photo box and text-like bars."""
    paper, ink, photo, bar = (232, 238, 246), (38, 64, 112), (170, 184, 204), (120, 136, 160)

    def colour(x: int, y: int) -> tuple[int, int, int]:
        if x < 6 or y < 6 or x >= width - 6 or y >= height - 6:
            return ink
        if 20 <= x < 110 and 40 <= y < 160:
            return photo
        if 130 <= x < width - 24 and any(top <= y < top + 9 for top in range(48, 160, 26)):
            return bar
        if 20 <= x < width - 20 and 14 <= y < 26:
            return ink
        return paper

    rows = b"".join(
        b"\x00" + b"".join(bytes(colour(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )
