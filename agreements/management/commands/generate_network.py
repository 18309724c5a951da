from django.core.management.base import BaseCommand, CommandError

from agreements import network


class Command(BaseCommand):
    help = (
        "Generate a large network for benchmarks and manual testing: one chamber with 200 "
        "universities, 5,000 enterprises, 2,000 events, ~62,000 invitations, ~99,000 "
        "registrations and 20,000 agreements (times --scale). Refuses to run when a "
        f"generated network exists (organisations whose slug starts with '{network.PREFIX}') "
        "unless --fresh, which deletes only the generated rows first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count")
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same network")
        parser.add_argument(
            "--fresh",
            action="store_true",
            help=f"delete the generated network ('{network.PREFIX}…' organisations, "
            f"@{network.EMAIL_DOMAIN} people and their rows) first; nothing else is touched",
        )

    def handle(self, *args, scale: float, seed: int, fresh: bool, **options) -> None:
        if scale <= 0:
            raise CommandError("--scale must be above 0.")
        try:
            built = network.generate(scale=scale, seed=seed, fresh=fresh)
        except network.AlreadyGenerated:
            raise CommandError(
                f"This database already holds a generated network (organisations whose slug "
                f"starts with '{network.PREFIX}'). Nothing was changed. Run with --fresh to "
                "delete it and generate it again; other data is kept."
            ) from None
        self._summary(built)

    def _summary(self, built) -> None:
        width = max(len(label) for label in built.counts)
        self.stdout.write(f"\n{'table'.ljust(width)}  {'rows':>8}")
        for label, count in built.counts.items():
            self.stdout.write(f"{label.ljust(width)}  {count:>8,}")
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in built.timings.items())
        self.stdout.write(f"\nBuilt in {built.seconds:.1f} s ({steps}).")
        chamber = built.chamber.slug
        self.stdout.write(
            f"Logins: <organisation slug>-admin|staff|signatory@{network.EMAIL_DOMAIN}, "
            f"password '{network.PASSWORD}' — e.g. {chamber}-admin@{network.EMAIL_DOMAIN} "
            f"(/o/{chamber}/)."
        )
