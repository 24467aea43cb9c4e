"""Sections that other capabilities add to the child page, without the child page importing them.

A section is a function (user, child_access) -> (template name, context) or
None. It is given the ChildAccess the policy already granted, so it shows
nothing the user may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Section = Callable[[Any, Any], tuple[str, dict[str, Any]] | None]
_SECTIONS: list[Section] = []
# Sections drawn at the top of the page, above the agencies' records (the summary).
_TOP_SECTIONS: list[Section] = []


def register_child_section(section: Section, *, top: bool = False) -> None:
    sections = _TOP_SECTIONS if top else _SECTIONS
    if section not in sections:
        sections.append(section)


def child_sections(user: Any, access: Any, *, top: bool = False) -> list[tuple[str, dict[str, Any]]]:
    sections = _TOP_SECTIONS if top else _SECTIONS
    return [s for s in (section(user, access) for section in sections) if s is not None]
