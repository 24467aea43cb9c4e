"""The maintained table of given-name equivalents (core/data/nicknames.txt)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

NICKNAMES_FILE = Path(__file__).parent / "data" / "nicknames.txt"


@cache
def nickname_groups() -> tuple[frozenset[str], ...]:
    groups = []
    for raw in NICKNAMES_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip().lower()
        if line:
            groups.append(frozenset(line.split()))
    return tuple(groups)


@cache
def equivalents() -> dict[str, frozenset[str]]:
    """Each name mapped to every name it shares a group with (itself included)."""
    table: dict[str, set[str]] = {}
    for group in nickname_groups():
        for name in group:
            table.setdefault(name, set()).update(group)
    return {name: frozenset(names) for name, names in table.items()}


def are_equivalent(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a == b or b in equivalents().get(a, frozenset())
