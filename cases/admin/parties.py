"""Company pages: the registered profile with its cases, persons and beneficial owners."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from cases.admin.readonly import ReadOnlyAdminMixin, admin_link
from cases.models import Company
from cases.selectors import list_company_cases, list_company_owners, list_company_persons

__all__ = ["CompanyAdmin"]


def _table(headers: tuple[str, ...], rows: list[tuple]) -> str:
    if not rows:
        return "—"
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("registered_name", "registration_number", "country_of_incorporation")
    # Exact registration number (index `company_registration_number`) or a name prefix
    # (index `company_name`): both stay on an index.
    search_fields = ("=registration_number", "^registered_name")
    ordering = ("registered_name", "id")
    fields = (
        "registered_name",
        "trading_name",
        "registration_number",
        "registration_date",
        "country_of_incorporation",
        "address",
        "business_type",
        "industry_sector",
        "version",
        "cases_of_company",
        "persons",
        "owners",
    )
    readonly_fields = fields

    @admin.display(description="Registered address")
    def address(self, obj: Company) -> str:
        return str(obj.registered_address or "—")

    @admin.display(description="Cases")
    def cases_of_company(self, obj: Company) -> str:
        cases = list_company_cases(obj.pk)[:50]
        return _table(
            ("Case", "Status", "Opened"),
            [
                (
                    admin_link("cases.case", c.pk, f"{c.case_type} · {c.client_id}"),
                    c.status,
                    c.created_at.strftime("%Y-%m-%d"),
                )
                for c in cases
            ],
        )

    @admin.display(description="Persons")
    def persons(self, obj: Company) -> str:
        return _table(
            ("Name", "Role"),
            [(str(p), p.role_in_company or "—") for p in list_company_persons(obj.pk)],
        )

    @admin.display(description="Beneficial owners")
    def owners(self, obj: Company) -> str:
        return _table(
            ("Name", "Ownership %", "Control", "UBO"),
            [
                (
                    str(o.person),
                    "—" if o.ownership_percentage is None else o.ownership_percentage,
                    ", ".join(o.types_of_control or []) or "—",
                    "yes" if o.is_ubo else "no",
                )
                for o in list_company_owners(obj.pk)
            ],
        )
