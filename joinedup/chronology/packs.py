"""The MACE meeting pack: a PDF made by the worker, with a page for each child coming to the panel.

Started from the MACE list (pathways:mace) by whoever may see that list
(`run_panels`), through chronology:mace_pack_new, which asks for the
meeting's title and date (on the cover and in the file's name). For each
child on the list as its starter sees it (once, with every case of theirs at
the panel: a child with a case in each area is one child, not two), the child
is opened for the MACE panel as the child page would open it (404 means the
child is left out), and their page holds the child at a glance and the
chronology entries of the last RECENT_DAYS days they may see: exactly what
the child page and the chronology would show them, audited as those are
(`mace.listed`, then `child.viewed` with its disclosures and
`chronology.exported` for each child), then the pack as a whole
(`mace_pack.exported`, naming every child in it) and each download
(`mace_pack.downloaded`, the same children).

It lives here, not in pathways: pathways owns the list but sits below
chronology (.importlinter), and a pack is the child seen whole, which is this
app. When an insight app makes meeting packs of its own, this moves there.

Only its starter sees the job and downloads the pack (scope "starter"): it
holds what their agency's agreements let them see, which a colleague running
the panel from another agency may not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify

from joinedup.audit.exports import ExportEvent, export_record, pdf_bytes
from joinedup.chronology.glance import Glance, child_glance
from joinedup.chronology.selectors import Chronology, ChronologyFilter, chronology_for
from joinedup.jobs.models import Job
from joinedup.jobs.registry import JobError, Report, register_job_kind
from joinedup.jobs.services import job_file_save
from joinedup.partnership.access import membership_for
from joinedup.partnership.roles import Perm, Purpose
from joinedup.pathways.selectors import PanelChild, mace_list, panel_children

MACE_PACK = "mace_pack"
# Recent enough for a panel that meets monthly to see what changed since it last met, and before.
RECENT_DAYS = 183
STEPS = 10


@dataclass
class PackPage:
    entry: PanelChild
    glance: Glance
    chronology: Chronology


def _meeting(job: Job) -> tuple[str, dt.date]:
    """The meeting the starter named (chronology:mace_pack_new validated it)."""
    title = str(job.params.get("title") or "").strip()
    try:
        day = dt.date.fromisoformat(str(job.params.get("meeting_date") or ""))
    except ValueError:
        day = None
    if not title or day is None:
        raise JobError(
            "The pack needs the meeting's title and date: prepare it from the MACE list, which asks for them."
        )
    return title, day


def pack_filename(*, title: str, meeting_date: dt.date) -> str:
    """'mace-pack-2027-01-14-city-and-county-mace-panel.pdf': the meeting's date, then its title."""
    slug = slugify(title)[:60].strip("-") or "meeting"
    return f"mace-pack-{meeting_date:%Y-%m-%d}-{slug}.pdf"


def _child_page(*, user: Any, entry: PanelChild, since: dt.date) -> PackPage | None:
    try:
        chronology = chronology_for(
            user=user,
            child_uuid=entry.first.case.child.uuid,
            purpose=Purpose.MACE_PANEL,
            filters=ChronologyFilter(start=since),
            channel="export",
        )
    except Http404:
        # On the list (the case is theirs to see) but the child is not theirs to open: left out.
        return None
    return PackPage(entry=entry, glance=child_glance(chronology.view.access), chronology=chronology)


def mace_pack(job: Job, report: Report) -> tuple[str, str]:
    user = job.started_by
    title, meeting_date = _meeting(job)
    report("Reading the MACE list", 0)
    try:
        rows = panel_children(mace_list(user=user))
    except PermissionDenied as exc:
        raise JobError("The pack was not made: your role no longer runs the MACE panel.") from exc
    if not rows:
        raise JobError("No case you may see is at the MACE panel stage: there is nothing to put in a pack.")
    since = timezone.localdate() - dt.timedelta(days=RECENT_DAYS)
    pages: list[PackPage] = []
    for done, entry in enumerate(rows, start=1):
        report(f"Child {done} of {len(rows)}", 1 + (STEPS - 3) * done // len(rows))
        page = _child_page(user=user, entry=entry, since=since)
        if page is not None:
            pages.append(page)
    if not pages:
        raise JobError("None of the children on the MACE list is one you may open: there is nothing to put in a pack.")
    report("Writing the PDF", STEPS - 2)
    now = timezone.localtime()
    children = [str(page.entry.first.case.child.uuid) for page in pages]
    entries = sum(len(page.chronology.entries) for page in pages)
    filename = pack_filename(title=title, meeting_date=meeting_date)
    pdf = pdf_bytes(
        template="chronology/mace_pack_pdf.html",
        context={
            "title": title,
            "meeting_date": meeting_date,
            "pages": pages,
            "left_out": len(rows) - len(pages),
            "since": since,
            "generated_at": now,
            "generated_by": user,
            "membership": membership_for(user),
        },
    )
    report("Keeping the pack for you to download", STEPS - 1)
    with transaction.atomic():
        file = job_file_save(
            job=job,
            filename=filename,
            content_type="application/pdf",
            content=pdf,
            download_event="mace_pack.downloaded",
            purpose=Purpose.MACE_PANEL,
            detail={"children": children, "meeting": title, "meeting_date": meeting_date.isoformat()},
            # Through the day after the meeting: a pack made ahead must still open at the panel.
            needed_until=timezone.make_aware(dt.datetime.combine(meeting_date + dt.timedelta(days=2), dt.time())),
        )
        export_record(
            actor=user,
            event=ExportEvent(
                event="mace_pack.exported",
                purpose=Purpose.MACE_PANEL,
                obj=file,
                detail={
                    "children": children,
                    "entries": entries,
                    "left_out": len(rows) - len(pages),
                    "meeting": title,
                    "meeting_date": meeting_date.isoformat(),
                },
            ),
            filename=filename,
            fmt="pdf",
            rows=len(pages),
        )
    until = timezone.localtime(file.expires_at)
    left_out = len(rows) - len(pages)
    # Counts only: the job's page is read without a child's read being audited.
    return (
        f"The meeting pack for {title} on {date_format(meeting_date, 'j F Y')} is ready: "
        f"{len(pages)} child{'' if len(pages) == 1 else 'ren'} and {entries} "
        f"chronology entr{'y' if entries == 1 else 'ies'} from the last six months"
        + (f" ({left_out} on the list you may not open left out)" if left_out else "")
        + f". Download it from this page until {until.day} {until:%B %Y}.",
        "",
    )


def register() -> None:
    """Called from ChronologyConfig.ready(). Started from chronology:mace_pack_new (linked from the MACE
    list), which asks for the meeting's title and date; so no start button through jobs:start, whose
    buttons send no fields."""
    register_job_kind(
        kind=MACE_PACK,
        label="MACE meeting pack",
        steps=STEPS,
        handler=mace_pack,
        perm=Perm.RUN_PANELS,
        scope="starter",
        owner="chronology",
    )
