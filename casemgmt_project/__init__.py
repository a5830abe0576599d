"""The Django project: settings, the URL map and API composition, telemetry, health and
readiness probes, logging, and the process entry points."""
