"""The data protection officer's pages: agreements, break-glass reviews, disclosures,
the audit trail, subject access and retention."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.audit.exports import ExportEvent, RecordedRead, csv_response, json_response, pdf_response
from joinedup.children import services as child_services
from joinedup.children.access import child_get_for_subject_access
from joinedup.children.selectors import joins_outside_work_for
from joinedup.core.forms import add_service_errors
from joinedup.governance import selectors, services
from joinedup.governance import subject_access as sar
from joinedup.governance.forms import (
    AgreementForm,
    AgreementReviewForm,
    AuditFilterForm,
    BreakGlassReviewForm,
    DisclosureFilterForm,
    ExemptionDecisionForm,
    RetentionDecisionForm,
    SubjectAccessForm,
)
from joinedup.governance.jobs import SUBJECT_ACCESS_PACK
from joinedup.jobs import services as job_services
from joinedup.partnership import services as partnership_services
from joinedup.partnership.access import (
    agreement_get_for_change,
    agreements_visible_to,
    membership_for,
    require,
    user_can,
)
from joinedup.partnership.roles import Perm, Purpose


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_AUDIT)
    pending = selectors.break_glass_queue(user=request.user, audit=False).pending
    today = timezone.localdate()
    agreements = list(agreements_visible_to(request.user))
    context = {
        "pending": len(pending),
        "agreements_due": sum(1 for a in agreements if a.review_state(today) != "ok"),
        "retention_due": len(selectors.retention_candidates(user=request.user)),
        "outside_work": joins_outside_work_for(request.user).count(),
        "page_title": "Information governance",
    }
    return render(request, "governance/index.html", context)


# --- agreements ----------------------------------------------------------------------


@require_GET
@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    if membership_for(request.user) is None:
        return redirect("home")
    today = timezone.localdate()
    agreements = list(agreements_visible_to(request.user).prefetch_related("parties"))
    rows = [(a, a.review_state(today), a.is_in_force(today)) for a in agreements]
    return render(
        request,
        "governance/agreement_list.html",
        {
            "rows": rows,
            "can_manage": user_can(request.user, Perm.MANAGE_AGREEMENTS),
            "page_title": "Information-sharing agreements",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, Perm.MANAGE_AGREEMENTS)
    partnership = membership.agency.partnership
    form = AgreementForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = partnership_services.agreement_create(
                actor=request.user,
                partnership=partnership,
                parties=list(form.cleaned_data["parties"]),
                data=form.agreement_data(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Agreement {agreement.reference} added to the register.")
            return redirect("governance:agreements")
    return render(
        request, "governance/agreement_form.html", {"form": form, "agreement": None, "page_title": "New agreement"}
    )


@require_http_methods(["GET", "POST"])
@login_required
def agreement_edit(request: HttpRequest, agreement_uuid: str) -> HttpResponse:
    agreement = agreement_get_for_change(user=request.user, agreement_uuid=agreement_uuid)
    if request.method == "POST":
        form = AgreementForm(request.POST, partnership=agreement.partnership)
        if form.is_valid():
            try:
                partnership_services.agreement_update(
                    actor=request.user,
                    agreement=agreement,
                    parties=list(form.cleaned_data["parties"]),
                    data=form.agreement_data(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Agreement {agreement.reference} saved.")
                return redirect("governance:agreements")
    else:
        form = AgreementForm(initial=AgreementForm.initial_from(agreement), partnership=agreement.partnership)
    return render(
        request,
        "governance/agreement_form.html",
        {"form": form, "agreement": agreement, "page_title": "Change agreement"},
    )


@require_http_methods(["GET", "POST"])
@login_required
def agreement_review(request: HttpRequest, agreement_uuid: str) -> HttpResponse:
    agreement = agreement_get_for_change(user=request.user, agreement_uuid=agreement_uuid)
    form = AgreementReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partnership_services.agreement_review(
                actor=request.user,
                agreement=agreement,
                next_review=form.cleaned_data["next_review"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Review of {agreement.reference} recorded.")
            return redirect("governance:agreements")
    return render(
        request,
        "governance/agreement_review.html",
        {"form": form, "agreement": agreement, "page_title": "Review agreement"},
    )


# --- break-glass ---------------------------------------------------------------------


@require_GET
@login_required
def break_glass_list(request: HttpRequest) -> HttpResponse:
    queue = selectors.break_glass_queue(user=request.user)
    return render(
        request,
        "governance/break_glass_list.html",
        {
            "pending": queue.pending,
            "reviewed": queue.reviewed,
            "now": timezone.now(),
            "page_title": "Emergency access reviews",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def break_glass_review(request: HttpRequest, grant_uuid: str) -> HttpResponse:
    grant = selectors.break_glass_get_for_review(user=request.user, grant_uuid=grant_uuid)
    form = BreakGlassReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        was_open = grant.expires_at > timezone.now()
        try:
            child_services.break_glass_review(
                actor=request.user,
                grant=grant,
                status=form.cleaned_data["review_status"],
                note=form.cleaned_data["review_note"],
                end_now=form.cleaned_data["end_now"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            ended = " The access is ended and the user told." if form.cleaned_data["end_now"] and was_open else ""
            messages.success(request, f"Review recorded.{ended}")
            return redirect("governance:break_glass")
    review = selectors.break_glass_review_view(user=request.user, grant=grant)
    return render(
        request,
        "governance/break_glass_review.html",
        {
            "form": form,
            "review": review,
            "grant": grant,
            "grant_open": grant.expires_at > timezone.now(),
            "page_title": "Review emergency access",
        },
    )


# --- disclosures and the audit trail ---------------------------------------------------


@require_GET
@login_required
def disclosure_list(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, Perm.VIEW_AUDIT)
    params = request.GET.copy()
    page_number = params.pop("page", [None])[-1]
    form = DisclosureFilterForm(params or None, partnership=membership.agency.partnership)
    # Recent disclosures by default; filters narrow them. Invalid filters show no rows, only the errors.
    log = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        log = selectors.disclosure_log(user=request.user, filters=filters, page=page_number)
    return render(
        request,
        "governance/disclosure_list.html",
        {"form": form, "log": log, "query": params.urlencode(), "page_title": "Disclosure log"},
    )


@require_GET
@login_required
def joins_outside_work(request: HttpRequest) -> HttpResponse:
    log = selectors.joins_outside_work_log(user=request.user, page=request.GET.get("page"))
    return render(
        request,
        "governance/joins_outside_work.html",
        {"log": log, "query": "", "page_title": "Matches that would open a child outside someone's work"},
    )


@require_GET
@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, Perm.VIEW_AUDIT)
    form = AuditFilterForm(request.GET or None, partnership=membership.agency.partnership)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if request.GET.get("format") == "csv" and (not form.is_bound or form.is_valid()):
        events = selectors.audit_events_for(user=request.user, filters=filters)
        return csv_response(
            actor=request.user,
            filename="audit.csv",
            header=selectors.AUDIT_CSV_HEADER,
            rows=selectors.audit_csv_rows(events.iterator()),
            event=ExportEvent(
                event="audit.exported",
                purpose=Purpose.DATA_PROTECTION,
                detail={"filters": {k: str(v) for k, v in filters.items() if v not in (None, "")}},
            ),
        )
    page = selectors.audit_page(user=request.user, filters=filters, page=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "governance/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "page_title": "Audit trail"},
    )


# --- subject access ------------------------------------------------------------------


@require_GET
@login_required
def subject_access(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.SUBJECT_ACCESS)
    form = SubjectAccessForm(request.GET or None)
    children = None
    if form.is_bound and form.is_valid():
        children = sar.subject_access_find(user=request.user, query=form.cleaned_data["q"])
    searched = sar.subject_access_query(form.cleaned_data["q"]) if children is not None else ("", "")
    return render(
        request,
        "governance/subject_access.html",
        {
            "form": form,
            "children": children,
            "searched_kind": searched[0],
            "searched": form.cleaned_data["q"].strip() if children is not None else "",
            "page_title": "Subject access request",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def subject_access_review(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Each possibly exempt item with its decision; a POST decides one item (named by `item`)."""
    child = child_get_for_subject_access(user=request.user, child_uuid=child_uuid)
    membership = require(request.user, Perm.SUBJECT_ACCESS)
    failed: tuple[str, ExemptionDecisionForm] | None = None
    if request.method == "POST":
        item = sar.subject_access_item_for_decision(
            user=request.user, child=child, item_uuid=request.POST.get("item", "")
        )
        form = ExemptionDecisionForm(request.POST, prefix=str(item.uuid))
        if form.is_valid():
            try:
                services.exemption_decide(
                    actor=request.user,
                    partnership=membership.agency.partnership,
                    child=child,
                    item=item,
                    outcome=form.cleaned_data["outcome"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Decision recorded: {item.title}.")
                return redirect(reverse("governance:subject_access_review", args=[child.uuid]) + f"#item-{item.uuid}")
        failed = (str(item.uuid), form)
    holdings = sar.subject_access_review(user=request.user, child=child)
    rows = []
    for item in holdings.items:
        if failed is not None and failed[0] == str(item.uuid):
            rows.append((item, failed[1]))
        else:
            rows.append((item, ExemptionDecisionForm(prefix=str(item.uuid))))
    name = selectors.child_labels(partnership_id=membership.agency.partnership_id, child_ids=[child.pk])[child.pk]
    return render(
        request,
        "governance/subject_access_review.html",
        {
            "child": child,
            "name": name,
            "holdings": holdings,
            "rows": rows,
            "error_form": failed[1] if failed else None,
            "pack_days": settings.JOBS_FILE_RETENTION_DAYS,
            "page_title": f"Subject access: {name.name}",
        },
    )


@require_GET
@login_required
def subject_access_letter(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """The response as the family will read it, before it is downloaded and sent."""
    child = child_get_for_subject_access(user=request.user, child_uuid=child_uuid)
    export = sar.subject_access_export(user=request.user, child=child, channel="preview")
    return render(
        request,
        "governance/subject_access_letter.html",
        {"child": child, "export": export, "page_title": "Subject access response"},
    )


@require_GET
@login_required
def subject_access_json(request: HttpRequest, child_uuid: str) -> HttpResponse:
    child = child_get_for_subject_access(user=request.user, child_uuid=child_uuid)
    export = sar.subject_access_export(user=request.user, child=child, channel="json")
    return json_response(
        actor=request.user,
        filename=f"subject-access-{child.uuid}.json",
        data=export,
        # subject_access_export audits it, with what was withheld, which only it knows.
        event=RecordedRead("subject_access.exported"),
    )


@require_GET
@login_required
def subject_access_pdf(request: HttpRequest, child_uuid: str) -> HttpResponse:
    child = child_get_for_subject_access(user=request.user, child_uuid=child_uuid)
    export = sar.subject_access_export(user=request.user, child=child, channel="pdf")
    return pdf_response(
        actor=request.user,
        filename=f"subject-access-{child.uuid}.pdf",
        template="governance/subject_access_pdf.html",
        context={"export": export},
        event=RecordedRead("subject_access.exported"),
        request=request,
    )


@require_POST
@login_required
def subject_access_pack(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Start preparing the response as a PDF pack in the background; its page offers the file."""
    child = child_get_for_subject_access(user=request.user, child_uuid=child_uuid)
    job = job_services.job_start(actor=request.user, kind=SUBJECT_ACCESS_PACK, params={"child": str(child.uuid)})
    return redirect("jobs:detail", job_uuid=job.uuid)


# --- retention -----------------------------------------------------------------------


@require_GET
@login_required
def retention_list(request: HttpRequest) -> HttpResponse:
    candidates = selectors.retention_review_list(user=request.user)
    return render(
        request, "governance/retention_list.html", {"candidates": candidates, "page_title": "Retention review"}
    )


@require_http_methods(["GET", "POST"])
@login_required
def retention_decide(request: HttpRequest, record_uuid: str) -> HttpResponse:
    record = selectors.retention_record_for_decision(user=request.user, record_uuid=record_uuid)
    form = RetentionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_decide(
                actor=request.user,
                record=record,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                retain_until=form.cleaned_data.get("retain_until"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Decision recorded for {record.agency.name} {record.local_id}.")
            return redirect("governance:retention")
    selectors.retention_decision_view(user=request.user, record=record)
    return render(
        request,
        "governance/retention_decide.html",
        {"form": form, "record": record, "page_title": "Retention decision"},
    )
