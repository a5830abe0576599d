"""Opening evidence: the bytes, byte ranges, and the access log row written first (SPEC §5a)."""

from __future__ import annotations

import pytest

from cases.core.errors import InvalidCommand, NotFound, RangeNotSatisfiable
from cases.evidence.ranges import ByteRange
from cases.evidence.services import access_log, open_evidence
from cases.models import EvidenceAccess
from tests.evidence_files import pdf
from tests.integration.evidence.conftest import upload

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_opening_a_version_records_who_which_version_and_when_before_the_bytes(requirement):
    data = pdf(padding=700 * 1024)  # three GridFS chunks
    row = upload(requirement.id, data)

    opened = open_evidence(requirement.id, 1, "USER:carol", "download", request_id="req-1")
    [access] = EvidenceAccess.objects.all()  # stored before a byte is read
    assert b"".join(opened.chunks(chunk_size=100_000)) == data

    assert (access.user, access.action, access.version, access.range) == (
        "USER:carol",
        "DOWNLOAD",
        1,
        "",
    )
    assert (access.file_id, access.requirement_id, access.case_id) == (
        row.pk,
        requirement.id,
        requirement.case_id,
    )
    assert access.request_id == "req-1"
    assert (opened.length, opened.content_type) == (len(data), "application/pdf")


def test_a_byte_range_across_chunk_boundaries_returns_exactly_those_bytes(requirement):
    data = bytes(range(256)) * 4096  # 1 MiB of varied bytes after a PDF header
    data = pdf() + data
    upload(requirement.id, data)
    first, last = 255 * 1024 - 10, 2 * 255 * 1024 + 10  # spans three chunks

    opened = open_evidence(requirement.id, 1, "USER:carol", "VIEW", ByteRange(first, last))
    assert b"".join(opened.chunks(chunk_size=4096)) == data[first : last + 1]
    assert opened.range.content_range() == f"bytes {first}-{last}/{len(data)}"

    tail = open_evidence(requirement.id, 1, "USER:carol", "VIEW", ByteRange.parse("bytes=-100"))
    assert b"".join(tail.chunks()) == data[-100:]
    ranges = [a.range for a in access_log(requirement.id)]
    assert ranges == [
        f"bytes {len(data) - 100}-{len(data) - 1}/{len(data)}",
        f"bytes {first}-{last}/{len(data)}",
    ]


def test_an_unsatisfiable_range_or_unknown_version_is_refused_and_not_logged(requirement):
    data = pdf()
    upload(requirement.id, data)
    with pytest.raises(RangeNotSatisfiable) as refused:
        open_evidence(requirement.id, 1, "USER:carol", "VIEW", ByteRange(len(data), None))
    assert refused.value.size == len(data)
    with pytest.raises(NotFound):
        open_evidence(requirement.id, 2, "USER:carol", "VIEW")
    with pytest.raises(InvalidCommand):
        open_evidence(requirement.id, 1, "USER:carol", "PRINT")
    assert EvidenceAccess.objects.count() == 0


def test_the_access_log_lists_every_open_newest_first(requirement):
    upload(requirement.id, pdf())
    upload(requirement.id, pdf(text="v2"))
    for user, version, action in [
        ("USER:ana", 1, "PREVIEW"),
        ("USER:bob", 2, "VIEW"),
        ("TOKEN:frontend", 2, "DOWNLOAD"),
    ]:
        open_evidence(requirement.id, version, user, action).close()

    log = access_log(requirement.id)
    assert [(a.user, a.version, a.action) for a in log] == [
        ("TOKEN:frontend", 2, "DOWNLOAD"),
        ("USER:bob", 2, "VIEW"),
        ("USER:ana", 1, "PREVIEW"),
    ]
    assert len(access_log(requirement.id, limit=2)) == 2
