"""Schema-driven: schemathesis generates requests from our own OpenAPI document, for every
operation, and checks that none gets a 5xx or an answer the schema does not describe.

Each operation runs twice on a small budget: once with generated path ids (mostly unknown, so
the 404 shapes are exercised) and once pinned to the ids of a real KYB case (so the 200 shapes
and the writes are). The budget keeps the whole test well under a minute.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.models import DocumentRequirement, RawEvent
from tests.integration.api.payloads import KYB
from tests.integration.helpers import open_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("document_rules"),
]

EXAMPLES_PER_PASS = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _real_ids() -> dict[str, str]:
    case = open_case(KYB)
    requirement = DocumentRequirement.objects.filter(case_id=case.pk).first()
    raw = RawEvent.objects.create(
        id=case.pk,  # any stable id; the raw store keeps whatever was received
        topic="openapi",
        partition=0,
        offset=1,
        payload={"client_id": "x"},
        received_at=case.created_at,
    )
    return {
        "case_id": str(case.pk),
        "company_id": str(case.company_id),
        "requirement_id": str(requirement.pk),
        "raw_event_id": str(raw.pk),
        "client_id": case.client_id,
    }


def test_every_operation_answers_as_its_schema_says_and_never_with_a_5xx(make_caller):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    auth = make_caller(superuser=True).auth
    ids = _real_ids()
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 17

    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        for pinned in ({}, {name: ids[name] for name in names}):

            @settings(
                max_examples=EXAMPLES_PER_PASS,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(path_parameters=pinned or None))
            def check(case):
                case.call_and_validate(headers=auth, checks=CHECKS)

            check()
            if not names:
                break
