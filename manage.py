#!/usr/bin/env python
import sys

from config.entrypoints import use_settings

if __name__ == "__main__":
    use_settings()  # the environment's, else .env's, else config.settings.production (config/entrypoints.py)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
