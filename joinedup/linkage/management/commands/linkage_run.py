from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.linkage import model as splink_model
from joinedup.linkage.access import agency_records_for_linkage
from joinedup.linkage.features import records_to_table
from joinedup.linkage.management.commands.linkage_train import FIELDS
from joinedup.linkage.services import active_model, linkage_apply
from joinedup.linkage.spark import EngineError


class Command(BaseCommand):
    help = "Link all agency records with the active model and apply the results as decisions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--engine",
            choices=splink_model.ENGINES,
            default=None,
            help="Where Splink runs: duckdb (in-process) or spark. Default: the LINKAGE_ENGINE setting.",
        )

    def handle(self, *args: Any, engine: str | None, **options: Any) -> None:
        model = active_model()
        if model is None:
            raise CommandError("No active linkage model: run linkage_train --activate first.")
        started = time.monotonic()
        self.stdout.write("1/3 Loading agency records...")
        rows = records_to_table(agency_records_for_linkage().values(*FIELDS).iterator(chunk_size=10_000))
        engine = engine or splink_model.default_engine()
        self.stdout.write(f"2/3 Scoring {rows.num_rows:,} records with model v{model.version} on {engine}...")
        try:
            pairs = splink_model.predict_pairs(rows, model.parameters, threshold=model.lower_threshold, engine=engine)
            self.stdout.write("3/3 Applying the scored pairs as Splink produces them...")
            run = linkage_apply(actor=None, model=model, rows=pairs, progress=self._progress(started))
        except (EngineError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        figures = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in run.figures.items())
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f}s: {figures}."))

    def _progress(self, started: float) -> Any:
        def report(message: str) -> None:
            self.stdout.write(f"    {message} ({time.monotonic() - started:.0f}s)")

        return report
