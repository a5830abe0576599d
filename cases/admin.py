"""Admin registrations; see cases/admin/ once the analyst views grow beyond a list."""

from django.contrib import admin

from cases.models import Case

admin.site.register(Case)
