"""Risk rating in the back office (SPEC §3d): the case page's Risk panel and its four-eyes
override, the risk model and review cadence pages, and the risk queues of the case list.

Same shape as the workflow and screening panels: the panel offers what this user may do, from
the same pure checks the services apply, and says why when it offers nothing; each action view
binds one form, builds one command and calls its service.
"""

from cases.admin.risk.cadence import ReviewCadenceAdmin
from cases.admin.risk.configuration import RiskModelAdmin
from cases.admin.risk.panel import risk_badge, risk_context
from cases.admin.risk.views import (
    approve_override_view,
    propose_override_view,
    return_override_view,
    risk_urls,
)

__all__ = [
    "ReviewCadenceAdmin",
    "RiskModelAdmin",
    "approve_override_view",
    "propose_override_view",
    "return_override_view",
    "risk_badge",
    "risk_context",
    "risk_urls",
]
