"""WSGI entry point; telemetry starts before Django handles the first request."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from casemgmt_project.telemetry import configure_telemetry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings")

application = get_wsgi_application()
configure_telemetry(settings.SERVICE_NAME_API)
