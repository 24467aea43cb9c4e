"""Reads over partnership configuration."""

from __future__ import annotations

from joinedup.core.validators import postcode_prefixes
from joinedup.partnership.models import Partnership, PostcodePrefix


def postcode_prefix_for(*, partnership: Partnership, postcode: str) -> PostcodePrefix | None:
    """The partnership's most specific prefix for a normalised postcode, or None."""
    prefixes = postcode_prefixes(postcode)
    found = {
        p.prefix: p
        for p in PostcodePrefix.objects.filter(partnership=partnership, prefix__in=prefixes).select_related(
            "district__area"
        )
    }
    for prefix in prefixes:
        if prefix in found:
            return found[prefix]
    return None
