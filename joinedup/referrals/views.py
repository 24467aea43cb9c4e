"""Raising a referral step by step: every step saves a draft, so nothing typed is lost."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.partnership.access import require
from joinedup.partnership.models import Area
from joinedup.partnership.roles import Perm, default_purpose
from joinedup.referrals import services
from joinedup.referrals.access import referral_get_for_user, referral_imports_for_user
from joinedup.referrals.bulk import (
    COLUMNS,
    IN_REQUEST_ROWS,
    MAX_ROWS,
    parse,
    referral_bulk_import,
    referral_import_start,
)
from joinedup.referrals.forms import STEPS
from joinedup.referrals.models import Consent, Referral, ReferralStatus
from joinedup.referrals.selectors import referral_import_view, referral_shown
from joinedup.referrals.taxonomy import harm_types


def _initial(referral: Referral | None, step: str) -> dict[str, Any]:
    if referral is None:
        return {}
    if step == "child":
        details = dict(referral.child_details)
        if details.get("date_of_birth"):
            details["date_of_birth"] = dt.date.fromisoformat(details["date_of_birth"])
        return details
    fields = {
        "concerns": ("harm_types", "indicators"),
        "voice": ("child_says", "places_mentioned", "people_mentioned"),
        "consent": ("consent", "family_informed", "family_not_informed_reason"),
        "areas": ("home_area", "found_area", "referrer_contact"),
    }[step]
    initial = {name: getattr(referral, name) for name in fields}
    if step == "consent" and referral.family_informed is not None:
        initial["family_informed"] = "yes" if referral.family_informed else "no"
    return initial


def _already_sent(request: HttpRequest, referral_uuid: str) -> HttpResponse | None:
    """The author back on a page of a referral they have sent (the browser's Back, "Send"
    pressed twice, a bookmarked step): say it was sent and show it, rather than refusing."""
    seen = referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    if seen.status != ReferralStatus.DRAFT and seen.created_by_id == request.user.pk:
        messages.info(request, "This referral has already been sent.")
        return redirect("referrals:detail", referral_uuid=seen.uuid)
    return None


@require_http_methods(["GET", "POST"])
@login_required
def step(request: HttpRequest, step_name: str = "child", referral_uuid: str | None = None) -> HttpResponse:
    membership = require(request.user, Perm.RAISE_REFERRAL)
    if referral_uuid and (sent := _already_sent(request, referral_uuid)) is not None:
        return sent
    referral = (
        # for_change: a sent referral is refused here (403), so no step can edit it.
        referral_get_for_user(user=request.user, referral_uuid=referral_uuid, for_change=True)
        if referral_uuid
        else None
    )
    names = [name for name, _, _ in STEPS]
    if step_name not in names:
        raise Http404
    index = names.index(step_name)
    _, title, form_class = STEPS[index]
    kwargs: dict[str, Any] = {"partnership": membership.agency.partnership} if step_name == "areas" else {}
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            referral = services.referral_draft_save(actor=request.user, referral=referral, data=form.draft())  # type: ignore[attr-defined]
            if index + 1 < len(names):
                return redirect("referrals:step", referral_uuid=referral.uuid, step_name=names[index + 1])
            return redirect("referrals:check", referral_uuid=referral.uuid)
    else:
        form = form_class(initial=_initial(referral, step_name), **kwargs)
    return render(
        request,
        "referrals/step.html",
        {
            "form": form,
            "referral": referral,
            "title": title,
            "number": index + 1,
            "total": len(names),
            "back": names[index - 1] if index else None,
            "page_title": f"Referral: {title}",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def check(request: HttpRequest, referral_uuid: str) -> HttpResponse:
    if (sent := _already_sent(request, referral_uuid)) is not None:
        return sent
    referral = referral_get_for_user(user=request.user, referral_uuid=referral_uuid, for_change=True)
    problems: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.referral_submit(actor=request.user, referral=referral)
        except ValidationError as exc:
            # Refused either for what is missing or because another request sent it first (the
            # row lock in referral_submit): the status read again tells which.
            referral.refresh_from_db()
            if referral.status != ReferralStatus.DRAFT:
                messages.info(request, "This referral has already been sent.")
                return redirect("referrals:detail", referral_uuid=referral.uuid)
            problems = (
                {k: " ".join(v) for k, v in exc.message_dict.items()}
                if hasattr(exc, "error_dict")
                else {"": " ".join(exc.messages)}
            )
        else:
            messages.success(request, "Referral sent. The front door will decide within one working day.")
            return redirect("referrals:detail", referral_uuid=referral.uuid)
    else:
        problems = services.missing_for_submission(referral)
    labels = {h.code: h.label for h in harm_types().values()}
    return render(
        request,
        "referrals/check.html",
        {
            "referral": referral,
            "problems": problems,
            "harms": [labels.get(h, h) for h in referral.harm_types],
            "page_title": "Check your referral",
        },
    )


@require_http_methods(["GET"])
@login_required
def detail(request: HttpRequest, referral_uuid: str) -> HttpResponse:
    referral = referral_get_for_user(user=request.user, referral_uuid=referral_uuid)
    if referral.status == ReferralStatus.DRAFT:
        return redirect("referrals:check", referral_uuid=referral.uuid)
    referral_shown(user=request.user, referral=referral, purpose=default_purpose(request.user.membership.role) or "")
    labels = {h.code: h.label for h in harm_types().values()}
    return render(
        request,
        "referrals/detail.html",
        {"referral": referral, "harms": [labels.get(h, h) for h in referral.harm_types], "page_title": "Referral"},
    )


@require_http_methods(["GET", "POST"])
@login_required
def bulk_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of referrals: a report by row number; all rows imported, or none. Up to
    IN_REQUEST_ROWS rows are imported now; a larger clean file is kept and imported by the worker."""
    membership = require(request.user, Perm.RAISE_REFERRAL)
    rows: list[Any] = []
    problems: list[str] = []
    created = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = ["Choose a CSV file to upload."]
        # The file is read and parsed whole within the request (bulk.parse lets a field be as long
        # as the file): the limit keeps that bounded.
        elif upload.size > 5 * 1024 * 1024:
            problems = ["The file is larger than 5 MB: split it into smaller files."]
        else:
            try:
                # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark, which would otherwise
                # become part of the first column's name.
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                problems = ["The file is not UTF-8 text: save it as 'CSV UTF-8' and upload it again."]
            else:
                rows, problems = parse(text, partnership=membership.agency.partnership)
                if rows and not problems and not any(r.errors for r in rows) and len(rows) > IN_REQUEST_ROWS:
                    imp = referral_import_start(
                        actor=request.user, agency=membership.agency, file_name=upload.name, content=text,
                        rows=len(rows),
                    )  # fmt: skip
                    return redirect("jobs:detail", job_uuid=imp.job.uuid)  # type: ignore[union-attr]
                if rows and not problems and not any(r.errors for r in rows):
                    try:
                        created = referral_bulk_import(actor=request.user, rows=rows)
                    except ValidationError as exc:
                        problems = list(exc.messages)
                    else:
                        messages.success(
                            request, f"{len(created)} referral{'s' if len(created) != 1 else ''} sent for screening."
                        )
                        return redirect("home")
    return render(
        request,
        "referrals/import.html",
        {
            "rows": rows,
            "bad_rows": [r for r in rows if r.errors],
            "problems": problems,
            "columns": COLUMNS,
            "in_request_rows": IN_REQUEST_ROWS,
            "max_rows": MAX_ROWS,
            "imports": referral_imports_for_user(request.user).defer("content")[:10],
            # What each column may hold, so a file can be made right the first time.
            "harms": sorted(harm_types().values(), key=lambda h: h.label),
            "consents": Consent.choices,
            "areas": Area.objects.filter(partnership=membership.agency.partnership).order_by("short_name"),
            "page_title": "Import referrals",
        },
    )


@require_GET
@login_required
def import_detail(request: HttpRequest, import_uuid: str) -> HttpResponse:
    """A referral file imported by the worker: who sent it, how it went, and what stopped it, by row."""
    imp = referral_import_view(user=request.user, import_uuid=import_uuid)
    return render(request, "referrals/import_detail.html", {"imp": imp, "page_title": f"Import of {imp.file_name}"})
