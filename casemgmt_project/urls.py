from django.contrib import admin
from django.urls import path

from casemgmt_project import health
from casemgmt_project.api import api, unknown_endpoint

urlpatterns = [
    path("health", health.liveness, name="health"),
    path("ready", health.readiness, name="ready"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_endpoint),
]
