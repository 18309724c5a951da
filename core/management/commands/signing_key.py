from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.pades import generate_key_pair


class Command(BaseCommand):
    help = (
        "Make a self-signed key pair for signing executed agreements: DIR/signing-key.pem and "
        "DIR/signing-cert.pem. Point LASTMILE_SIGNING_KEY and LASTMILE_SIGNING_CERT at them."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        key, cert = directory / "signing-key.pem", directory / "signing-cert.pem"
        if key.exists() or cert.exists():
            raise CommandError(f"{directory} already holds a key pair; not replacing it.")
        generate_key_pair(key, cert)
        self.stdout.write(f"LASTMILE_SIGNING_KEY={key.resolve()}")
        self.stdout.write(f"LASTMILE_SIGNING_CERT={cert.resolve()}")
