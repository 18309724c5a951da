from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand

from core.scopes import scopes_disabled


class Command(BaseCommand):
    help = (
        "Create the demo world of seed-article.txt. Idempotent: a second run changes nothing. "
        "Each app adds its part in a demo.py with a seed() function, run in app order."
    )

    @scopes_disabled("the demo builds every organisation's rows")
    def handle(self, *args, **options) -> None:
        logins: list[list[str]] = []
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if find_spec(module_name) is None:
                continue
            rows = import_module(module_name).seed()
            logins.extend(rows or [])
        self._print_table(["email", "password", "organisation", "role"], logins)

    def _print_table(self, header: list[str], rows: list[list[str]]) -> None:
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        line = "+".join("-" * (w + 2) for w in widths)
        self.stdout.write("\nDemo logins (sign in at http://127.0.0.1:8000/accounts/login/):")
        self.stdout.write(line)
        for index, row in enumerate([header, *rows]):
            cells = " | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row))
            self.stdout.write(f" {cells}")
            if index == 0:
                self.stdout.write(line)
        self.stdout.write(line)
