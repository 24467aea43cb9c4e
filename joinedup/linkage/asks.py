"""Asking the agency that holds a record to check a detail, from a linkage page.

The chronology app owns record checks (its ask-to-check service notifies the
holders and keeps the request with the child) and sits above linkage, so it
registers how to ask here, from its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

# asker(actor=, child=, agency=, field=, note=): raises ValidationError saying why it cannot ask.
RecordCheckAsker = Callable[..., None]
_ASKERS: list[RecordCheckAsker] = []


def register_record_check_asker(asker: RecordCheckAsker) -> None:
    if asker not in _ASKERS:
        _ASKERS.append(asker)


def can_ask() -> bool:
    return bool(_ASKERS)


def record_check_ask(*, actor: Any, child: Any, agency: Any, field: str, note: str) -> None:
    """Ask `agency` to check `field` on its record of `child`, through whichever app asks."""
    if not _ASKERS:
        raise ValidationError("Asking an agency to check its record is not available here.")
    for asker in _ASKERS:
        asker(actor=actor, child=child, agency=agency, field=field, note=note)
