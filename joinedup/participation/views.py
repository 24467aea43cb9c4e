"""Pages for youth participation: directory and map, coverage, cohorts, voices, and the public page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from joinedup.audit.exports import ExportEvent, csv_response, pdf_response
from joinedup.children.selectors import child_view
from joinedup.core.forms import add_service_errors
from joinedup.participation import selectors, services
from joinedup.participation.access import (
    cohort_get_for_officer,
    cohorts_open_to,
    contribution_get_for_officer,
    contribution_get_for_withdrawal,
    opportunity_get_for_change,
)
from joinedup.participation.forms import (
    ChildWordsForm,
    CohortForm,
    ContributionForm,
    DirectoryFilterForm,
    FeedbackForm,
    OpportunityForm,
    PutForwardForm,
    SafetyDecisionForm,
    SeparateForm,
)
from joinedup.participation.models import (
    Access,
    Cohort,
    CohortMember,
    CohortStatus,
    Group,
    Opportunity,
    OpportunityStatus,
    Safeguard,
)
from joinedup.partnership.access import membership_for, require, user_can
from joinedup.partnership.models import District, Partnership
from joinedup.partnership.roles import Perm, Purpose


def _filters(form: DirectoryFilterForm) -> selectors.DirectoryFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.DirectoryFilters(
        area=data.get("area") or "",
        district=data.get("district") or "",
        age=data.get("age"),
        opportunity_type=data.get("opportunity_type") or "",
        group=data.get("group") or "",
        mode=data.get("mode") or "",
    )


def _map_data(opportunities: list[Opportunity]) -> dict[str, Any]:
    """The map's data; the template hands it to the script with json_script, which escapes `<`."""
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "markers": [
            {
                "lat": float(o.latitude),
                "lon": float(o.longitude),
                "title": o.title,
                "detail": f"{o.venue}, ages {o.age_range}, {o.schedule}",
            }
            for o in opportunities
            if o.latitude is not None and o.longitude is not None
        ],
    }


_DIRECTORY_HEADER = (
    "title",
    "type",
    "provider",
    "area",
    "district",
    "online",
    "venue",
    "postcode",
    "ages",
    "for",
    "schedule",
    "contact",
    "status",
    "last_reviewed",
    "hart_rung",
)


def _directory_rows(opportunities: list[Opportunity]) -> Iterator[tuple[Any, ...]]:
    for o in opportunities:
        yield (
            o.title,
            o.get_opportunity_type_display(),
            o.provider.name,
            o.area.name,
            o.district.name if o.district else "",
            "yes" if o.is_online else "no",
            o.venue,
            o.venue_postcode,
            o.age_range,
            "; ".join(Group(g).label for g in o.groups),
            o.schedule,
            o.contact,
            o.get_status_display(),
            o.last_reviewed_on.isoformat(),
            o.hart_rung or "",
        )


@require_GET
@login_required
def directory(request: HttpRequest) -> HttpResponse:
    membership = membership_for(request.user)
    if membership is None:
        return redirect("home")
    partnership = membership.agency.partnership
    districts = District.objects.filter(area__partnership=partnership).order_by("area__name", "name")
    form = DirectoryFilterForm(request.GET or None, districts=districts)
    manager = user_can(request.user, Perm.MANAGE_PARTICIPATION)
    filters = _filters(form)
    opportunities = selectors.opportunities_matching(
        partnership=partnership, filters=filters, published_only=not manager
    )
    if request.GET.get("format") == "csv":
        return csv_response(
            actor=request.user,
            filename="participation-opportunities.csv",
            header=_DIRECTORY_HEADER,
            rows=_directory_rows(opportunities),
            # A directory of services, nothing about any child: no purpose to state.
            event=ExportEvent(
                event="participation.directory_exported",
                detail={"filters": {k: v for k, v in asdict(filters).items() if v not in (None, "")}},
            ),
        )
    today = timezone.localdate()
    rows = [(o, selectors.is_stale(o, today)) for o in opportunities]
    return render(
        request,
        "participation/directory.html",
        {
            "form": form,
            "rows": rows,
            "map_data": _map_data(opportunities),
            "manager": manager,
            "query": request.GET.urlencode(),
            "page_title": "Youth participation opportunities",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def opportunity_edit(request: HttpRequest, opportunity_uuid: str | None = None) -> HttpResponse:
    membership = require(request.user, Perm.MANAGE_PARTICIPATION)
    opportunity = (
        opportunity_get_for_change(user=request.user, opportunity_uuid=opportunity_uuid) if opportunity_uuid else None
    )
    partnership = membership.agency.partnership
    if request.method == "POST":
        form = OpportunityForm(request.POST, partnership=partnership)
        if form.is_valid():
            try:
                saved = services.opportunity_save(
                    actor=request.user, opportunity=opportunity, data=form.opportunity_data()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"{saved.title} saved ({saved.get_status_display().lower()}).")
                return redirect("participation:directory")
    else:
        initial = OpportunityForm.initial_from(opportunity) if opportunity else {"status": OpportunityStatus.DRAFT}
        form = OpportunityForm(initial=initial, partnership=partnership)
    return render(
        request,
        "participation/opportunity_form.html",
        {"form": form, "opportunity": opportunity, "page_title": "Opportunity"},
    )


@require_POST
@login_required
def opportunity_reviewed(request: HttpRequest, opportunity_uuid: str) -> HttpResponse:
    opportunity = opportunity_get_for_change(user=request.user, opportunity_uuid=opportunity_uuid)
    services.opportunity_mark_reviewed(actor=request.user, opportunity=opportunity)
    messages.success(request, f"{opportunity.title} marked as reviewed today.")
    return redirect("participation:directory")


# --- coverage --------------------------------------------------------------------


def _coverage_for(request: HttpRequest) -> tuple[selectors.Coverage, str, str]:
    membership = require(request.user, Perm.VIEW_PARTICIPATION_COVERAGE)
    band = request.GET.get("band", "")
    group = request.GET.get("group", "")
    if band not in {b for b, _, _ in selectors.AGE_BANDS}:
        band = ""
    if group not in Group.values:
        group = ""
    return selectors.coverage(partnership=membership.agency.partnership, band=band, group=group), band, group


def _coverage_event(band: str, group: str) -> ExportEvent:
    # Counts by district, never a child: strategic analysis is the purpose the page serves.
    return ExportEvent(
        event="participation.coverage_exported",
        purpose=Purpose.STRATEGIC_ANALYSIS,
        detail={"band": band, "group": group},
    )


@require_GET
@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    result, band, group = _coverage_for(request)
    fmt = request.GET.get("format")
    if fmt == "csv":
        return csv_response(
            actor=request.user,
            filename="participation-coverage.csv",
            header=(
                "area",
                "district",
                "opportunities",
                "in_person",
                *(f"ages_{b}" for b in result.bands),
                *(f"type_{t}" for t, _ in result.types),
                *(f"group_{g}" for g, _ in result.groups),
                "nearest_suitable_km",
                "gaps",
            ),
            rows=(
                (
                    row.district.area.name,
                    row.district.name,
                    row.total,
                    row.in_person,
                    *(row.by_band[b] for b in result.bands),
                    *(row.by_type[t] for t, _ in result.types),
                    *(row.by_group[g] for g, _ in result.groups),
                    "" if row.nearest_km is None else row.nearest_km,
                    "; ".join(row.gaps),
                )
                for row in result.districts
            ),
            event=_coverage_event(band, group),
        )
    context = {
        "coverage": result,
        "band": band,
        "group": group,
        "bands": selectors.AGE_BANDS,
        "groups": Group.choices,
        "map_data": {
            "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "circles": [
                {"lat": r.latitude, "lon": r.longitude, "count": r.total, "title": r.district.name}
                for r in result.districts
                if r.latitude is not None
            ],
        },
        "page_title": "Participation coverage",
    }
    if fmt == "pdf":
        return pdf_response(
            actor=request.user,
            filename="participation-coverage.pdf",
            template="participation/coverage_pdf.html",
            context=context,
            event=_coverage_event(band, group),
            request=request,
            rows=len(result.districts),
        )
    return render(request, "participation/coverage.html", context)


# --- cohorts ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, Perm.MANAGE_PARTICIPATION)
    partnership = membership.agency.partnership
    # access: the officer's partnership, after require(MANAGE_PARTICIPATION)
    opportunities = Opportunity.objects.filter(provider__partnership=partnership).order_by("title")
    form = CohortForm(request.POST or None, opportunities=opportunities)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(
                actor=request.user, opportunity=form.cleaned_data["opportunity"], name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _to_cohort(cohort)
    # access: the officer's partnership, after require(MANAGE_PARTICIPATION)
    cohorts = Cohort.objects.filter(opportunity__provider__partnership=partnership).select_related("opportunity")
    return render(
        request,
        "participation/cohort_list.html",
        {"cohorts": cohorts, "form": form, "page_title": "Cohorts"},
    )


def _separate_form(cohort: Cohort, data: Any) -> SeparateForm:
    """Who of a kept-apart pair moves out, and to which other forming cohort of the partnership."""
    apart = selectors.kept_apart_pairs(cohort)
    member_ids = {m.pk for pair in apart for m in pair}
    return SeparateForm(
        data,
        # access: members of the cohort the officer opened (cohort_get_for_officer)
        members=CohortMember.objects.filter(pk__in=member_ids).order_by("display_name", "id"),
        # access: forming cohorts in the officer's partnership
        cohorts=Cohort.objects.filter(
            status=CohortStatus.FORMING,
            opportunity__provider__partnership_id=cohort.opportunity.provider.partnership_id,
        )
        .exclude(pk=cohort.pk)
        .select_related("opportunity")
        .order_by("opportunity__title", "name"),
    )


def _cohort_page(
    request: HttpRequest,
    cohort: Cohort,
    *,
    decision_form: SafetyDecisionForm | None = None,
    separate_form: SeparateForm | None = None,
) -> HttpResponse:
    """The cohort page, its read audited; an action that failed passes its bound form to show the errors."""
    view = selectors.cohort_view(user=request.user, cohort=cohort)
    return render(
        request,
        "participation/cohort_detail.html",
        {
            "view": view,
            "cohort": cohort,
            "decision_form": decision_form or SafetyDecisionForm(),
            "separate_form": separate_form or _separate_form(cohort, None),
            "page_title": cohort.name,
        },
    )


def _to_cohort(cohort: Cohort) -> HttpResponse:
    return redirect("participation:cohort", cohort_uuid=cohort.uuid)


@require_GET
@login_required
def cohort_detail(request: HttpRequest, cohort_uuid: str) -> HttpResponse:
    cohort = cohort_get_for_officer(user=request.user, cohort_uuid=cohort_uuid)
    return _cohort_page(request, cohort)


@require_POST
@login_required
def cohort_check(request: HttpRequest, cohort_uuid: str) -> HttpResponse:
    """Run the safety check over every pair now in the cohort."""
    cohort = cohort_get_for_officer(user=request.user, cohort_uuid=cohort_uuid)
    try:
        services.safety_check_run(actor=request.user, cohort=cohort)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _to_cohort(cohort)


@require_POST
@login_required
def cohort_decide(request: HttpRequest, cohort_uuid: str) -> HttpResponse:
    """Record the officer's decision on the latest safety check's flagged pairs."""
    cohort = cohort_get_for_officer(user=request.user, cohort_uuid=cohort_uuid)
    form = SafetyDecisionForm(request.POST)
    if form.is_valid():
        check = cohort.checks.order_by("-created_at").first()
        try:
            if check is None:
                raise ValidationError("Run the safety check before recording a decision.")
            services.safety_check_decide(
                actor=request.user,
                check=check,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["decision_note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _to_cohort(cohort)
    return _cohort_page(request, cohort, decision_form=form)


@require_POST
@login_required
def cohort_separate(request: HttpRequest, cohort_uuid: str) -> HttpResponse:
    """Move one of a kept-apart pair to another forming cohort, or withdraw them."""
    cohort = cohort_get_for_officer(user=request.user, cohort_uuid=cohort_uuid)
    form = _separate_form(cohort, request.POST)
    if form.is_valid():
        member = form.cleaned_data["member"]
        to_cohort = form.cleaned_data["to_cohort"]
        try:
            services.cohort_member_move(actor=request.user, member=member, to_cohort=to_cohort)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            where = f"moved to {to_cohort.name}" if to_cohort else "withdrawn from this cohort"
            messages.success(request, f"{member.display_name} {where}. Tell their lead practitioner.")
            return _to_cohort(cohort)
    return _cohort_page(request, cohort, separate_form=form)


@require_POST
@login_required
def cohort_confirm(request: HttpRequest, cohort_uuid: str) -> HttpResponse:
    cohort = cohort_get_for_officer(user=request.user, cohort_uuid=cohort_uuid)
    try:
        services.cohort_confirm(actor=request.user, cohort=cohort)
    except ValidationError as exc:
        # For example a kept-apart pair both still in it. Back to the page, whose address the officer
        # stays on (a reload must not post again), with the reason above the cohort.
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{cohort.name} confirmed.")
    return _to_cohort(cohort)


@require_http_methods(["GET", "POST"])
@login_required
def put_forward(request: HttpRequest, child_uuid: str) -> HttpResponse:
    # Opened as the child page opens it: audited, with a disclosure for any partner's name shown.
    child = child_view(user=request.user, child_uuid=child_uuid, purpose=Purpose.DIRECT_WORK).child
    cohorts = cohorts_open_to(request.user)
    form = PutForwardForm(request.POST or None, cohorts=cohorts)
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_put_forward(
                actor=request.user,
                cohort=form.cleaned_data["cohort"],
                child=child,
                display_name=form.cleaned_data["display_name"],
                young_person_consent=form.cleaned_data["young_person_consent"],
                parent_consent=form.cleaned_data["parent_consent"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, "Put forward. The participation officer will be in touch before anything is confirmed."
            )
            return redirect("children:detail", child_uuid=child.uuid)
    return render(
        request, "participation/put_forward.html", {"form": form, "child": child, "page_title": "Put forward"}
    )


# --- voices ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def voices(request: HttpRequest) -> HttpResponse:
    membership = require(request.user, Perm.MANAGE_PARTICIPATION)
    partnership = membership.agency.partnership
    form = ContributionForm(
        request.POST or None,
        partnership=partnership,
        # access: the officer's partnership, after require(MANAGE_PARTICIPATION)
        opportunities=Opportunity.objects.filter(provider__partnership=partnership),
        questions=selectors.questions_of(partnership),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_record(actor=request.user, data=dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Contribution recorded. It is listed below until the young person hears back.")
            return redirect("participation:voices")
    return render(
        request,
        "participation/voices.html",
        {
            "form": form,
            "awaiting": selectors.awaiting_feedback(user=request.user, partnership=partnership),
            "page_title": "Young people's voices",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def child_words(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Record, from the child's page, something the child said, as they said it."""
    # Opened as the child page opens it: audited, with a disclosure for any partner's name shown.
    child = child_view(user=request.user, child_uuid=child_uuid, purpose=Purpose.DIRECT_WORK).child
    # Adding to what an agency holds about a child is casework: the roles that create records.
    require(request.user, Perm.CREATE_AGENCY_RECORD)
    form = ChildWordsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contribution_record(
                actor=request.user, data={"child": child, "about_own_plan": True, **form.cleaned_data}
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Their words are recorded on their page.")
            return redirect(reverse("children:detail", args=[child.uuid]) + "#own-words")
    return render(
        request,
        "participation/child_words.html",
        {"form": form, "child": child, "page_title": "In their own words"},
    )


def _contribution_for_officer(request: HttpRequest, contribution_uuid: str) -> Any:
    """A contribution in the officer's partnership that is theirs to close the loop on; 404 otherwise."""
    contribution = contribution_get_for_officer(user=request.user, contribution_uuid=contribution_uuid)
    partnership = request.user.membership.agency.partnership
    if not selectors.for_the_officer(user=request.user, partnership=partnership).filter(pk=contribution.pk).exists():
        raise Http404
    return contribution


@require_http_methods(["GET", "POST"])
@login_required
def feedback(request: HttpRequest, contribution_uuid: str) -> HttpResponse:
    contribution = _contribution_for_officer(request, contribution_uuid)
    selectors.contribution_view(user=request.user, contribution=contribution)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_record(actor=request.user, contribution=contribution, data=dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Feedback recorded: you said, we did.")
            return redirect("participation:voices")
    return render(
        request,
        "participation/feedback.html",
        {"form": form, "contribution": contribution, "page_title": "You said, we did"},
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, contribution_uuid: str) -> HttpResponse:
    """The young person takes their words back: asked of the agency that heard them (from the
    child's page) or of the participation officer closing the loop (from the voices page)."""
    contribution, from_child_page = contribution_get_for_withdrawal(
        user=request.user, contribution_uuid=contribution_uuid
    )
    services.contribution_withdraw(actor=request.user, contribution=contribution)
    messages.success(request, "The young person's words are withdrawn: they are no longer shown or counted.")
    if from_child_page:
        return redirect(reverse("children:detail", args=[contribution.child.uuid]) + "#own-words")
    return redirect("participation:voices")


@require_GET
@login_required
def insight(request: HttpRequest) -> HttpResponse:
    partnership = require(request.user, Perm.VIEW_PARTICIPATION_COVERAGE).agency.partnership
    themes = selectors.themes_by_area_and_quarter(partnership=partnership)
    table = [
        (area, quarter, [(selectors.theme_label(t), n) for t, n in counts.most_common()])
        for area, quarters in sorted(themes.items())
        for quarter, counts in sorted(quarters.items())
    ]
    return render(
        request,
        "participation/insight.html",
        {
            "themes": table,
            "ledger": selectors.influence_ledger(user=request.user, partnership=partnership),
            "page_title": "Young people's influence",
        },
    )


# --- the public page -------------------------------------------------------------------


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """For young people and families, no sign-in: published opportunities only, nothing about any child."""
    partnership = Partnership.objects.order_by("id").first()
    opportunities: list[Opportunity] = []
    districts: Any = District.objects.none()
    if partnership is not None:
        districts = District.objects.filter(area__partnership=partnership).order_by("area__name", "name")
    form = DirectoryFilterForm(request.GET or None, districts=districts)
    if partnership is not None:
        opportunities = selectors.opportunities_matching(
            partnership=partnership, filters=_filters(form), published_only=True
        )
    return render(
        request,
        "participation/public.html",
        {
            "form": form,
            "opportunities": opportunities,
            "map_data": _map_data(opportunities),
            "access_labels": dict(Access.choices),
            "safeguard_labels": dict(Safeguard.choices),
            "group_labels": dict(Group.choices),
            "page_title": "Have your say",
        },
    )
