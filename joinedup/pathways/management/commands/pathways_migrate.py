from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.core.datafiles import DataFileError
from joinedup.pathways.definitions import shipped_definitions
from joinedup.pathways.migration import migrate_cases, preview


class Command(BaseCommand):
    help = "Preview, then apply, moving open cases from one version of a pathway to a later one."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("pathway", help="The pathway id, e.g. efh-city")
        parser.add_argument("--from-version", type=int, required=True)
        parser.add_argument("--to-version", type=int, required=True)
        parser.add_argument("--apply", action="store_true", help="Apply after showing the preview.")

    def handle(self, *args: Any, pathway: str, from_version: int, to_version: int, apply: bool, **options: Any) -> None:
        try:
            definitions = shipped_definitions()
        except DataFileError as exc:
            raise CommandError(str(exc)) from exc
        try:
            old, new = definitions[f"{pathway}@{from_version}"], definitions[f"{pathway}@{to_version}"]
        except KeyError as exc:
            raise CommandError(f"No definition {exc.args[0]}; shipped: {', '.join(sorted(definitions))}") from exc
        if new.version <= old.version:
            raise CommandError("--to-version must be later than --from-version.")
        changes, rows = preview(old=old, new=new)
        self.stdout.write(f"{old.title}: version {old.version} to {new.version}")
        for label, items in (
            ("Stages removed", changes.stages_removed),
            ("Stages added", changes.stages_added),
            ("Clocks added", changes.clocks_added),
            ("Clocks removed", changes.clocks_removed),
            ("Clocks changed", changes.clocks_changed),
        ):
            self.stdout.write(f"  {label}: {', '.join(items) or 'none'}")
        self.stdout.write(f"  Open cases to move: {len(rows)}")
        for row in rows[:50]:
            self.stdout.write(f"    {row.case.uuid}: {row.from_stage} -> {row.to_stage}")
        if not apply:
            self.stdout.write("Preview only: run again with --apply to move them.")
            return
        # A deliberate operation by whoever runs the command: audited as the system.
        moved = migrate_cases(actor=None, old=old, new=new)
        self.stdout.write(self.style.SUCCESS(f"Moved {moved} open cases to version {new.version}."))
