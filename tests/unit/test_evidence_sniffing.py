"""The type of a file from its bytes (SPEC §5a), pure: every accepted signature and near misses."""

from __future__ import annotations

import pytest

from cases.evidence.sniffing import sniff_content_type
from tests.evidence_files import SAMPLES, heic, mp4, pdf, tiff


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_each_accepted_type_is_recognised_from_its_first_bytes(content_type):
    assert sniff_content_type(SAMPLES[content_type]()[:1024]) == content_type


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (tiff(big_endian=True), "image/tiff"),
        (heic(major=b"mif1"), "image/heic"),  # generic HEIF major brand, heic compatible
        (heic(major=b"heix"), "image/heic"),
        (b"\n\n%PDF-1.7\n", "application/pdf"),  # readers accept a header after some bytes
        (b"x" * 1100 + b"%PDF-1.7", None),  # but only within the first kilobyte
        (mp4(), None),  # ISO BMFF without a HEIF brand
        (b"GIF89a", None),
        (b"\xff\xd8", None),  # a JPEG needs its third marker byte
        (b"PK\x03\x04", None),  # zip (docx, xlsx): refused
        (b"", None),
    ],
    ids=[
        "tiff-be",
        "heif-mif1",
        "heix",
        "pdf-late",
        "pdf-too-late",
        "mp4",
        "gif",
        "short-jpeg",
        "zip",
        "empty",
    ],
)
def test_near_misses_and_variants(head, expected):
    assert sniff_content_type(head) == expected


def test_a_pdf_named_like_an_image_is_still_a_pdf():
    assert sniff_content_type(pdf()) == "application/pdf"
