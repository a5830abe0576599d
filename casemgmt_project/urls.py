from django.contrib import admin
from django.urls import path

from casemgmt_project import health
from casemgmt_project.api import api, unknown_endpoint
from casemgmt_project.telemetry.scrape import metrics_view

urlpatterns = [
    path("health", health.liveness, name="health"),
    path("ready", health.readiness, name="ready"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_endpoint),
]

handler400 = "casemgmt_project.error_pages.bad_request"
