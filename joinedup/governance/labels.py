"""Human labels for the codes governance pages, letters and exports show (categories, purposes)."""

from __future__ import annotations

from joinedup.partnership.roles import DataCategory, Purpose

KNOW_OF = "Know-of (existence only)"


def category_label(code: str) -> str:
    if code == "know_of":
        return KNOW_OF
    return str(DataCategory(code).label) if code in DataCategory.values else code.replace("_", " ").capitalize()


def purpose_label(code: str) -> str:
    return str(Purpose(code).label) if code in Purpose.values else code.replace("_", " ").capitalize()


def event_label(code: str) -> str:
    """An audit event code in words: "break_glass.opened" reads "Break glass opened"."""
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
