from django.contrib import admin
from django.urls import path

from casemgmt_project import health

urlpatterns = [
    path("health", health.liveness, name="health"),
    path("ready", health.readiness, name="ready"),
    path("admin/", admin.site.urls),
]
