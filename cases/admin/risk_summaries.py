"""Timeline lines for the risk and periodic review events (SPEC §3d), and the EDD raise a HIGH
rating shares with a confirmed PEP; pure, no queries.

Kept apart from `cases.admin.risk` (whose views import the case page) so `cases.admin.display`
can read it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["RISK_SUMMARIES"]


def _assessed(p: dict[str, Any]) -> str:
    reason = f" — {p['reason']}" if p.get("reason") else ""
    effective = p.get("effective_level")
    kept = f"; {effective} by override" if effective and effective != p.get("level") else ""
    return (
        f"Risk assessed: {p.get('level')} (score {p.get('score')}, "
        f"model v{p.get('model_version')}{kept}){reason}"
    )


def _changed(p: dict[str, Any]) -> str:
    reason = f" — {p['reason']}" if p.get("reason") else ""
    return f"Risk level {p.get('old') or 'unrated'} → {p.get('new')}{reason}"


def _proposed(p: dict[str, Any]) -> str:
    return f"{p.get('by')} proposed a risk override to {p.get('level')}: {p.get('rationale', '')}"


def _approved(p: dict[str, Any]) -> str:
    return f"{p.get('by')} approved the risk override (four eyes)"


def _returned(p: dict[str, Any]) -> str:
    return f"{p.get('by')} returned the risk override: {p.get('reason', '')}"


def _raised(p: dict[str, Any]) -> str:
    reason = f": {p['reason']}" if p.get("reason") else ""
    return f"Raised to {p.get('new_case_type')} (was {p.get('old_case_type')}){reason}"


def _scheduled(p: dict[str, Any]) -> str:
    return (
        f"Next review {str(p.get('next_review_at', ''))[:10]} "
        f"({p.get('level')}: every {p.get('cadence_months')} months)"
    )


def _review_opened(p: dict[str, Any]) -> str:
    return f"Periodic review opened (due {str(p.get('due_at', ''))[:10]})"


RISK_SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "RiskAssessed": _assessed,
    "RiskLevelChanged": _changed,
    "RiskOverrideProposed": _proposed,
    "RiskOverrideApproved": _approved,
    "RiskOverrideReturned": _returned,
    "CaseRaisedToEnhancedDueDiligence": _raised,  # a HIGH rating or a confirmed PEP
    "ReviewScheduled": _scheduled,
    "ReviewCaseOpened": _review_opened,
}
