"""Human labels for the codes pathway definitions use (purposes, agency types, roles, pathway keys)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from joinedup.partnership.models import AgencyType
from joinedup.partnership.roles import Role
from joinedup.pathways.definitions import PURPOSES, shipped_definitions

register = template.Library()


def _tidy(code: str) -> str:
    return code.replace("_", " ").capitalize()


@register.filter
def purpose_label(code: str) -> str:
    return PURPOSES.get(code, _tidy(code))


@register.filter
def agency_types_label(codes: Iterable[str]) -> str:
    labels = dict(AgencyType.choices)
    return ", ".join(str(labels.get(c, _tidy(c))) for c in codes)


@register.filter
def roles_label(codes: Iterable[str]) -> str:
    labels = dict(Role.choices)
    return ", ".join(str(labels.get(c, _tidy(c))) for c in codes)


@register.filter
def pathway_title(key: str) -> str:
    """'efh-city@1' -> 'City risk outside the home pathway (version 1)'."""
    definition = shipped_definitions().get(key)
    return f"{definition.title} (version {definition.version})" if definition is not None else key
