#!/usr/bin/env python
"""Django's command-line utility: the dashboard's commands (serve, fire) and the usual ones.

It uses the dashboard's settings; `--settings asyncviews.settings` gives the measured project
alone (`python manage.py runserver --settings asyncviews.settings`, the tutorial's server).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
