"""Workflow configuration (SPEC §3a): who approves decisions, and how long a case may take.

Both are data that leads edit in the admin; matching is pure (`cases.workflow.rules`). A blank
traitement type or case type matches any; the most specific active row wins.
"""

from django.db import models

__all__ = ["ApprovalRule", "SlaRule"]


class _ScopedRule(models.Model):
    traitement_type = models.CharField(
        max_length=3, blank=True, default="", help_text="KYC or KYB; empty = any"
    )
    case_type = models.CharField(max_length=200, blank=True, default="", help_text="Empty = any")
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True


class ApprovalRule(_ScopedRule):
    """The group whose members may approve or return a proposed decision (four eyes)."""

    approver_group = models.CharField(
        max_length=150, help_text="Name of the django.contrib.auth group that approves"
    )

    class Meta:
        db_table = "approval_rules"
        ordering = ["traitement_type", "case_type", "id"]
        indexes = [models.Index(fields=["is_active"], name="approvalrule_active")]

    def __str__(self) -> str:
        scope = f"{self.traitement_type or 'any'}/{self.case_type or 'any'}"
        return f"{scope}: approved by {self.approver_group}"


class SlaRule(_ScopedRule):
    """How many days a new case has before it is overdue."""

    days = models.PositiveIntegerField()

    class Meta:
        db_table = "sla_rules"
        ordering = ["traitement_type", "case_type", "id"]
        indexes = [models.Index(fields=["is_active"], name="slarule_active")]

    def __str__(self) -> str:
        scope = f"{self.traitement_type or 'any'}/{self.case_type or 'any'}"
        return f"{scope}: due within {self.days} days"
