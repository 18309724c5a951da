import re
from argparse import ArgumentTypeError
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from agreements.audit import audit_verify
from agreements.checkpoint_log import log_path
from agreements.checkpoints import anchors_check
from agreements.models import Agreement
from core.scopes import scopes_disabled


def _digest(value: str) -> str:
    if not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise ArgumentTypeError(f"{value!r} is not a SHA-256 digest (64 hex digits)")
    return value.lower()


class Command(BaseCommand):
    help = (
        "Recompute every agreement's audit hash chain, check it against the checkpoints "
        "signed with the platform's key and those against the checkpoint log "
        "(LASTMILE_CHECKPOINT_LOG), and report any that do not verify."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-digest",
            type=_digest,
            metavar="HEX",
            help="A checkpoint's SHA-256 digest known from outside (e.g. the last line of the "
            "checkpoint log as shipped elsewhere): fail unless the database and the log hold it.",
        )
        parser.add_argument(
            "--accept-missing-day",
            type=date.fromisoformat,
            action="append",
            default=[],
            metavar="YYYY-MM-DD",
            help="A day (UTC) known to have no daily checkpoint, e.g. while beat was down: "
            "not reported. Repeat for each day.",
        )

    @scopes_disabled("the command checks every agreement's chain")
    def handle(self, *args, **options):
        checked = broken = 0
        for agreement in Agreement.objects.order_by("pk").iterator():
            report = audit_verify(agreement)
            checked += 1
            if not report.ok:
                broken += 1
                self.stderr.write(
                    f"Agreement {agreement.pk} «{agreement.title_en}»: entry "
                    f"{report.broken_at}: {report.reason}"
                )
        anchors = anchors_check(
            expect_digest=options["expect_digest"],
            accept_missing_days=options["accept_missing_day"],
        )
        for problem in anchors.problems:
            self.stderr.write(problem)
        for warning in anchors.warnings:
            self.stdout.write(f"Warning: {warning}")
        noun = "agreement" if checked == 1 else "agreements"
        self.stdout.write(
            f"Checked {checked} {noun}: {checked - broken} verify, {broken} broken; "
            f"{anchors.checkpoints} signed checkpoints, {anchors.logged} of them in the "
            f"checkpoint log {log_path()}; {len(anchors.problems)} problems."
        )
        if broken or anchors.problems:
            raise CommandError(
                f"{broken} broken audit chain(s), {len(anchors.problems)} checkpoint problem(s)"
            )
