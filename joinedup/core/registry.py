"""Where apps plug into the project shell: navigation entries and home panels.

core is the lowest app, so every app may import this module and register its
entries from its ``AppConfig.ready()``; the shell (``joinedup.shell``) reads
them to draw the header and the home page. A new app therefore adds its menu
item and its home panel without editing any other app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class NavEntry:
    """One item in the service navigation.

    ``shown`` decides, for the signed-in user, whether the item appears (a
    menu never offers a page the user would be refused). ``badge`` may give a
    count drawn beside the text (unread notifications, say).
    """

    key: str
    label: str
    url_name: str
    order: int
    shown: Callable[[Any], bool]
    badge: Callable[[Any], int] | None = None
    badge_label: str = ""


@dataclass(frozen=True)
class HomePanel:
    """One panel on the home page.

    ``context`` returns the template's context for this request, or None when
    the panel does not apply to this user; it must read only what the access
    policy lets the user see.
    """

    key: str
    template: str
    order: int
    context: Callable[[HttpRequest], dict[str, Any] | None]


_NAV: dict[str, NavEntry] = {}
_PANELS: dict[str, HomePanel] = {}


def register_nav(entry: NavEntry) -> None:
    # Keyed, so a second ready() (tests reload apps) replaces rather than repeats.
    _NAV[entry.key] = entry


def register_home_panel(panel: HomePanel) -> None:
    _PANELS[panel.key] = panel


def nav_entries() -> list[NavEntry]:
    return sorted(_NAV.values(), key=lambda e: (e.order, e.key))


def home_panels() -> list[HomePanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
