"""Length-preserving folding of French text (lower case, no accents, straight apostrophes) for matching.

Rules and mention checks match on the folded text and report offsets that are valid in the original,
because folding never changes the number of characters.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_SPECIAL = {
    "’": "'",
    "‘": "'",
    "ʼ": "'",
    "`": "'",
    "´": "'",
    "œ": "o",
    "Œ": "o",
    "æ": "a",
    "Æ": "a",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "–": "-",
    "—": "-",
    "‑": "-",
    "«": '"',
    "»": '"',
}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    low = ch.lower()
    if len(low) != 1:
        low = ch
    base = unicodedata.normalize("NFD", low)[0]
    return base if base.isprintable() or base.isspace() else low


def fold(text: str) -> str:
    """Lower-case, accent-free copy of ``text`` with exactly the same length (offsets stay valid)."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)
