"""Seed the workflow defaults (SPEC §3a): approval and SLA rules, the two analyst groups, and
the CASE_OVERDUE notification rule."""

from django.db import migrations

from cases.workflow.rules import ANALYST_GROUP, LEAD_GROUP, seed_workflow_rules


def seed(apps, schema_editor):
    seed_workflow_rules(apps.get_model("cases", "ApprovalRule"), apps.get_model("cases", "SlaRule"))
    Group = apps.get_model("auth", "Group")
    for name in (ANALYST_GROUP, LEAD_GROUP):
        Group.objects.get_or_create(name=name)
    apps.get_model("cases", "NotificationRule").objects.get_or_create(
        trigger="CASE_OVERDUE",
        traitement_type="",
        case_type="",
        defaults={
            "notification_type": "CASE_OVERDUE",
            "template_id": "case_overdue_v1",
            "language_code": "en",
            "is_active": True,
            "priority": 100,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("cases", "ApprovalRule").objects.all().delete()
    apps.get_model("cases", "SlaRule").objects.all().delete()
    apps.get_model("cases", "NotificationRule").objects.filter(
        trigger="CASE_OVERDUE", template_id="case_overdue_v1"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_workflow"), ("auth", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
