"""Read queries shared by the REST API, the admin and the dashboard (never writes).

One definition per list: its filters and its ordering, each backed by an index of the model it
reads (see the `Meta.indexes` of `cases/models/`). Lists return unevaluated querysets so each
caller pages them its own way (keyset cursors in the API, the admin's paginator); single reads
raise `NotFound` instead of returning None, so no caller can answer 200 with nothing.

One module per resource; callers import from the package (`from cases import selectors`).
"""

from cases.selectors.audit import get_raw_event, list_raw_events
from cases.selectors.cases import (
    CaseDetail,
    WorkflowCounts,
    committed_events,
    count_workflow,
    get_case,
    get_case_detail,
    get_case_timeline,
    list_awaiting_approval,
    list_case_events,
    list_cases,
    list_cases_becoming_overdue,
    list_claimable_cases,
)
from cases.selectors.clients import ClientDetail, get_client_detail, list_clients
from cases.selectors.dashboard import DashboardFigures, compute_dashboard, get_dashboard
from cases.selectors.documents import get_requirement, list_case_requirements
from cases.selectors.evidence import (
    count_documents_expiring,
    list_evidence_accesses,
    list_evidence_versions,
    list_expired_documents,
)
from cases.selectors.gauges import (
    count_ingest_outcome,
    count_open_cases,
    count_pending_notifications,
)
from cases.selectors.parties import (
    get_company,
    list_case_persons,
    list_company_cases,
    list_company_owners,
    list_company_persons,
)
from cases.selectors.screening import (
    CaseScreening,
    ScreenedParty,
    ScreeningWork,
    count_screening_work,
    get_case_screening,
    get_hit,
    list_case_hits,
    list_case_screening_requests,
    list_case_screenings,
    list_hit_queue,
    list_unresolved_case_hits,
    list_unresolved_hits,
)

__all__ = [
    "CaseScreening",
    "ScreenedParty",
    "ScreeningWork",
    "count_screening_work",
    "get_case_screening",
    "get_hit",
    "list_hit_queue",
    "list_case_hits",
    "list_case_screening_requests",
    "list_case_screenings",
    "list_unresolved_case_hits",
    "list_unresolved_hits",
    "CaseDetail",
    "ClientDetail",
    "DashboardFigures",
    "WorkflowCounts",
    "committed_events",
    "compute_dashboard",
    "count_documents_expiring",
    "count_ingest_outcome",
    "count_open_cases",
    "count_pending_notifications",
    "count_workflow",
    "get_case",
    "get_case_detail",
    "get_case_timeline",
    "get_client_detail",
    "get_company",
    "get_dashboard",
    "get_raw_event",
    "get_requirement",
    "list_awaiting_approval",
    "list_case_events",
    "list_case_persons",
    "list_case_requirements",
    "list_cases",
    "list_cases_becoming_overdue",
    "list_claimable_cases",
    "list_clients",
    "list_company_cases",
    "list_company_owners",
    "list_company_persons",
    "list_evidence_accesses",
    "list_evidence_versions",
    "list_expired_documents",
    "list_raw_events",
]
