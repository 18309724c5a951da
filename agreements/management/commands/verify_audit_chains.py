from django.core.management.base import BaseCommand, CommandError

from agreements.audit import audit_verify
from agreements.checkpoints import anchors_check
from agreements.models import Agreement
from core.scopes import scopes_disabled


class Command(BaseCommand):
    help = (
        "Recompute every agreement's audit hash chain, check it against the checkpoints "
        "signed with the platform's key, and report any that do not verify."
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
        anchors = anchors_check()
        for problem in anchors.problems:
            self.stderr.write(problem)
        for warning in anchors.warnings:
            self.stdout.write(f"Warning: {warning}")
        noun = "agreement" if checked == 1 else "agreements"
        self.stdout.write(
            f"Checked {checked} {noun}: {checked - broken} verify, {broken} broken; "
            f"{anchors.checkpoints} signed checkpoints, {len(anchors.problems)} problems."
        )
        if broken or anchors.problems:
            raise CommandError(
                f"{broken} broken audit chain(s), {len(anchors.problems)} checkpoint problem(s)"
            )
