"""REST API latency, measured in-process through Django's test client (routing, token auth,
permissions, validation, selectors, database): the app's time without the network.

Shared by `scripts/api_latency.py` (a quick look, seeds its own cases) and the ingest
benchmark (on the cases a preload stored, beside the server's own find by `_id`).
"""

from __future__ import annotations

import itertools
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client

from cases.api.tokens import issue_token
from cases.models import Case

PAGE_SIZE = 20
DEEP_PAGES = 50
# Created cases' client ids start here: clear of any seeded or preloaded client.
CREATED_FROM = 10_000_000


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(samples, 0.5),
        "p99_ms": percentile(samples, 0.99),
        "mean_ms": statistics.fmean(samples),
    }


def timed(call: Callable[[int], Any], repeat: int) -> list[float]:
    samples = []
    for index in range(repeat):
        started = time.perf_counter()
        response = call(index)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")
    return samples


class ApiClient:
    """A superuser's bearer token on Django's test client (an ALLOWED_HOSTS name)."""

    def __init__(self) -> None:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        user = get_user_model().objects.create_superuser(name, "", uuid.uuid4().hex)
        self.headers = {"Authorization": f"Bearer {issue_token(user, name).secret}"}
        self.client = Client(SERVER_NAME="localhost")

    def get(self, path: str, params: dict | None = None) -> Any:
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path: str, body: dict) -> Any:
        return self.client.post(path, body, content_type="application/json", headers=self.headers)

    def cursor_at(self, depth: int) -> str | None:
        """The cursor of page `depth + 1` of the case list, walked page by page."""
        cursor = None
        for _ in range(depth):
            page = self.get("/api/v1/cases", {"limit": PAGE_SIZE, **_cursor(cursor)}).json()
            if not page.get("next_cursor"):
                break
            cursor = page["next_cursor"]
        return cursor


def case_payload(index: int) -> dict:
    """A valid case-creation body, KYC or KYB by parity, unique by `index`."""
    if index % 2:
        return {
            "client_id": f"lat-kyc-{index}",
            "version": "1.0",
            "type": "INDIVIDUAL_STANDARD",
            "traitement_type": "KYC",
            "persons": [{"firstname": "Ann", "lastname": f"Person{index}"}],
        }
    return {
        "client_id": f"lat-kyb-{index}",
        "version": "1.0",
        "type": "COMPANY_STANDARD",
        "traitement_type": "KYB",
        "persons": [{"firstname": "Bob", "lastname": f"Director{index}"}],
        "company_profile": {
            "registered_name": f"Latency {index} SA",
            "registration_number": f"B{index}",
            "country_of_incorporation": "LU",
            "registered_address": {"city": "Luxembourg", "country": "LU"},
        },
        "beneficial_owners": [{"person_details": {"firstname": "Cy", "lastname": "Owner"}}],
    }


def _cursor(cursor: str | None) -> dict:
    return {"cursor": cursor} if cursor else {}


def find_by_id_ms(collection: str, ids: list[Any], repeat: int) -> list[float]:
    """The server's own primitive at this size: one find by `_id`, straight with pymongo."""
    target = connections[DEFAULT_DB_ALIAS].database[collection]
    samples = []
    for index in range(repeat):
        started = time.perf_counter()
        target.find_one({"_id": ids[index % len(ids)]})
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def case_ids(sample: int) -> list[uuid.UUID]:
    """Up to `sample` stored case ids, spread over the collection (see phases.spread_ids)."""
    ids = list(Case.objects.order_by("created_at", "id").values_list("id", flat=True))
    step = max(1, len(ids) // sample)
    return ids[step - 1 :: step][:sample]


def measure_reads(requests: int, ids: list[uuid.UUID] | None = None) -> dict[str, dict]:
    """p50/p99 of list first page, list 50 pages deep (by cursor), detail and create (the
    last, so the reads see only the stored cases), plus find by `_id` on the cases
    collection, `requests` samples each after a short warm-up."""
    api = ApiClient()
    ids = ids or case_ids(500)
    if not ids:
        raise RuntimeError("no cases stored")
    deep = api.cursor_at(DEEP_PAGES - 1)

    def first_page(_: int) -> Any:
        return api.get("/api/v1/cases", {"limit": PAGE_SIZE})

    def deep_page(_: int) -> Any:
        return api.get("/api/v1/cases", {"limit": PAGE_SIZE, **_cursor(deep)})

    def detail(i: int) -> Any:
        return api.get(f"/api/v1/cases/{ids[(i * 7919) % len(ids)]}")

    created = itertools.count(CREATED_FROM)

    def create(_: int) -> Any:  # a new client each time: every call opens a case
        return api.post("/api/v1/cases", case_payload(next(created)))

    operations = {"list first page": first_page, "list 50 pages deep": deep_page}
    operations["case detail"] = detail
    operations["case create"] = create
    results = {}
    for name, call in operations.items():
        timed(call, 3)
        results[name] = summary(timed(call, requests))
    from scripts.bench.phases import spread_ids

    stored_ids = spread_ids(connections[DEFAULT_DB_ALIAS].database[Case._meta.db_table], 20)
    results["find by _id (server)"] = summary(
        find_by_id_ms(Case._meta.db_table, stored_ids, requests)
    )
    results |= server_equivalents(stored_ids, requests)
    return results


def server_equivalents(ids: list[Any], repeat: int) -> dict[str, dict]:
    """The finds the API's reads boil down to, sent straight with pymongo: what the server alone
    costs for them (on FerretDB a filter or sort scans its collection, bigger than `cases`)."""
    database = connections[DEFAULT_DB_ALIAS].database

    def page(_: int) -> None:
        list(database["cases"].find().sort([("created_at", -1), ("_id", 1)]).limit(PAGE_SIZE + 1))

    def detail(i: int) -> None:
        pk = ids[i % len(ids)]
        database["cases"].find_one({"_id": pk})
        list(database["persons"].find({"case_id": pk}))
        list(database["document_requirements"].find({"case_id": pk}))

    figures = {}
    for name, call in (("sorted page (server)", page), ("detail's finds (server)", detail)):
        samples = []
        for index in range(repeat):
            started = time.perf_counter()
            call(index)
            samples.append((time.perf_counter() - started) * 1000)
        figures[name] = summary(samples)
    return figures
