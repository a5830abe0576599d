"""Event types, reasons and statuses of screening (SPEC §3c); all on the Case aggregate.

- `ScreeningRequested`: parties to screen (all at creation, the added or changed ones of a
  client update, all on demand or against a new list version's delta).
- `ScreeningCompleted`: one per (party, list) of a request: list version, algorithm, threshold,
  the hits raised and the ones suppressed by a whitelisting.
- `ScreeningRequestCancelled`: nothing left to screen (the parties left, the case closed).
- `ScreeningHitResolved`: FALSE_POSITIVE at once; TRUE_MATCH once a lead approved it.
- `ScreeningHitWhitelisted`: a false positive's (party, list entity, entity hash).
- `ScreeningHitMatchProposed` / `ScreeningHitMatchApproved` / `ScreeningHitMatchReturned`: the
  four eyes of a TRUE_MATCH (proposer ≠ approver, approver in the lead group).
- `CaseRaisedToEnhancedDueDiligence`: a confirmed PEP; the case type becomes EDD.
"""

SCREENING_REQUESTED = "ScreeningRequested"
SCREENING_COMPLETED = "ScreeningCompleted"
SCREENING_REQUEST_CANCELLED = "ScreeningRequestCancelled"
SCREENING_HIT_RESOLVED = "ScreeningHitResolved"
SCREENING_HIT_WHITELISTED = "ScreeningHitWhitelisted"
SCREENING_HIT_MATCH_PROPOSED = "ScreeningHitMatchProposed"
SCREENING_HIT_MATCH_APPROVED = "ScreeningHitMatchApproved"
SCREENING_HIT_MATCH_RETURNED = "ScreeningHitMatchReturned"
CASE_RAISED_TO_EDD = "CaseRaisedToEnhancedDueDiligence"

SCREENING_EVENTS = frozenset(
    {
        SCREENING_REQUESTED,
        SCREENING_COMPLETED,
        SCREENING_REQUEST_CANCELLED,
        SCREENING_HIT_RESOLVED,
        SCREENING_HIT_WHITELISTED,
        SCREENING_HIT_MATCH_PROPOSED,
        SCREENING_HIT_MATCH_APPROVED,
        SCREENING_HIT_MATCH_RETURNED,
    }
)

# Why a screening was requested.
CASE_CREATED = "CASE_CREATED"
CLIENT_UPDATE = "CLIENT_UPDATE"
ON_DEMAND = "ON_DEMAND"
LIST_UPDATED = "LIST_UPDATED"
BACKFILL = "BACKFILL"  # cases opened before screening existed

# Party kinds (the person kinds as in cases.client_updates.events).
PERSON = "PERSON"
OWNER = "OWNER"
COMPANY = "COMPANY"

# Resolutions and hit statuses (cases.models.HitStatus).
FALSE_POSITIVE = "FALSE_POSITIVE"
TRUE_MATCH = "TRUE_MATCH"
OPEN = "OPEN"
MATCH_PROPOSED = "MATCH_PROPOSED"
UNRESOLVED = (OPEN, MATCH_PROPOSED)

# Request statuses.
PENDING = "PENDING"
DONE = "DONE"
CANCELLED = "CANCELLED"

# FtM topics with workflow effects.
SANCTION_TOPIC = "sanction"
PEP_TOPIC = "role.pep"
EDD_CASE_TYPE = "ENHANCED_DUE_DILIGENCE"
CONFIRMED_MATCH_RETURN_REASON = "screening match confirmed"
