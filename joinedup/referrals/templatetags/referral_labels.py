"""Human labels for the codes a referral stores: pages and PDFs never show a raw code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import template
from django.utils.dateformat import format as date_format

from joinedup.referrals.taxonomy import harm_types

register = template.Library()


@register.filter
def harm_label(code: str) -> str:
    """'county_lines' -> 'County lines'; an unknown code (an old import, say) is shown as text, tidied."""
    harm = harm_types().get(code)
    return harm.label if harm is not None else code.replace("_", " ").capitalize()


@register.filter
def harm_labels(codes: Iterable[str] | None) -> str:
    return ", ".join(harm_label(c) for c in codes or [])


@register.filter
def stored_date(value: str | None) -> str:
    """A date a referral keeps as text in its child details ('2011-03-14') -> '14 March 2011'."""
    if not value:
        return ""
    try:
        return date_format(dt.date.fromisoformat(str(value)), "j F Y")
    except ValueError:
        return str(value)
