"""The type of a file from its first bytes (magic numbers); the client's header is never trusted.

Pure: a small signature table for exactly the types evidence accepts (PDF, JPEG, PNG, TIFF,
HEIC), so no dependency is needed. `HEAD_BYTES` is how much of the start the sniffer needs.
"""

from __future__ import annotations

__all__ = ["HEAD_BYTES", "sniff_content_type"]

# PDF readers accept the header anywhere in the first kilobyte (ISO 32000-1, annex H.3).
PDF_WINDOW = 1024
HEAD_BYTES = PDF_WINDOW

# Exact prefixes.
_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),  # little-endian TIFF
    (b"MM\x00*", "image/tiff"),  # big-endian TIFF
)
# HEIF brands (ISO/IEC 23008-12) of HEIC images and image sequences; "mif1"/"msf1" are the
# generic HEIF brands phones also write as the major brand.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})


def _is_heic(head: bytes) -> bool:
    """An ISO base media `ftyp` box first, whose major or a compatible brand is HEIF."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(head[0:4], "big")
    if box_size < 16 or box_size % 4:
        return box_size == 12 and head[8:12] in _HEIC_BRANDS
    brands = [head[8:12]] + [
        head[offset : offset + 4] for offset in range(16, min(box_size, len(head)), 4)
    ]
    return any(brand in _HEIC_BRANDS for brand in brands)


def sniff_content_type(head: bytes) -> str | None:
    """The MIME type the bytes start like, or None when none of the known signatures fits."""
    for prefix, content_type in _PREFIXES:
        if head.startswith(prefix):
            return content_type
    if b"%PDF-" in head[:PDF_WINDOW]:
        return "application/pdf"
    if _is_heic(head):
        return "image/heic"
    return None
