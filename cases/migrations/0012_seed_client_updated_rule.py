"""Seed the CLIENT_DATA_UPDATED notification rule (SPEC §3b), inactive: a lead switches it on."""

from django.db import migrations


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("cases", "NotificationRule")
    NotificationRule.objects.get_or_create(
        trigger="CLIENT_DATA_UPDATED",
        traitement_type="",
        case_type="",
        defaults={
            "notification_type": "CLIENT_DATA_UPDATED",
            "template_id": "client_data_updated_v1",
            "language_code": "en",
            "is_active": False,
            "priority": 100,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("cases", "NotificationRule").objects.filter(
        trigger="CLIENT_DATA_UPDATED", template_id="client_data_updated_v1"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_client_updates")]
    operations = [migrations.RunPython(seed, unseed)]
