"""Small, valid evidence files made on the fly: a one-page PDF and a PNG.

Real files of the allowed types, so the sniffing, the browser's viewer and the screenshots see
what an analyst would; a few hundred bytes each, so tests stay fast.
"""

from __future__ import annotations

import io

__all__ = ["tiny_pdf", "tiny_png"]


def tiny_pdf(text: str = "Passport") -> bytes:
    """A one-page PDF that prints `text` (ASCII) in Helvetica, with a correct xref table."""
    stream = f"BT /F1 28 Tf 60 700 Td ({text}) Tj ET".encode("ascii")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref_at,
    )
    return bytes(out)


def tiny_png(text: str = "ID", size: tuple[int, int] = (320, 200)) -> bytes:
    """A PNG card with `text` on it (Pillow), like a photographed identity document."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (225, 235, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, size[0] - 8, size[1] - 8), outline=(40, 70, 120), width=4)
    draw.text((24, 24), text, fill=(20, 30, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
