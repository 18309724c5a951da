#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from core.scopes import scopes_disabled

    # A command run by an operator (dumpdata, shell, migrate) reads every tenant. Requests
    # served by runserver and tasks still open their own checked scopes (core/scopes.py).
    with scopes_disabled("a management command run by an operator"):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
