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
    409: "conflict: illegal transition, refused decision or stale expected_version",
    413: "request body larger than 1 MiB",
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


def describe_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every documented error status its meaning in this API (ninja writes the phrase)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
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
