"""Seed the evidence notification rules (SPEC §5a).

DOCUMENT_REQUESTED (a rejection asking the client for a new upload) is seeded inactive, as
the other front-end triggers: a lead switches it on once the front end shows it.
DOCUMENT_EXPIRED is seeded active, as CASE_OVERDUE: an expired identity document re-opens its
requirement and the client must be told to send a new one.
"""

from django.db import migrations

RULES = (
    ("DOCUMENT_REQUESTED", "document_requested_v1", False),
    ("DOCUMENT_EXPIRED", "document_expired_v1", True),
)


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("cases", "NotificationRule")
    for trigger, template_id, is_active in RULES:
        NotificationRule.objects.get_or_create(
            trigger=trigger,
            traitement_type="",
            case_type="",
            defaults={
                "notification_type": trigger,
                "template_id": template_id,
                "language_code": "en",
                "is_active": is_active,
                "priority": 100,
            },
        )


def unseed(apps, schema_editor):
    NotificationRule = apps.get_model("cases", "NotificationRule")
    for trigger, template_id, _ in RULES:
        NotificationRule.objects.filter(trigger=trigger, template_id=template_id).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0020_document_evidence")]
    operations = [migrations.RunPython(seed, unseed)]
