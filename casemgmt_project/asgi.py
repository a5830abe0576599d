"""ASGI entry point; telemetry starts before Django opens its database client."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

from casemgmt_project.telemetry import configure_web  # noqa: E402

configure_web()
application = get_asgi_application()
