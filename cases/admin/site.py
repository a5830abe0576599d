"""Branding and the triage dashboard on the admin index (SPEC §8).

The default admin site is kept (other apps register on it as usual); only its titles and its
index template change. The dashboard is an inclusion tag (`casemgmt_dashboard`) that reads
`cases.selectors.get_dashboard`, so the index view itself stays Django's.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

__all__ = ["brand"]


def brand(site: admin.AdminSite) -> None:
    site.site_header = "casemgmt"
    site.site_title = "casemgmt"
    site.index_title = f"Back office · {settings.ENVIRONMENT_NAME}"
    site.index_template = "admin/casemgmt/index.html"
