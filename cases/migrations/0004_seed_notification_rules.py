"""Seed the default notification rule: notify on every case creation (SPEC §6)."""

from django.db import migrations


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("cases", "NotificationRule")
    NotificationRule.objects.get_or_create(
        trigger="CASE_CREATED",
        traitement_type="",
        case_type="",
        defaults={
            "notification_type": "CASE_CREATED",
            "template_id": "case_created_v1",
            "language_code": "en",
            "is_active": True,
            "priority": 100,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("cases", "NotificationRule").objects.filter(
        trigger="CASE_CREATED", template_id="case_created_v1"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_alter_beneficialowner_options_and_more")]
    operations = [migrations.RunPython(seed, unseed)]
