"""Seed the default document rules of the product spec (section 5); analysts edit them in admin."""

from django.db import migrations

from cases.documents.rules import DEFAULT_DOCUMENT_RULES, seed_document_rules


def seed(apps, schema_editor):
    seed_document_rules(apps.get_model("cases", "DocumentRule"))


def unseed(apps, schema_editor):
    DocumentRule = apps.get_model("cases", "DocumentRule")
    for rule in DEFAULT_DOCUMENT_RULES:
        DocumentRule.objects.filter(
            traitement_type=rule.traitement_type,
            entity_type=rule.entity_type,
            case_type=rule.case_type,
            document_type=rule.document_type,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
