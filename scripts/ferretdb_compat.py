#!/usr/bin/env python
"""Measure which ORM operations this product needs work on the local MongoDB-wire server.

Each operation runs twice against the same database: once through plain django-mongodb-backend
and once through casemgmt's engine (which bridges FerretDB v1's gaps). It prints a table and
exits non-zero if an operation fails through casemgmt's engine. Usage (services up):

    .venv/bin/python scripts/ferretdb_compat.py
"""

import os
import sys
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "casemgmt_project.settings_test"
os.environ["CASEMGMT_TEST_RUN_ID"] = f"compat_{uuid.uuid4().hex[:6]}"

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.DATABASES["plain"] = {**settings.DATABASES["default"], "ENGINE": "django_mongodb_backend"}
django.setup()

from django.contrib.admin.models import LogEntry  # noqa: E402
from django.contrib.admin.sites import site  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import IntegrityError, connections  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import Address, BeneficialOwner, Case, Company, OwnerPerson, RawEvent  # noqa: E402


def seed() -> Company:
    now = timezone.now()
    company = Company.objects.create(
        id=uuid.uuid4(),
        registered_name="Acme",
        registration_number="R1",
        country_of_incorporation="FR",
        registered_address=Address(city="Paris", country="FR"),
        created_at=now,
        updated_at=now,
    )
    for index in range(30):
        Case.objects.create(
            id=uuid.uuid4(),
            client_id=f"C{index}",
            case_type="COMPANY_STANDARD",
            schema_version="1.0",
            traitement_type="KYB" if index % 2 else "KYC",
            company=company if index % 2 else None,
            created_at=now,
            updated_at=now,
        )
    BeneficialOwner.objects.create(
        id=uuid.uuid4(),
        company=company,
        person=OwnerPerson(firstname="A", lastname="B"),
        types_of_control=["SHARES"],
    )
    return company


def operations(company: Company) -> list[tuple[str, Callable[[str], object]]]:
    now = timezone.now()

    def unique_violation(db: str) -> str:
        values = {"topic": f"t-{db}", "partition": 0, "offset": 1, "received_at": now}
        RawEvent.objects.using(db).create(id=uuid.uuid4(), **values)
        try:
            RawEvent.objects.using(db).create(id=uuid.uuid4(), **values)
        except IntegrityError:
            return "IntegrityError raised"
        raise AssertionError("duplicate accepted")

    def save_existing(db: str) -> str:
        case = Case.objects.using(db).filter(client_id="C1").get()
        case.status = "IN_REVIEW"
        case.save(using=db)
        return Case.objects.using(db).get(id=case.id).status

    def admin_changelist(db: str) -> int:
        if db != "default":
            raise NotImplementedError("the admin uses the default database")
        user = get_user_model().objects.filter(is_superuser=True).first()
        request = RequestFactory().get("/admin/cases/case/")
        request.user = user
        response = site._registry[Case].changelist_view(request)
        response.render()
        return response.status_code

    def admin_recent_actions(db: str) -> list:
        return list(LogEntry.objects.using(db).select_related("content_type", "user")[:10])

    return [
        (
            "read back inserted rows",
            lambda db: Case.objects.using(db).filter(client_id="C0").count(),
        ),
        ("filter equality", lambda db: Case.objects.using(db).filter(status="OPEN").count()),
        (
            "filter date range",
            lambda db: Case.objects.using(db).filter(created_at__lte=now).count(),
        ),
        (
            "filter iexact",
            lambda db: Case.objects.using(db).filter(traitement_type__iexact="kyb").count(),
        ),
        (
            "filter icontains",
            lambda db: Case.objects.using(db).filter(client_id__icontains="c1").count(),
        ),
        (
            "filter __in",
            lambda db: Case.objects.using(db).filter(client_id__in=["C1", "C2"]).count(),
        ),
        (
            "order_by + slice (paginate)",
            lambda db: [c.client_id for c in Case.objects.using(db).order_by("client_id")[5:8]],
        ),
        ("count()", lambda db: Case.objects.using(db).count()),
        ("exists()", lambda db: Case.objects.using(db).filter(client_id="C3").exists()),
        (
            "QuerySet.update()",
            lambda db: Case.objects.using(db).filter(client_id="C2").update(status="CLOSED"),
        ),
        ("save() of a loaded object", save_existing),
        (
            "update with F() + 1",
            lambda db: (
                Case.objects.using(db).filter(client_id="C4").update(version=F("version") + 1)
            ),
        ),
        ("delete()", lambda db: Case.objects.using(db).filter(client_id=f"none-{db}").delete()[0]),
        ("unique index violation", unique_violation),
        (
            "embedded field read",
            lambda db: Company.objects.using(db).get(id=company.id).registered_address.city,
        ),
        (
            "embedded field filter",
            lambda db: Company.objects.using(db).filter(registered_address__city="Paris").count(),
        ),
        (
            "array field contains",
            lambda db: (
                BeneficialOwner.objects.using(db)
                .filter(types_of_control__contains=["SHARES"])
                .count()
            ),
        ),
        (
            "foreign key id filter",
            lambda db: Case.objects.using(db).filter(company_id=company.id).count(),
        ),
        (
            "filter across a relation (join)",
            lambda db: Case.objects.using(db).filter(company__registered_name="Acme").count(),
        ),
        (
            "select_related (join)",
            lambda db: len(list(Case.objects.using(db).select_related("company")[:5])),
        ),
        (
            "values().annotate(Count)",
            lambda db: sorted(
                (r["traitement_type"], r["n"])
                for r in Case.objects.using(db).values("traitement_type").annotate(n=Count("id"))
            ),
        ),
        (
            "distinct values",
            lambda db: sorted(
                Case.objects.using(db)
                .order_by()
                .values_list("traitement_type", flat=True)
                .distinct()
            ),
        ),
        ("admin recent actions (LogEntry join)", admin_recent_actions),
        ("admin changelist view", admin_changelist),
    ]


def main() -> int:
    call_command("migrate", verbosity=0)
    get_user_model().objects.create_superuser("compat", "compat@example.com", "compat-pass-1")
    company = seed()
    server = connections["default"].database.client.admin.command("buildInfo")
    print(f"server: version {server['version']}, FerretDB: {'ferretdbVersion' in server}\n")
    rows, failures = [], 0
    for name, operation in operations(company):
        row = [name]
        for db in ("plain", "default"):
            try:
                result = operation(db)
                row.append(f"ok ({result!r})"[:48])
            except Exception as exc:  # the point is to report every failure, not stop at one
                cause = exc.__cause__ or exc
                row.append(f"FAIL {type(cause).__name__}: {str(cause).splitlines()[0]}"[:70])
                if db == "default":
                    failures += 1
                    traceback.print_exc()
        rows.append(row)
    width = max(len(row[0]) for row in rows)
    print(f"{'operation':<{width}} | plain django-mongodb-backend | casemgmt engine")
    for row in rows:
        print(f"{row[0]:<{width}} | {row[1]} | {row[2]}")
    connections["default"].database.client.drop_database(settings.DATABASES["default"]["NAME"])
    print(f"\n{len(rows) - failures}/{len(rows)} operations work through the casemgmt engine")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
