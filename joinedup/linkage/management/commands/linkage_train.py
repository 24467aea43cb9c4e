from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from joinedup.linkage import model as splink_model
from joinedup.linkage.access import agency_records_for_linkage
from joinedup.linkage.features import RECORD_FIELDS, records_to_table
from joinedup.linkage.modelfile import ModelFileError, write_model_file
from joinedup.linkage.services import linkage_model_activate, linkage_model_save

FIELDS = RECORD_FIELDS


class Command(BaseCommand):
    help = "Train a new linkage model version on the current agency records (Splink, unsupervised)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--activate", action="store_true", help="Make the new model the active one.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--out",
            help="Also write the model to this file, for link_files --model-file where the database is not.",
        )

    def handle(self, *args: Any, activate: bool, seed: int, **options: Any) -> None:
        out = options.get("out")
        if out and not Path(out).parent.is_dir():
            raise CommandError(f"--out {out}: there is no folder {Path(out).parent} to write it in.")
        started = time.monotonic()
        rows = records_to_table(agency_records_for_linkage().values(*FIELDS).iterator(chunk_size=10_000))
        if rows.num_rows < 50:
            raise CommandError(f"Only {rows.num_rows} agency records: at least 50 are needed to train a model.")
        self.stdout.write(f"Training on {rows.num_rows:,} agency records...")
        result = splink_model.train(rows, seed=seed)
        model = linkage_model_save(actor=None, parameters=result.model, summary=result.summary)
        if activate:
            linkage_model_activate(actor=None, model=model)
        if out:
            source = {"kind": "trained by linkage_train on Joined Up's agency records", "version": model.version,
                      "uuid": str(model.uuid), "seed": seed}  # fmt: skip
            try:
                write_model_file(out, parameters=dict(model.parameters), summary=result.summary, source=source)
            except ModelFileError as exc:
                raise CommandError(f"Model v{model.version} is stored, but {exc}") from exc
            self.stdout.write(f"Model v{model.version} written to {out}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Model v{model.version} trained in {time.monotonic() - started:.1f}s"
                f"{' and activated' if activate else ''}."
            )
        )
