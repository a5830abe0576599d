"""Every list, filter and lookup SPEC §4 wants indexed runs on an index (issue #23, part 3).

For each query of `cases/selectors/`, the routing lookup of client updates, claim-next, the
event-store reads and the outbox sweep, the test runs the product's own function, captures
the commands the driver sends (pymongo command monitoring: the real pipeline, limit and sort
included), asks the server to `explain` each one, and asserts that no plan scans a whole
collection (filtered reads) or reads one without a limit (reads with no filter).

Reading plans: MongoDB answers with `winningPlan` stages (COLLSCAN, IXSCAN, ...). FerretDB v2
answers with PostgreSQL's plan of the DocumentDB query (`queryPlanner.Plan`, nested `Plans`):
a whole-collection read is a "Seq Scan", or an index scan of `_id_` whose only condition is
`shard_key_value = N` (every document of an unsharded collection has the same shard key, so
that "index scan" reads them all). An index scan with a condition on the document is indexed.

Data: PostgreSQL's planner rightly prefers a sequential scan on tables of a few pages, so the
collections are filled first (3,000 records' worth of every collection), with a realistic
mix rather than a tiny one: documents made by the pipeline's own code
(scripts/bench/documents.py) and their commit markers, then most cases decided (as in
production, where the claim queue and the open statuses are a small share of all cases),
creation times spread over weeks, an outbox mostly delivered. No server setting is changed.

Statistics: on DocumentDB the planner costs each table by PostgreSQL's statistics, which
autovacuum refreshes about a minute after a bulk load. This test runs after hundreds of others
in the same database, so without a refresh the outbox of 3,000 rows can still be costed as the
1 row it held when last analysed, and near-equal plans flip between the index and a walk of
`_id_` (seen in CI). The test therefore analyses its collections once the rows are in, as a
live server's autovacuum would (`scripts/services.sh analyze`); MongoDB needs nothing of this.

Reads with no filter at all (a capped count, the first page of a full list or of a rebuild)
have nothing to look up and are checked for their limit. DocumentDB on this build never serves
a sort from an index (even `find().sort({a: 1}).limit(5)` on an index of `a` is a sequential
scan and a top-N sort; `documentdb.enableIndexOrderbyPushdown` does not change that here,
docs/ferretdb.md), so there, and only for those, a bounded whole read is accepted; on
MongoDB their sort must use an index.

One test rather than one per query: on this backend without transactions every database
test empties the database after it, and the rows are what the planner decides on.
"""

from __future__ import annotations

import random
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from pymongo import UpdateOne, monitoring

from cases import selectors
from cases.client_updates import claims
from cases.core import bulk, event_store
from cases.documents.rules import DEFAULT_DOCUMENT_RULES
from cases.models import (
    Case,
    Client,
    DocumentRequirement,
    EventCommit,
    EvidenceAccess,
    EvidenceFile,
    Notification,
    PartyScreening,
    ScreeningHit,
    ScreeningRequest,
    StoredEvent,
)
from cases.screening.projections import load_states
from cases.screening.services import pending_requests
from scripts.bench.documents import documents_for, insert_documents, sample_records

pytestmark = [pytest.mark.integration]

RECORDS = 3000
EXPLAINED = frozenset({"aggregate", "find", "count", "distinct"})
NOT_PART_OF_THE_COMMAND = frozenset(
    {"lsid", "$db", "$clusterTime", "$readPreference", "txnNumber", "signature", "comment"}
)


class CommandCapture(monitoring.CommandListener):
    """The read commands sent while `capturing` is open (registered once, process-wide)."""

    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] | None = None

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.commands is not None and event.command_name in EXPLAINED:
            command = {k: v for k, v in event.command.items() if k not in NOT_PART_OF_THE_COMMAND}
            self.commands.append(command)

    def succeeded(self, event: Any) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass

    def capture(self, run: Callable[[], Any]) -> list[dict[str, Any]]:
        self.commands = []
        try:
            run()
            return self.commands
        finally:
            self.commands = None


@dataclass(frozen=True)
class Scan:
    """One leaf read of a plan: how the rows are found, and on which index."""

    kind: str
    index: str | None
    condition: str | None

    @property
    def reads_everything(self) -> bool:
        if self.kind in ("Seq Scan", "COLLSCAN"):
            return True
        # DocumentDB: `_id_` restricted to the shard key only is the whole collection.
        return self.index == "_id_" and (self.condition or "").startswith("(shard_key_value =")


def plan_nodes(explain: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of the plan, for DocumentDB's (PostgreSQL) and MongoDB's answers."""
    stack: list[Any] = [explain]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def scans(explain: dict[str, Any]) -> list[Scan]:
    found = []
    for node in plan_nodes(explain):
        kind = node.get("Node Type")
        if kind and ("Scan" in kind) and kind not in ("Bitmap Heap Scan", "Subquery Scan"):
            found.append(Scan(kind, node.get("Index Name"), node.get("Index Cond")))
        stage = node.get("stage")
        if stage in ("COLLSCAN", "IXSCAN", "IDHACK", "EXPRESS_IXSCAN", "EXPRESS_IDHACK"):
            found.append(Scan(stage, node.get("indexName"), str(node.get("indexBounds", ""))))
    return found


def is_bounded(explain: dict[str, Any]) -> bool:
    """A limit (or a count capped by one) above the scans."""
    return any(
        node.get("Node Type") == "Limit" or node.get("stage") == "LIMIT" or "$limit" in node
        for node in plan_nodes(explain)
    )


def explain(command: dict[str, Any]) -> dict[str, Any]:
    database = connections[DEFAULT_DB_ALIAS].database
    return database.command("explain", command, verbosity="queryPlanner")


# --- Data ------------------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0)
DECIDED = ("APPROVED", "APPROVED", "APPROVED", "REJECTED", "CLOSED")


def populate() -> dict[str, Any]:
    """A few thousand records' worth of every collection, shaped like a working system."""
    rules = list(DEFAULT_DOCUMENT_RULES)
    records = sample_records("plans", RECORDS, seed=23)
    while chunk := [record for _, record in zip(range(500), records, strict=False)]:
        insert_documents(documents_for(chunk, rules))
    rng = random.Random(23)
    cases = list(bulk.collection(Case).find({}, {"_id": 1}).sort("_id", 1))
    updates, outbox = [], []
    for index, row in enumerate(cases):
        created = NOW - timedelta(minutes=20 * index)
        share = rng.random()
        if share < 0.07:  # the claim queue: unassigned, open
            change = {"status": "OPEN", "assignee": None}
        elif share < 0.12:
            change = {"status": "IN_REVIEW", "assignee": f"analyst{index % 9}"}
        elif share < 0.15:
            change = {
                "status": "PENDING_APPROVAL",
                "assignee": f"analyst{index % 9}",
                "approval_group": "Compliance analyst",
                "proposed_by": f"analyst{index % 9}",
            }
        else:
            change = {"status": rng.choice(DECIDED), "assignee": f"analyst{index % 9}"}
        change |= {"created_at": created, "updated_at": created}
        change["due_at"] = created + timedelta(days=5)
        updates.append(UpdateOne({"_id": row["_id"]}, {"$set": _naive(change)}))
        outbox.append(_notification(row["_id"], created, pending=share < 0.02))
    bulk.collection(Case).bulk_write(updates, ordered=False)
    bulk.insert_missing(outbox)
    _screening_documents([uuid.UUID(row["_id"]) for row in cases], rng)
    evidenced = _evidence_documents(rng)
    causations = bulk.collection(StoredEvent).distinct("metadata.causation_id")
    bulk.insert_missing(
        EventCommit(command_id=event_store.command_id_of(c), causation_id=c, committed_at=NOW)
        for c in causations
    )
    return {
        "case": Case.objects.filter(status="OPEN").order_by("created_at").first(),
        "kyb_case": Case.objects.filter(status="OPEN", company__isnull=False).first(),
        "client": Client.objects.order_by("client_id").first(),
        "evidenced": evidenced,
    }


def _evidence_documents(rng: random.Random) -> uuid.UUID:
    """A file on one requirement in three, a few reads of each; one requirement in ten
    verified with an expiry date spread over a year either side (SPEC §5a). Returns a
    requirement with files."""
    files, accesses, verified = [], [], []
    rows = bulk.collection(DocumentRequirement).find({}, {"_id": 1, "case_id": 1})
    for index, row in enumerate(rows):
        requirement_id, case_id = uuid.UUID(row["_id"]), uuid.UUID(row["case_id"])
        if rng.random() < 0.1:
            expires = (NOW + timedelta(days=rng.randint(-365, 365))).replace(tzinfo=None)
            verified.append(
                UpdateOne(
                    {"_id": row["_id"]},
                    {"$set": {"status": "VERIFIED_MANUAL", "expires_on": expires}},
                )
            )
        if index % 3:
            continue
        file_id = uuid.uuid4()
        files.append(
            EvidenceFile(
                id=file_id,
                requirement_id=requirement_id,
                case_id=case_id,
                version=1,
                sha256="0" * 64,
                size=1000,
                content_type="application/pdf",
                uploaded_by="USER:a",
                uploaded_at=NOW,
                storage_name=f"{case_id}/{requirement_id}/x",
            )
        )
        accesses += [
            EvidenceAccess(
                id=uuid.uuid4(),
                file_id=file_id,
                requirement_id=requirement_id,
                case_id=case_id,
                version=1,
                user="USER:b",
                at=NOW - timedelta(minutes=n),
                action="VIEW",
            )
            for n in range(2)
        ]
    bulk.collection(DocumentRequirement).bulk_write(verified, ordered=False)
    bulk.insert_missing(files)
    bulk.insert_missing(accesses)
    return files[0].requirement_id


def _screening_documents(case_ids: list[uuid.UUID], rng: random.Random) -> None:
    """Per case a finished request and a latest screening; a hit on one case in five, mostly
    resolved; a few requests still pending (SPEC §3c)."""
    requests, screenings, hits = [], [], []
    for index, case_id in enumerate(case_ids):
        at = NOW - timedelta(minutes=20 * index)
        party = uuid.uuid4()
        requests.append(
            ScreeningRequest(
                id=uuid.uuid4(),
                case_id=case_id,
                reason="CASE_CREATED",
                status="PENDING" if rng.random() < 0.03 else "DONE",
                requested_at=at,
            )
        )
        screenings.append(
            PartyScreening(
                id=uuid.uuid4(),
                case_id=case_id,
                party_type="PERSON",
                party_id=party,
                dataset="watch",
                list_version="v1",
                algorithm="logic-v2",
                threshold=0.7,
                scope="full",
                screened_at=at,
                request_id=requests[-1].id,
            )
        )
        if rng.random() < 0.2:
            hits.append(
                ScreeningHit(
                    id=uuid.uuid4(),
                    case_id=case_id,
                    party_type="PERSON",
                    party_id=party,
                    dataset="watch",
                    list_version="v1",
                    entity_id=f"e{index}",
                    entity_hash="h",
                    schema="Person",
                    caption="Someone",
                    score=0.8,
                    algorithm="logic-v2",
                    status="OPEN" if rng.random() < 0.1 else "FALSE_POSITIVE",
                    raised_at=at,
                    screened_at=at,
                )
            )
    for documents in (requests, screenings, hits):
        bulk.insert_missing(documents)


def _naive(values: dict[str, Any]) -> dict[str, Any]:
    """Datetimes as the backend stores them (naive UTC)."""
    return {
        key: value.replace(tzinfo=None) if isinstance(value, datetime) else value
        for key, value in values.items()
    }


def _notification(case_id: str, created: datetime, *, pending: bool) -> Notification:
    return Notification(
        id=uuid.uuid4(),
        case_id=uuid.UUID(case_id),
        topic="notification_events",
        key=case_id,
        envelope={},
        status="PENDING" if pending else "DELIVERED",
        created_at=created,
    )


def on_documentdb() -> bool:
    database = connections[DEFAULT_DB_ALIAS].database
    return "ferretdb" in database.client.admin.command("buildInfo")


def refresh_planner_statistics() -> None:
    """What autovacuum does within a minute of a bulk load, at once (see the module docstring)."""
    services = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"
    database = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    subprocess.run([str(services), "analyze", database], check=True, timeout=300)  # noqa: S603


def capturing_listener() -> CommandCapture:
    """Listeners join a client when it is created: register one, then let Django reconnect."""
    listener = CommandCapture()
    monitoring.register(listener)
    connections[DEFAULT_DB_ALIAS].close_pool()
    return listener


# --- The queries -----------------------------------------------------------------------------


def page(queryset: Any) -> list[Any]:
    """What an API list reads: its first page of 20."""
    return list(queryset[:20])


def queries(world: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """name -> the product's call, as its callers make it (API pages of 20)."""
    case, kyb, client = world["case"], world["kyb_case"], world["client"]
    week_ago = NOW - timedelta(days=7)
    return {
        # cases/selectors/cases.py
        "get_case": lambda: selectors.get_case(case.pk),
        "list_cases client_id": lambda: page(selectors.list_cases(client_id=case.client_id)),
        "list_cases traitement_type": lambda: page(selectors.list_cases(traitement_type="kyb")),
        "list_cases case_type": lambda: page(
            selectors.list_cases(case_type="ENHANCED_DUE_DILIGENCE")
        ),
        "list_cases status": lambda: page(selectors.list_cases(status="in_review")),
        "list_cases created range": lambda: page(
            selectors.list_cases(created_from=week_ago, created_to=NOW)
        ),
        "list_cases assignee": lambda: page(selectors.list_cases(assignee="analyst3")),
        "list_cases overdue": lambda: page(selectors.list_cases(overdue=True, now=NOW)),
        "list_claimable_cases": lambda: page(selectors.list_claimable_cases()),
        "list_claimable_cases kyc": lambda: page(
            selectors.list_claimable_cases(traitement_type="KYC")
        ),
        "list_awaiting_approval": lambda: page(
            selectors.list_awaiting_approval(username="analyst1", groups=["Compliance analyst"])
        ),
        "count_workflow": lambda: selectors.count_workflow(
            now=NOW, username="analyst1", groups=["Compliance analyst"]
        ),
        "list_cases_becoming_overdue": lambda: page(selectors.list_cases_becoming_overdue(now=NOW)),
        "get_case_detail kyb": lambda: selectors.get_case_detail(kyb.pk),
        "get_case_timeline": lambda: selectors.get_case_timeline(case.pk),
        # cases/selectors/audit.py
        "list_raw_events status": lambda: page(selectors.list_raw_events(status="rejected")),
        "list_raw_events topic": lambda: page(selectors.list_raw_events(topic="plans")),
        "list_raw_events client_id": lambda: page(
            selectors.list_raw_events(client_id=case.client_id)
        ),
        "get_raw_event": lambda: selectors.get_raw_event(case.source_raw_event_id),
        # cases/selectors/clients.py
        "list_clients traitement_type": lambda: page(selectors.list_clients(traitement_type="KYB")),
        "list_clients has_open_case": lambda: page(selectors.list_clients(has_open_case=True)),
        "get_client_detail": lambda: selectors.get_client_detail(client.client_id),
        # cases/selectors/documents.py
        "list_case_requirements": lambda: list(selectors.list_case_requirements(kyb.pk)),
        "list_case_requirements status": lambda: list(
            selectors.list_case_requirements(
                kyb.pk, entity_type="company", status="awaiting_upload"
            )
        ),
        "get_requirement": lambda: selectors.get_requirement(
            selectors.list_case_requirements(kyb.pk).first().pk
        ),
        # cases/selectors/parties.py
        "list_case_persons": lambda: list(selectors.list_case_persons(case.pk)),
        "get_company": lambda: selectors.get_company(kyb.company_id),
        "list_company_persons": lambda: list(selectors.list_company_persons(kyb.company_id)),
        "list_company_owners": lambda: list(selectors.list_company_owners(kyb.company_id)),
        "list_company_cases": lambda: list(selectors.list_company_cases(kyb.company_id)),
        # cases/selectors/gauges.py and dashboard.py
        "count_open_cases": lambda: selectors.count_open_cases(cap=10_000),
        "count_pending_notifications": lambda: selectors.count_pending_notifications(cap=10_000),
        "compute_dashboard": lambda: selectors.compute_dashboard(now=NOW, days=3),
        # the routing lookup of a batch (cases/client_updates/claims.py)
        "routing client_cases": lambda: claims.client_cases([case.client_id, client.client_id]),
        "routing winners": lambda: claims.winners(
            [claims.stream_id(case.client_id)], [case.client_id]
        ),
        # claim-next (cases/workflow/services.py): the queue page, then the candidate
        "claim-next queue": lambda: list(
            selectors.list_claimable_cases(traitement_type="KYB")
            .exclude(pk__in=[case.pk])
            .values_list("pk", flat=True)[:20]
        ),
        # the event store's stream reads (cases/event_store.py)
        "event_store current_version": lambda: event_store.current_version(case.pk),
        "event_store rebuild pages": lambda: list(islice(event_store.iterate_all(500), 2)),
        # no filter: bounded (cases/selectors/gauges.py, the API's unfiltered lists)
        "count_ingest_outcome": lambda: selectors.count_ingest_outcome(cap=10_000),
        "list_cases": lambda: page(selectors.list_cases()),
        "list_raw_events": lambda: page(selectors.list_raw_events()),
        "list_clients": lambda: page(selectors.list_clients()),
        # screening (cases/selectors/screening.py, the worker's queue, the decisions' fold)
        "list_case_hits": lambda: list(selectors.list_case_hits(case.pk)),
        "list_unresolved_case_hits": lambda: list(selectors.list_unresolved_case_hits(case.pk)),
        "list_unresolved_hits": lambda: page(selectors.list_unresolved_hits()),
        "list_case_screenings": lambda: list(selectors.list_case_screenings(case.pk)),
        "list_case_screening_requests": lambda: list(
            selectors.list_case_screening_requests(case.pk)
        ),
        "get_case_screening": lambda: selectors.get_case_screening(kyb.pk),
        "list_hit_queue status": lambda: page(selectors.list_hit_queue(status="MATCH_PROPOSED")),
        "count_screening_work": selectors.count_screening_work,
        "screening worker queue": lambda: pending_requests(50),
        "screening state fold": lambda: load_states([case.pk, kyb.pk]),
        # document evidence (cases/selectors/evidence.py, the expiry check, the dashboard tile)
        "list_evidence_versions": lambda: list(
            selectors.list_evidence_versions(world["evidenced"])
        ),
        "list_evidence_accesses": lambda: list(
            selectors.list_evidence_accesses(world["evidenced"])[:100]
        ),
        "list_expired_documents": lambda: page(selectors.list_expired_documents(today=NOW.date())),
        "count_documents_expiring": lambda: selectors.count_documents_expiring(today=NOW.date()),
        # the outbox sweep (kafka_integration/notification_relay.py)
        "outbox sweep": lambda: list(
            Notification.objects.filter(status="PENDING").order_by("created_at", "id")[:500]
        ),
    }


def shape(command: dict[str, Any]) -> tuple[bool, bool]:
    """(has a filter, has a sort) of a find, count or aggregate command."""
    stages = command.get("pipeline") or []
    filtered = bool(command.get("filter") or command.get("query"))
    filtered = filtered or any(stage.get("$match") for stage in stages)
    ordered = bool(command.get("sort")) or any("$sort" in stage for stage in stages)
    return filtered, ordered


def verdict(command: dict[str, Any], plan: dict[str, Any], documentdb: bool) -> str | None:
    """What is wrong with this plan, or None.

    A filtered read must not read a whole collection. A read without a filter (a capped
    count, the first page of a list, the first page of a rebuild) must be bounded by a limit;
    on MongoDB its sort must walk an index, while DocumentDB, which cannot serve an ORDER BY
    from an index on this build (docs/performance.md), reads and sorts top-N.
    """
    found = scans(plan)
    if not found:
        return "no scan in the plan"
    whole = any(scan.reads_everything for scan in found)
    filtered, ordered = shape(command)
    if filtered:
        return "reads a whole collection" if whole else None
    if not is_bounded(plan):
        return "reads a whole collection without a limit"
    if whole and ordered and not documentdb:
        return "sorts a whole collection instead of walking an index"
    return None


def check(listener: CommandCapture, calls: dict[str, Callable[[], Any]]) -> tuple[dict, list]:
    """{query: scans of its plans} and the problems found."""
    documentdb = on_documentdb()
    used: dict[str, list[str]] = {}
    problems = []
    for name, call in calls.items():
        commands = listener.capture(call)
        if not commands:
            problems.append(f"{name}: sent no read command")
        for command in commands:
            plan = explain(command)
            used.setdefault(name, []).extend(f"{s.kind} {s.index or ''}" for s in scans(plan))
            if wrong := verdict(command, plan, documentdb):
                problems.append(f"{name}: {wrong}: {used[name]} for {command}")
    return used, problems


@pytest.mark.django_db(transaction=True)
def test_every_listed_filtered_or_looked_up_query_runs_on_an_index():
    """One test, not one per query: the rows the planner needs are written once."""
    listener = capturing_listener()
    world = populate()
    if on_documentdb():
        refresh_planner_statistics()

    used, problems = check(listener, queries(world))

    assert not problems, "\n".join(problems)
    # The unique key moved to `stream_key` (migration 0017); `event_stream` serves the reads
    # of a stream by (aggregate, version).
    assert any("event_stream" in scan for scan in used["event_store current_version"])
    assert any("event_stream" in scan for scan in used["routing winners"])
