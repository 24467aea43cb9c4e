"""Human labels for the codes governance pages show (categories, purposes)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from joinedup.partnership.roles import DataCategory, Purpose

register = template.Library()

KNOW_OF = "Know-of (existence only)"


def category_label(code: str) -> str:
    if code == "know_of":
        return KNOW_OF
    return str(DataCategory(code).label) if code in DataCategory.values else code.replace("_", " ").capitalize()


def purpose_label(code: str) -> str:
    return str(Purpose(code).label) if code in Purpose.values else code.replace("_", " ").capitalize()


@register.filter(name="category_labels")
def category_labels(codes: Iterable[str]) -> str:
    return ", ".join(category_label(c) for c in codes or [])


@register.filter(name="purpose_label")
def purpose_label_filter(code: str) -> str:
    return purpose_label(code or "")
