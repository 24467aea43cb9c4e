"""Human labels for the codes governance pages show (categories, purposes)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from joinedup.governance.labels import category_label, event_label, purpose_label

register = template.Library()


@register.filter(name="category_labels")
def category_labels(codes: Iterable[str]) -> str:
    return ", ".join(category_label(c) for c in codes or [])


@register.filter(name="purpose_label")
def purpose_label_filter(code: str) -> str:
    return purpose_label(code or "")


@register.filter(name="purpose_labels")
def purpose_labels_filter(codes: Iterable[str]) -> str:
    return ", ".join(purpose_label(c) for c in codes or [])


@register.filter(name="event_label")
def event_label_filter(code: str) -> str:
    return event_label(code or "")
