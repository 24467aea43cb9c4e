"""Text normalisation for searching names the way people type them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def fold(text: str) -> str:
    """Fold case and accents and collapse spacing: "  Zoë  O'Brien " -> "zoe o'brien"."""
    text = text or ""
    if text.isascii():  # nothing to decompose (most of what agencies send): the fast way
        return re.sub(r"\s+", " ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
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


# Quotation marks a writer may have typed round someone's words: straight, curly, low and guillemets.
_OPENING = "\"'\u201c\u2018\u201e\u00ab"
_CLOSING = "\"'\u201d\u2019\u201c\u00bb"


def quoted(text: str, limit: int | None = None) -> str:
    """Someone's own words in curly quotes, once: "\u201cI want to stay at my school.\u201d".

    Quotes the writer already typed round the words are dropped first (the child said it;
    the quotes are ours to add), so the words are never quoted twice; quotes inside them stay.
    With `limit`, longer words are cut to that many characters and end in an ellipsis.
    """
    inner = " ".join((text or "").split())
    while len(inner) >= 2 and inner[0] in _OPENING and inner[-1] in _CLOSING:
        inner = inner[1:-1].strip()
    if limit is not None and len(inner) > limit:
        inner = inner[:limit].rstrip() + "\u2026"
    return f"\u201c{inner}\u201d"
