"""Seed the SCREENING_HIT notification rule (SPEC §3c), inactive: a lead switches it on."""

from django.db import migrations


def seed(apps, schema_editor):
    NotificationRule = apps.get_model("cases", "NotificationRule")
    NotificationRule.objects.get_or_create(
        trigger="SCREENING_HIT",
        traitement_type="",
        case_type="",
        defaults={
            "notification_type": "SCREENING_HIT",
            "template_id": "screening_hit_v1",
            "language_code": "en",
            "is_active": False,
            "priority": 100,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("cases", "NotificationRule").objects.filter(
        trigger="SCREENING_HIT", template_id="screening_hit_v1"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_screening")]
    operations = [migrations.RunPython(seed, unseed)]
