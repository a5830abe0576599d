"""schemathesis hooks for this API, loaded through schemathesis.toml (CLI and test alike).

A generated `Idempotency-Key` stands for one request. Hypothesis reuses small strings ("0",
"") across the requests it generates, and the API refuses, as documented, a key already used
for a different request to the same operation (422). So each schema-valid key is tied to what
varies within an operation (path parameters, query, body): a repeat of the same request keeps
its key (and is served as a retry), a different request to the operation gets another key.
The method and path template are left out on purpose, so the same key still reaches other
operations whenever their parameters coincide (it must be another key there: the scope is the
caller and the operation). A key the generator made invalid on purpose (longer than the
schema allows) is left alone, so negative testing still sees it.
"""

import hashlib
import json
from typing import Any

import schemathesis

HEADER = "Idempotency-Key"
MAX_LENGTH = 200  # cases.api.params.IdempotencyKey
SUFFIX_LENGTH = 16


def _request_fingerprint(case: Any) -> str:
    body = getattr(case, "body", None)
    try:
        body_text = json.dumps(body, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        body_text = repr(body)
    parts = tuple(
        json.dumps(part, sort_keys=True, default=repr)
        for part in (case.path_parameters, case.query)
    )
    digest = hashlib.sha256("\x1f".join((*parts, body_text)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:SUFFIX_LENGTH]


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    key = headers.get(HEADER)
    if not isinstance(key, str) or len(key) > MAX_LENGTH:
        return
    prefix = key[: MAX_LENGTH - SUFFIX_LENGTH - 1]
    headers[HEADER] = f"{prefix}~{_request_fingerprint(case)}"
