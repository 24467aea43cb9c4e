"""Text normalisation for searching names the way people type them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def fold(text: str) -> str:
    """Fold case and accents and collapse spacing: "  Zoë  O'Brien " -> "zoe o'brien"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", stripped.casefold()).strip()


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """A search key: folded, with punctuation and spaces dropped, so O'Brien == obrien."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@lru_cache(maxsize=65536)
def first_name_key(text: str) -> str:
    """The key of the first name only: "Mary-Jane Ann" -> "maryjane"."""
    for token in fold(text).split(" "):
        key = name_key(token)
        if key:
            return key
    return ""
