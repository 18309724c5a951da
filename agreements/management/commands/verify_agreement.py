from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.selectors import agreement_verify_pdf
from core.scopes import scopes_disabled


class Command(BaseCommand):
    help = "Is FILE an executed Lastmile agreement? Prints its title, parties and signing dates."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    @scopes_disabled("an operator checks a file against every executed agreement")
    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        result = agreement_verify_pdf(data)
        if result.agreement is None:
            raise CommandError(
                "Not an executed Lastmile agreement (or changed since it was issued)."
            )
        agreement = result.agreement
        self.stdout.write(f"Executed Lastmile agreement: {agreement.title_en}")
        if agreement.title_zh:
            self.stdout.write(f"  {agreement.title_zh}")
        self.stdout.write("Parties: " + "; ".join(result.parties))
        for organisation, when in result.signing_dates:
            self.stdout.write(f"  signed by {organisation} on {when}")
        self.stdout.write(
            "Platform signature: " + ("intact" if result.signature_intact else "NOT VALID")
        )
