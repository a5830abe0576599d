"""Seed version 1 of the risk model (SPEC §3d) and make it current.

The lists are ILLUSTRATIVE, chosen for tests and the demo: they are no statement about any
country or sector. An operator replaces them with its compliance function's own lists in the
admin (an edit saves version 2, and `manage.py reassess_risk` re-rates).
"""

from django.db import migrations

from cases.risk.versions import seed_risk_model

def seed(apps, schema_editor):
    seed_risk_model(apps.get_model("cases", "RiskModel"))


def unseed(apps, schema_editor):
    apps.get_model("cases", "RiskModel").objects.filter(version=1, created_by="system").delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0022_risk_model")]
    operations = [migrations.RunPython(seed, unseed)]
