"""Referral files over IN_REQUEST_ROWS rows are imported by the worker, registered from referrals' apps.py."""

from __future__ import annotations

from django.urls import reverse

from joinedup.jobs.models import Job
from joinedup.jobs.registry import JobError, Report, register_job_kind
from joinedup.partnership.access import membership_for
from joinedup.partnership.roles import Perm, role_can
from joinedup.referrals.bulk import (
    REFERRALS_IMPORT,
    RowRefusedError,
    parse,
    parse_problems,
    referral_import_begin,
    referral_import_fail,
    referral_import_run,
)
from joinedup.referrals.models import ReferralImport, ReferralImportStatus

STEPS = 4


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


def referrals_import(job: Job, report: Report) -> tuple[str, str]:
    # access: the worker runs the job its starter was allowed to start (referrals:import checked them then).
    imp = ReferralImport.objects.select_related("referring_agency__partnership", "started_by").get(
        uuid=job.params["import"]
    )
    if imp.status != ReferralImportStatus.QUEUED:
        raise JobError("This import has already run; upload the file again to import it again.")
    where = "The rows are listed on the import's page, linked from Import referrals."
    membership = membership_for(imp.started_by)
    if membership is None or not role_can(membership.role, Perm.RAISE_REFERRAL):
        referral_import_fail(
            referral_import=imp, problems=[{"row": 0, "problem": "You may no longer raise referrals."}]
        )
        raise JobError("Nothing was imported: your role no longer raises referrals.")
    referral_import_begin(referral_import=imp)
    report(f"Checking {_rows(imp.rows)} of {imp.file_name}", 0)
    # Checked again: the file was read when it was sent, but the partnership's areas may have changed since.
    rows, file_problems = parse(imp.content, partnership=imp.referring_agency.partnership)
    problems = parse_problems(rows, file_problems)
    if problems:
        referral_import_fail(referral_import=imp, problems=problems)
        bad = [p["row"] for p in problems if p["row"]]
        raise JobError(
            f"Nothing was imported: {_rows(len(bad))} now {'has' if len(bad) == 1 else 'have'} problems"
            f"{' and so does the file' if len(bad) < len(problems) else ''}. {where}"
        )
    report(f"Checked {_rows(len(rows))}. Writing them: all of them are sent for screening, or none", 1)
    try:
        referral_import_run(referral_import=imp, rows=rows)
    except RowRefusedError as exc:
        # The transaction is undone: no referral from this file reaches the screening queue.
        referral_import_fail(referral_import=imp, problems=[{"row": exc.row, "problem": exc.problem}])
        raise JobError(f"Nothing was imported: row {exc.row} was refused ({exc.problem}). {where}") from exc
    except Exception:
        # Undone as well; the job's page says "unexpected", and the import must not stay "Importing".
        referral_import_fail(
            referral_import=imp, problems=[{"row": 0, "problem": "An unexpected error stopped the import."}]
        )
        raise
    report(f"Sent {_rows(imp.created)} for screening", 3)
    return (
        f"Sent {imp.created:,} referral{'' if imp.created == 1 else 's'} from {imp.file_name} for screening. "
        "The front door decides each within one working day.",
        reverse("referrals:import_detail", args=[imp.uuid]),
    )


def register() -> None:
    register_job_kind(
        kind=REFERRALS_IMPORT,
        label="Import referrals",
        steps=STEPS,
        handler=referrals_import,
        perm=Perm.RAISE_REFERRAL,
        # The file names children and says what the referrer saw: nobody but its referrer sees the job.
        scope="starter",
        owner="referrals",
    )
