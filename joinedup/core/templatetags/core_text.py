"""Filters for showing values the same way on every page: NHS numbers, someone's own words."""

from __future__ import annotations

from django import template

from joinedup.core.text import quoted as _quoted
from joinedup.core.validators import format_nhs_number

register = template.Library()


@register.filter
def nhs_number(value: str | None) -> str:
    """{{ record.nhs_number|nhs_number }} -> 943 476 5919."""
    return format_nhs_number(value or "")


@register.filter
def quoted(value: str | None, limit: int | None = None) -> str:
    """{{ words|quoted }}: the words in curly quotes once, whatever quotes were typed round them."""
    return _quoted(value or "", limit)
