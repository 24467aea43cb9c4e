"""The public page for young people and families: no sign-in, published opportunities only.

An install may carry more than one partnership, so the page names one in its URL
(`/young-people/<partnership uuid>/`). The bare `/young-people/` shows the only
partnership's page when there is one, and otherwise lists the partnerships to choose
from, so no partnership's young people are shown another's groups.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from joinedup.participation import selectors
from joinedup.participation.forms import DirectoryFilterForm
from joinedup.participation.models import Access, Group, Safeguard
from joinedup.participation.views import _filters, _map_data
from joinedup.partnership.models import District, Partnership


def _page(request: HttpRequest, partnership: Partnership) -> HttpResponse:
    districts = District.objects.filter(area__partnership=partnership).order_by("area__name", "name")
    form = DirectoryFilterForm(request.GET or None, districts=districts)
    opportunities = selectors.opportunities_matching(
        partnership=partnership, filters=_filters(form), published_only=True
    )
    return render(
        request,
        "participation/public.html",
        {
            "partnership": partnership,
            "form": form,
            "opportunities": opportunities,
            "map_data": _map_data(opportunities),
            "access_labels": dict(Access.choices),
            "safeguard_labels": dict(Safeguard.choices),
            "group_labels": dict(Group.choices),
            "page_title": "Have your say",
        },
    )


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """The only partnership's page, or the list of partnerships to choose from."""
    # Public by design: partnerships' names only, no one's data.
    partnerships = list(Partnership.objects.order_by("name")[:2])
    if len(partnerships) == 1:
        return _page(request, partnerships[0])
    return render(
        request,
        "participation/public_choose.html",
        {"partnerships": Partnership.objects.order_by("name").prefetch_related("areas"), "page_title": "Have your say"},
    )


@require_GET
def public_for(request: HttpRequest, partnership_uuid: UUID) -> HttpResponse:
    """One partnership's published opportunities; 404 for an unknown partnership."""
    # Public by design: a partnership's published opportunities, no one's data.
    partnership = Partnership.objects.filter(uuid=partnership_uuid).first()
    if partnership is None:
        raise Http404
    return _page(request, partnership)
