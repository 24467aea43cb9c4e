"""Imports over IN_REQUEST_ROWS rows run as a background job, registered from imports' apps.py."""

from __future__ import annotations

from django.urls import reverse

from joinedup.imports.models import ImportStatus, RecordImport
from joinedup.imports.reading import ImportRefusedError
from joinedup.imports.services import RECORDS_IMPORT, import_summary, record_import_run
from joinedup.jobs.models import Job
from joinedup.jobs.registry import JobError, Report, register_job_kind
from joinedup.partnership.roles import Perm

STEPS = 10


def records_import(job: Job, report: Report) -> tuple[str, str]:
    # access: the worker runs the job its starter was allowed to start (imports:new checked them then).
    imp = RecordImport.objects.select_related("agency", "started_by").get(uuid=job.params["import"])
    if imp.status == ImportStatus.FINISHED:
        raise JobError("This import has already finished; send the file again to import it again.")
    report(f"Reading {imp.file_name}", 0)
    try:
        record_import_run(record_import=imp, report=report, steps=STEPS)
    except ImportRefusedError as exc:  # read when it was sent, so only if the code reading it changed since
        raise JobError(f"{exc} Nothing more was written.") from exc
    return import_summary(imp), reverse("imports:detail", args=[imp.uuid])


def register() -> None:
    register_job_kind(
        kind=RECORDS_IMPORT,
        label="Import agency records",
        steps=STEPS,
        handler=records_import,
        perm=Perm.IMPORT_AGENCY_RECORDS,
        # An import's result is about one agency's records: its colleagues who may import see it.
        scope="agency",
        owner="imports",
    )
