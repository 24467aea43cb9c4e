"""Linkage's background jobs: training a model and a batch run, registered from linkage's apps.py.

Each handler takes the job and a progress reporter (jobs/registry.py) and
returns what it made, in words and as a link; a JobError says, in words, what
to fix before trying again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from joinedup.jobs.models import Job
from joinedup.jobs.registry import JobError, Report, register_job_kind
from joinedup.linkage import model as splink_model
from joinedup.linkage.access import agency_records_for_linkage
from joinedup.linkage.features import RECORD_FIELDS, records_to_table
from joinedup.linkage.services import active_model, linkage_apply, linkage_model_save
from joinedup.linkage.spark import EngineError
from joinedup.partnership.roles import Perm

LINKAGE_TRAIN = "linkage_train"
LINKAGE_RUN = "linkage_run"
MIN_TRAINING_RECORDS = 50


class StartTrainingForm(forms.Form):
    # The button sends no seed (1); a seed makes a training reproducible when support asks for one.
    seed = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "invalid": "Enter the seed as a whole number, like 1",
            "min_value": "Enter a seed of 1 or more",
        },
    )

    def clean_seed(self) -> int:
        return self.cleaned_data["seed"] or 1


def _records() -> Any:
    return records_to_table(agency_records_for_linkage().values(*RECORD_FIELDS).iterator(chunk_size=10_000))


def linkage_train(job: Job, report: Report) -> tuple[str, str]:
    report("Loading agency records", 0)
    rows = _records()
    if rows.num_rows < MIN_TRAINING_RECORDS:
        raise JobError(
            f"There are {rows.num_rows} agency records: at least {MIN_TRAINING_RECORDS} are needed to train "
            "a model. Add or import more records, then train again."
        )
    report(f"Training on {rows.num_rows:,} agency records (Splink, unsupervised)", 1)
    result = splink_model.train(rows, seed=int(job.params.get("seed", 1)))
    model = linkage_model_save(actor=job.started_by, parameters=result.model, summary=result.summary)
    return (
        f"Model v{model.version} trained on {rows.num_rows:,} agency records. Check its match weights, "
        "then put it in use from its page.",
        reverse("linkage:model", args=[model.uuid]),
    )


def linkage_run(job: Job, report: Report) -> tuple[str, str]:
    model = active_model()
    if model is None:
        raise JobError("No linkage model is in use. Train one, check it and put it in use, then start a run.")
    report("Loading agency records", 0)
    rows = _records()
    engine = splink_model.default_engine()
    report(f"Scoring {rows.num_rows:,} records with model v{model.version} on {engine}", 1)
    try:
        pairs = splink_model.predict_pairs(rows, model.parameters, threshold=model.lower_threshold, engine=engine)
        run = linkage_apply(
            actor=job.started_by, model=model, rows=pairs, progress=lambda message: report(message, None)
        )
    except EngineError as exc:
        raise JobError(str(exc)) from exc
    report("Decisions written", 3)
    # The models page lists runs, with the same figures (LinkageRun.shown), and is open to
    # whoever may start one; the review queue is for reviewers, whom the figures tell how many pairs wait.
    return f"Linkage run with model v{model.version} finished: {run.summary()}.", reverse("linkage:models")


def register() -> None:
    """Called from LinkageConfig.ready(): both are started from the Linkage models page by partnership admins."""
    register_job_kind(
        kind=LINKAGE_TRAIN,
        label="Train a linkage model",
        steps=2,
        handler=linkage_train,
        perm=Perm.ADMIN_PARTNERSHIP,
        owner="linkage",
        start_form=StartTrainingForm,
        start_label="Train a new model",
    )
    register_job_kind(
        kind=LINKAGE_RUN,
        label="Linkage run",
        steps=3,
        handler=linkage_run,
        perm=Perm.ADMIN_PARTNERSHIP,
        owner="linkage",
        start_label="Start a linkage run",
    )
