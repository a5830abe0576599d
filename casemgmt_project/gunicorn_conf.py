"""gunicorn settings read by the web image (`--config python:casemgmt_project.gunicorn_conf`).

gunicorn's own error and access lines go through the same JSON formatter as the application's,
so the web container's output is one JSON object per line like the consumer's (SPEC §8).
"""

import os

_level = os.environ.get("LOG_LEVEL", "INFO").upper()

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "casemgmt_project.logging.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": _level},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": _level, "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
