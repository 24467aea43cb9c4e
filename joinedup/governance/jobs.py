"""The subject access pack as a background job, registered from governance's apps.py.

For a child with a long history the letter takes long to render, so the DPO
prepares it as a job (governance:subject_access_pack starts it) and downloads
it from the job's page while it is kept (jobs.models.JobFile). The pack is
the letter `subject_access_pdf` gives in the request, from the same
`subject_access_export`: the DPO's exemption decisions as they stand when the
job runs.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from joinedup.audit.exports import pdf_bytes
from joinedup.children.access import child_get_for_subject_access
from joinedup.governance import subject_access as sar
from joinedup.jobs.models import Job
from joinedup.jobs.registry import JobError, Report, register_job_kind
from joinedup.jobs.services import job_file_save
from joinedup.partnership.roles import Perm, Purpose

SUBJECT_ACCESS_PACK = "subject_access_pack"
STEPS = 3


def subject_access_pack(job: Job, report: Report) -> tuple[str, str]:
    # The rule is checked again as the worker starts: the starter may have lost the role, or the
    # child may have left the partnership (a split), since the job was queued.
    report("Checking you may still answer this request", 0)
    try:
        child = child_get_for_subject_access(user=job.started_by, child_uuid=job.params["child"])
    except (PermissionDenied, Http404) as exc:
        raise JobError(
            "The pack was not made: you no longer answer subject access requests for this child's partnership."
        ) from exc
    report("Gathering what the partnership holds", 1)
    # Audited by subject_access_export as subject_access.exported (channel "pack"), with what it withheld.
    export = sar.subject_access_export(user=job.started_by, child=child, channel="pack")
    report("Writing the letter as a PDF", 2)
    pdf = pdf_bytes(template="governance/subject_access_pdf.html", context={"export": export})
    file = job_file_save(
        job=job,
        filename=f"subject-access-{child.uuid}.pdf",
        content_type="application/pdf",
        content=pdf,
        download_event="subject_access.pack_downloaded",
        purpose=Purpose.DATA_PROTECTION,
        child_uuid=child.uuid,
    )
    until = timezone.localtime(file.expires_at)
    held = sum(len(agency["records"]) for agency in export["information_held"])
    disclosures = len(export["who_has_been_shown_this_information"])
    # No name here: the job's page and list are read without a child's read being audited.
    return (
        f"The subject access pack is ready: {held} record{'' if held == 1 else 's'} and {disclosures} "
        f"disclosure{'' if disclosures == 1 else 's'}, as decided on the review page when it was made. "
        f"Download it from this page until {until.day} {until:%B %Y}.",
        reverse("governance:subject_access_review", args=[child.uuid]),
    )


def register() -> None:
    """Called from GovernanceConfig.ready(): the DPO starts it from the subject access review page."""
    register_job_kind(
        kind=SUBJECT_ACCESS_PACK,
        label="Subject access pack",
        steps=STEPS,
        handler=subject_access_pack,
        perm=Perm.SUBJECT_ACCESS,
        # Any DPO of the partnership may pick up (and download) a colleague's pack for a request.
        scope="partnership",
        owner="governance",
    )
