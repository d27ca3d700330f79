"""Masking of personal data in requêtes before anything is indexed or shown in a corpus view.

Names after a civilité (M., Mme, Maître…), dates and places of birth, postal addresses, telephone
numbers, e-mail addresses, social-security numbers (NIR) and IBANs are found by patterns on the raw
text; the spans are kept so that the indexing drops their words and the pages show the masked text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
_NAME_WORD = rf"[{_UPPER}][\w'’-]*"
_MONTHS = r"(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)"
_DATE = rf"(?:\d{{1,2}}\s?[/.-]\s?\d{{1,2}}\s?[/.-]\s?\d{{2,4}}|(?:1er|\d{{1,2}})\s+{_MONTHS}\s+\d{{4}})"
_STREET = (r"(?:rue|avenue|av\.|boulevard|bd|impasse|chemin|all[ée]e|place|route|quai|cours|square|lotissement|"
           r"r[ée]sidence|cit[ée]|passage|voie)")

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("COURRIEL", re.compile(r"(?<![\w.+~-])[\w.+~-]+\s?@\s?[\w-]+(?:\.[\w-]+)+")),
    ("IBAN", re.compile(r"\bFR\s?\d{2}(?:\s?[\dA-Z]{4}){4,6}(?:\s?[\dA-Z]{1,4})?")),
    ("NIR", re.compile(r"\b[12]\s?\d{2}\s?(?:0[1-9]|1[0-2])\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}(?:\s?\d{2})?\b")),
    ("TÉLÉPHONE", re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")),
    ("NAISSANCE", re.compile(rf"\bn[ée]e?\s+le\s*{_DATE}"
                             rf"(?:\s+[àa]\s+{_NAME_WORD}(?:[ \t-]+(?:{_NAME_WORD}|sur|le|la|de|d'))*)?",
                             re.IGNORECASE)),
    ("ADRESSE", re.compile(rf"\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+{_STREET}\b[^,\n]{{0,60}}"
                           rf"(?:,?[ \t]*\d{{5}}[ \t]+{_NAME_WORD}(?:[ \t-]+{_NAME_WORD})*)?", re.IGNORECASE)),
    ("ADRESSE", re.compile(rf"\b\d{{5}}[ \t]+{_NAME_WORD}(?:[ \t-]+{_NAME_WORD})*")),
    ("NOM", re.compile(rf"\b(?:M\.|MM\.|Mme|Mmes|Mlle|Me|Dr|Monsieur|Madame|Mademoiselle|Ma[iî]tre|Docteur|Pour)"
                       rf"[ \t]+"
                       rf"((?:{_NAME_WORD}|[{_UPPER}]{{2,}})"
                       rf"(?:[ \t-]+(?:(?:{_NAME_WORD})|[{_UPPER}]{{2,}}|de|da|le|du)){{0,3}})")),
)
"""Kinds of personal data and their patterns, most specific first (a span is masked by the first that finds it)."""

NOT_NAMES = frozenset({"le", "la", "les", "préfet", "ministre", "maire", "président", "directeur", "juge",
                       "Le", "La", "Les", "Préfet", "Ministre", "Maire", "Président", "Directeur", "L"})
"""Words after a civilité that start a function, not a name (« M. le préfet »)."""


@dataclass(frozen=True)
class Span:
    """A masked span of the raw text and the kind of personal data it holds."""

    start: int
    end: int
    kind: str


def find_personal_data(text: str) -> list[Span]:
    """Non-overlapping spans of personal data in ``text``, in order."""
    found: list[Span] = []
    taken = bytearray(len(text))
    for kind, pattern in PATTERNS:
        if kind == "COURRIEL" and "@" not in text:
            continue
        for match in pattern.finditer(text):
            start, end = (match.start(1), match.end(1)) if kind == "NOM" else (match.start(), match.end())
            if kind == "NOM":
                first = match.group(1).split()[0] if match.group(1).split() else ""
                if first in NOT_NAMES:
                    continue
            if end <= start or any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            found.append(Span(start, end, kind))
    return sorted(found, key=lambda s: s.start)


def mask(text: str, spans: list[Span] | None = None) -> str:
    """The text with each personal datum replaced by its kind in brackets (« [NOM] », « [ADRESSE] »…)."""
    spans = find_personal_data(text) if spans is None else spans
    out: list[str] = []
    pos = 0
    for span in spans:
        out.append(text[pos:span.start])
        out.append(f"[{span.kind}]")
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
