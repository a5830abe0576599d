"""Pieces of the OpenAPI description shared by the routers: error responses, the intake body.

`POST /api/v1/cases` reads its body itself (to validate it with the domain's contract and give
Kafka's field paths), so its schema is declared here from
`cases.intake.contract.ClientRecord`, with the sub-models inlined so the schema stands alone
inside the operation.
"""

from typing import Any

from cases.api.schemas import ErrorOut
from cases.intake.contract import ClientRecord

__all__ = ["describe_errors", "errors", "intake_request_body"]

ERROR_MEANINGS = {
    400: "malformed request (bad JSON, bad cursor)",
    401: "no valid credentials",
    403: "authenticated, but lacking the permission, the CSRF token or the workflow role",
    404: "not found",
    409: "conflict: illegal transition, refused decision, a hit or case not in the state the "
    "action needs, or stale expected_version",
    410: "the file's bytes were removed by retention; its metadata remains",
    413: "request body too large (1 MiB for a case record, EVIDENCE_MAX_BYTES for a file, "
    "Django's upload bound otherwise)",
    415: "the file's type, detected from its bytes, is not one of EVIDENCE_ALLOWED_TYPES",
    416: "the byte range asked for is malformed or past the end of the file",
    422: "invalid input; `errors` lists each field",
}

KYB_EXAMPLE = {
    "client_id": "CLIENT-KYB-42",
    "version": "1.0",
    "type": "COMPANY_STANDARD",
    "traitement_type": "KYB",
    "persons": [{"firstname": "Ada", "lastname": "Lovelace", "role_in_company": "Director"}],
    "company_profile": {
        "registered_name": "Analytical Engines SA",
        "registration_number": "B123456",
        "country_of_incorporation": "LU",
        "registered_address": {"street": "1 rue du Fort", "city": "Luxembourg", "country": "LU"},
    },
    "beneficial_owners": [
        {
            "person_details": {"firstname": "Charles", "lastname": "Babbage"},
            "ownership_percentage": 60,
            "is_ubo": True,
        }
    ],
}


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """`response=` entries for the error statuses an operation can answer."""
    return dict.fromkeys(codes, ErrorOut)


ERROR_RESPONSE = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


def _statuses_every_operation_like_this_has(operation: dict[str, Any]) -> set[int]:
    """Statuses that come from the plumbing, not the operation's code: a body can be
    unreadable (400) or over Django's upload bound (413); a cursor can be forged (400)."""
    statuses: set[int] = set()
    if "requestBody" in operation:
        statuses |= {400, 413}
    if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
        statuses.add(400)
    return statuses


# OpenAPI links: which answer gives the id another operation needs, so a client (and the
# stateful contract test) can go from a new or claimed case to its decisions and documents.
_CASE_READS = [
    "cases_api_cases_get_case",
    "cases_api_cases_list_events",
    "cases_api_persons_list_case_persons",
    "cases_api_documents_list_case_requirements",
    "cases_api_screening_get_case_screening",
]
_CASE_WRITES = [
    "cases_api_cases_change_status",
    "cases_api_cases_add_note",
    "cases_api_workflow_assign",
    "cases_api_workflow_propose",
    "cases_api_workflow_approve",
    "cases_api_workflow_return_",
    "cases_api_screening_rescreen",
]
_COMPANY_READS = [
    "cases_api_companies_get_company",
    "cases_api_companies_list_owners",
    "cases_api_companies_list_persons",
]
_REQUIREMENT_OPERATIONS = [
    "cases_api_documents_get_requirement",
    "cases_api_documents_get_history",
    "cases_api_documents_update_status",
    "cases_api_evidence_upload_file",
    "cases_api_evidence_list_files",
    "cases_api_evidence_list_accesses",
]
_EVIDENCE_DOWNLOAD = "cases_api_evidence_download_file"


def _to(operation_ids: list[str], parameter: str, expression: str) -> dict[str, Any]:
    return {
        operation_id: {"operationId": operation_id, "parameters": {parameter: expression}}
        for operation_id in operation_ids
    }


LINKS: dict[tuple[str, str], dict[str, Any]] = {
    ("cases_api_cases_create", "201"): {
        **_to(_CASE_READS + _CASE_WRITES, "case_id", "$response.body#/case_id"),
        **_to(_COMPANY_READS, "company_id", "$response.body#/company_id"),
        **_to(_REQUIREMENT_OPERATIONS, "requirement_id", "$response.body#/requirement_ids/0"),
        **_to(["cases_api_clients_get_client"], "client_id", "$request.body#/client_id"),
    },
    # An uploaded version is downloadable at once, and its download shows in the access log.
    ("cases_api_evidence_upload_file", "201"): {
        _EVIDENCE_DOWNLOAD: {
            "operationId": _EVIDENCE_DOWNLOAD,
            "parameters": {
                "requirement_id": "$response.body#/requirement_id",
                "version": "$response.body#/version",
            },
        },
        **_to(
            ["cases_api_evidence_list_files", "cases_api_evidence_list_accesses"],
            "requirement_id",
            "$response.body#/requirement_id",
        ),
    },
    ("cases_api_cases_create", "200"): _to(
        _CASE_READS + _CASE_WRITES, "case_id", "$response.body#/case_id"
    ),
    **{
        (operation_id, "200"): _to(_CASE_READS + _CASE_WRITES, "case_id", "$response.body#/id")
        for operation_id in (
            "cases_api_workflow_claim_next",
            "cases_api_workflow_assign",
            "cases_api_workflow_propose",
            "cases_api_cases_change_status",
        )
    },
}


def _add_links(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        links = LINKS.get((operation.get("operationId", ""), str(status)))
        if links:
            response["links"] = {f"to_{target}": link for target, link in links.items()}


def describe_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Every status an operation can answer is listed, with this API's meaning and the error
    body (ninja writes the phrase and only the statuses a router names)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            # ninja keys its responses by int; one key per status, or the JSON document names a
            # status twice (Swagger UI then refuses the whole document).
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for status in _statuses_every_operation_like_this_has(operation):
                responses.setdefault(str(status), {"content": ERROR_RESPONSE})
            _add_links(operation)
            for status, response in responses.items():
                meaning = ERROR_MEANINGS.get(int(status))
                if meaning:
                    response["description"] = meaning
    return schema


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(definitions[ref.rsplit("/", 1)[-1]], definitions)
        return {key: _inline(value, definitions) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


def intake_request_body() -> dict[str, Any]:
    schema = ClientRecord.model_json_schema(mode="validation")
    return {
        "required": True,
        "description": "A case-intake record, schema version 1.0 (SPEC §1).",
        "content": {
            "application/json": {
                "schema": _inline(schema, schema.get("$defs", {})),
                "example": KYB_EXAMPLE,
            }
        },
    }
