"""The dashboard on the admin index: figures from the selector, charts drawn on the server.

Bars are plain HTML widths and the daily chart a small inline SVG, so nothing loads from a CDN
and the page reads the same with scripts off.
"""

from __future__ import annotations

from django import template

from cases.selectors import count_workflow, get_dashboard
from cases.selectors.risk_overview import get_risk_overview
from cases.workflow.services import resolve_actor

register = template.Library()

CHART_HEIGHT = 80
BAR_WIDTH = 14


def _bars(counts: dict[str, int]) -> list[dict]:
    top = max(counts.values(), default=0) or 1
    return [
        {"label": label, "count": count, "percent": round(100 * count / top, 1)}
        for label, count in counts.items()
    ]


@register.inclusion_tag("admin/casemgmt/dashboard.html", takes_context=True)
def casemgmt_dashboard(context) -> dict:
    user = context["request"].user
    if not user.has_perm("cases.view_case"):
        return {"visible": False}
    figures = get_dashboard()
    by_status = {
        status: sum(per_type.values()) for status, per_type in figures.open_by_status.items()
    }
    by_traitement: dict[str, int] = {}
    for per_type in figures.open_by_status.values():
        for kind, count in per_type.items():
            by_traitement[kind] = by_traitement.get(kind, 0) + count
    top_day = max((count for _, count in figures.opened_per_day), default=0) or 1
    days = [
        {
            "day": day,
            "count": count,
            "x": index * (BAR_WIDTH + 2),
            "height": round(CHART_HEIGHT * count / top_day),
            "y": CHART_HEIGHT - round(CHART_HEIGHT * count / top_day),
        }
        for index, (day, count) in enumerate(figures.opened_per_day)
    ]
    return {
        "visible": True,
        "workflow": _workflow_counts(user),
        "figures": figures,
        "total_open": sum(by_status.values()),
        "status_bars": _bars(by_status),
        "traitement_bars": _bars(by_traitement),
        "case_type_bars": _bars(figures.open_by_case_type),
        "days": days,
        "chart_width": len(days) * (BAR_WIDTH + 2),
        "chart_height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
        "opened_last_30": sum(d["count"] for d in days),
    }


def _workflow_counts(user):
    """Overdue and awaiting-approval tiles (SPEC §3a); "awaiting me" follows the user's groups."""
    actor = resolve_actor(user.get_username())
    if actor is None:
        return count_workflow()
    return count_workflow(username=actor.username, groups=actor.member_groups())


# --- Risk and periodic review (SPEC §3d) -------------------------------------------------------

REVIEW_CHART_HEIGHT = 80
REVIEW_BAR_WIDTH = 24


@register.inclusion_tag("admin/casemgmt/risk_dashboard.html", takes_context=True)
def casemgmt_risk_dashboard(context) -> dict:
    """Clients by risk level (bars) and reviews falling due per month (an inline SVG chart)."""
    if not context["request"].user.has_perm("cases.view_client"):
        return {"visible": False}
    figures = get_risk_overview()
    # (label, year shown under it, title, count, kind): a year under the first month and January.
    months = [("late", "", "late, not opened yet", figures.reviews_overdue, "overdue")] + [
        (
            month.strftime("%b"),
            str(month.year) if i == 0 or month.month == 1 else "",
            month.strftime("%b %Y"),
            count,
            "due",
        )
        for i, (month, count) in enumerate(figures.reviews_due_per_month)
    ]
    top = max((count for _, _, _, count, _ in months), default=0) or 1
    step = REVIEW_BAR_WIDTH + 6
    bars = [
        {
            "label": label,
            "year": year,
            "title": title,
            "count": count,
            "kind": kind,
            "x": index * step,
            "height": round(REVIEW_CHART_HEIGHT * count / top),
            "y": REVIEW_CHART_HEIGHT - round(REVIEW_CHART_HEIGHT * count / top),
            "label_x": index * step + REVIEW_BAR_WIDTH / 2,
        }
        for index, (label, year, title, count, kind) in enumerate(months)
    ]
    return {
        "visible": True,
        "figures": figures,
        "level_bars": _bars(figures.clients_by_level),
        "review_bars": bars,
        "due_next_12": sum(count for _, count in figures.reviews_due_per_month),
        "chart_width": len(bars) * step,
        "chart_height": REVIEW_CHART_HEIGHT,
        "bar_width": REVIEW_BAR_WIDTH,
    }
