from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from joinedup.demo.services import DEMO_PASSWORD, demo_seed, demo_usernames
from joinedup.partnership.models import Partnership

# Splink's unsupervised training needs enough records to estimate from.
MIN_RECORDS_TO_LINK = 500


class Command(BaseCommand):
    help = "Create the synthetic demo partnership (Nottingham City and Nottinghamshire County), if none exists."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--children", type=int, default=2000, help="How many synthetic children (default 2000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--no-linkage", action="store_true", help="Leave the records unlinked (no model trained, nothing joined)."
        )

    def handle(self, *args: Any, children: int, seed: int, no_linkage: bool, **options: Any) -> None:
        if children < 1:
            raise CommandError("--children must be at least 1.")
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            pct = 100 * done // total
            bar = "#" * (pct // 4)
            sys.stdout.write(f"\r  children {done:>9,}/{total:,} [{bar:<25}] {pct:3d}%")
            sys.stdout.flush()
            if done == total:
                sys.stdout.write("\n")

        if not Partnership.objects.exists():
            self.stdout.write(f"Seeding the demo partnership with {children:,} synthetic children...")
        result = demo_seed(children=children, seed=seed, progress=progress)
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {result.children:,} children as {result.records:,} agency records "
                    f"in {time.monotonic() - started:.1f}s."
                )
            )
            if no_linkage:
                pass
            elif result.records < MIN_RECORDS_TO_LINK:
                self.stdout.write(
                    f"Only {result.records} records: too few to train a linkage model, so none are joined yet."
                )
            else:
                self.stdout.write("Joining the dots: training a linkage model and linking the records...")
                call_command("linkage_train", "--activate", "--seed", str(seed), stdout=self.stdout)
                call_command("linkage_run", stdout=self.stdout)
        else:
            self.stdout.write("A partnership already exists: nothing seeded.")
        demo_users = demo_usernames()
        if demo_users:
            self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
            for username, role, agency in demo_users:
                self.stdout.write(f"  {username:<22} {role}, {agency}")
