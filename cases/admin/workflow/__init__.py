"""The workflow in the back office (SPEC §3a): who owns a case, the four-eyes decision, dates.

Forms and views in the case page's style (`case_actions`): each view binds one form, builds one
workflow command and calls its service; a refusal comes back as a message that says why and
who may act instead. What the page offers comes from the same pure checks the services apply,
so the proposer sees why they cannot approve instead of an approve button that fails.
"""

from cases.admin.workflow.changelist import QueueFilter, assign_selected
from cases.admin.workflow.panel import due_badge, workflow_context
from cases.admin.workflow.views import (
    approve_view,
    assign_view,
    claim_next_view,
    propose_view,
    return_view,
)

__all__ = [
    "QueueFilter",
    "approve_view",
    "assign_selected",
    "assign_view",
    "claim_next_view",
    "due_badge",
    "propose_view",
    "return_view",
    "workflow_context",
]
