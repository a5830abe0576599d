#!/usr/bin/env python
"""Django's command-line entry point for casemgmt."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casemgmt_project.settings")
    from django.core.management import execute_from_command_line

    from casemgmt_project.telemetry import configure_for_argv

    configure_for_argv(sys.argv)  # before any command opens the database client
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
