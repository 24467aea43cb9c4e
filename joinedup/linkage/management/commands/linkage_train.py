from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.linkage import model as splink_model
from joinedup.linkage.access import agency_records_for_linkage
from joinedup.linkage.features import RECORD_FIELDS, records_to_table
from joinedup.linkage.services import linkage_model_activate, linkage_model_save

FIELDS = RECORD_FIELDS


class Command(BaseCommand):
    help = "Train a new linkage model version on the current agency records (Splink, unsupervised)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--activate", action="store_true", help="Make the new model the active one.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, activate: bool, seed: int, **options: Any) -> None:
        started = time.monotonic()
        rows = records_to_table(agency_records_for_linkage().values(*FIELDS).iterator(chunk_size=10_000))
        if rows.num_rows < 50:
            raise CommandError(f"Only {rows.num_rows} agency records: at least 50 are needed to train a model.")
        self.stdout.write(f"Training on {rows.num_rows:,} agency records...")
        result = splink_model.train(rows, seed=seed)
        model = linkage_model_save(actor=None, parameters=result.model, summary=result.summary)
        if activate:
            linkage_model_activate(actor=None, model=model)
        self.stdout.write(
            self.style.SUCCESS(
                f"Model v{model.version} trained in {time.monotonic() - started:.1f}s"
                f"{' and activated' if activate else ''}."
            )
        )
