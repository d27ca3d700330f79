"""What a requête attacks and asks for: the contested act (« arrêté du … n° … », « décision du préfet de … »)
and the conclusions (annulation, injonction, indemnisation…), found by patterns on the masked text.

The act's number and date are the keys two requêtes of one series share; requêtes against different
acts of the same kind (two prefectoral arrêtés) are told apart by them.
"""

from __future__ import annotations

import re
from collections import Counter

from iapublique.services.litigation_series.textindex import fold

_MONTHS = r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)"
ACT = re.compile(
    r"\b(?:l'|la |le |les )?(?:arrete|decision(?: implicite)?|deliberation|avis de [a-z ]{3,40}|titre executoire|"
    r"refus implicite|ordonnance|circulaire|decret|refus)\b[^.;\n]{0,240}"
)
"""An act named in the folded text, up to the end of its sentence."""
NUMBER = re.compile(r"\bn\s*[°o]\s*([0-9][0-9a-z/-]*[0-9a-z])")
DATE = re.compile(rf"\b(?:du|le|en date du)\s+(1er|\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})")
NUMERIC_DATE = re.compile(r"\b(?:du|le|en date du)\s+(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20)\d{2})\b")
"""A date written with digits (« du 06/03/2023 », « le 6.03.2023 »)."""
CODE_ARTICLE = re.compile(r"\barticles? ([lrd]\.? ?\d+(?:-\d+)*(?: \d°)?)(?: [a-z' ]{0,12})? du (code [a-z' ]{3,60})")
ACT_RAW = re.compile(
    r"\b(?:[Ll]'|[Ll]a |[Ll]e )?(?:arrêté|décision(?: implicite)?|délibération|avis de [\w ]{3,40}|titre exécutoire|"
    r"refus implicite|ordonnance|circulaire|décret)\b[^.;\n]{0,240}"
)

CONCLUSIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("annulation de l'acte", re.compile(r"\bannul")),
    ("suspension de l'exécution (référé)", re.compile(r"\bsuspendre\b|\bsuspension de l'execution")),
    ("injonction à l'administration", re.compile(r"\benjoindre\b|\binjonction\b|\bordonner\b")),
    ("condamnation à indemniser", re.compile(r"\bcondamner\b.*\b(?:verser|somme|indemn)|\bindemnis|\breparation\b")),
    ("décharge de l'imposition ou de la dette", re.compile(r"\bdecharge")),
    ("remise gracieuse", re.compile(r"\bremise\b")),
    ("expertise", re.compile(r"\bexpertise\b")),
    ("frais de l'instance (L. 761-1 CJA)", re.compile(r"761-1|\bmettre a la charge\b|\bdepens\b")),
)
"""Kinds of conclusions and their patterns on the folded text of the conclusions part."""
_CONCL_HEAD = re.compile(r"par ces motifs|conclusions|demande au tribunal|plaise au tribunal de|il est demande")


_MONTH_NAMES = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre",
                "novembre", "decembre")
_SPACED_ACT = re.compile(r"a ?r ?r ?[e3c] ?[tf] ?[e3c]|d ?[e3c] ?c ?[il1] ?[s5] ?[il1] ?[o0] ?[nu]|"
                         r"d ?[e3c] ?[l1] ?[il1] ?b ?[e3c] ?r ?a ?[tf] ?[il1] ?[o0] ?[nu]|r ?[e3c] ?f ?[uv] ?[s5]")
_COMPACT_DATE = re.compile(r"(?:du|le)(1er|[0-9ol]{1,2})(jan|fev|mar|avr|mai|juin|juil|a[o0]u|sep|[o0]ct|n[o0]v|dec)"
                           r"[a-z0-9]{0,7}?([2z][0o][0-9olz]{2})")
_PREFIXES = {"jan": 1, "fev": 2, "mar": 3, "avr": 4, "mai": 5, "juin": 6, "juil": 7, "aou": 8, "sep": 9, "oct": 10,
             "nov": 11, "dec": 12}


def _digits(text: str) -> str:
    """Digits misread as letters by a scanner, read back (o → 0, l → 1, z → 2)."""
    return text.replace("o", "0").replace("l", "1").replace("z", "2")


def act_keys(folded: str) -> list[str]:
    """Number and date keys of the first contested act named in folded text (« n:2023-145 », « d:2023-03-06 »).

    When the act or its date is unreadable (scanned requêtes: words cut, letters for digits), the date is
    looked for again with spaces and punctuation removed.
    """
    keys: list[str] = []
    match = ACT.search(folded)
    if match is not None:
        part = match.group()
        num = NUMBER.search(part)
        if num:
            keys.append("n:" + _digits(num.group(1)))
        date = DATE.search(part)
        numeric = NUMERIC_DATE.search(part)
        if date:
            day = 1 if date.group(1) == "1er" else int(date.group(1))
            keys.append(f"d:{date.group(3)}-{_MONTH_NAMES.index(date.group(2)) + 1:02d}-{day:02d}")
        elif numeric and 1 <= int(numeric.group(1)) <= 31 and 1 <= int(numeric.group(2)) <= 12:
            keys.append(f"d:{numeric.group(3)}-{int(numeric.group(2)):02d}-{int(numeric.group(1)):02d}")
    if not any(k.startswith("d:") for k in keys):
        spaced = _SPACED_ACT.search(folded[:3000])
        if spaced is not None:
            compact = re.sub(r"[^a-z0-9]", "", folded[spaced.start():spaced.start() + 320])
            found = _COMPACT_DATE.search(compact)
            if found:
                raw_day = found.group(1)
                day_text = "1" if raw_day == "1er" else _digits(raw_day)
                year = _digits(found.group(3))
                if day_text.isdigit() and year.isdigit() and 1 <= int(day_text) <= 31:
                    month = _PREFIXES[found.group(2).replace("0", "o")]
                    keys.append(f"d:{year}-{month:02d}-{int(day_text):02d}")
    return keys


def act_phrase(masked_text: str) -> str:
    """The first contested act as written (masked text), up to the end of its clause, or empty."""
    match = ACT_RAW.search(masked_text)
    if match is None:
        return ""
    phrase = re.sub(r"\s+", " ", match.group()).strip(" ,:")
    return phrase[:1].lower() + phrase[1:] if phrase[:2] in ("L'", "La", "Le") else phrase


def code_articles(text: str) -> list[str]:
    """Articles of codes cited (« article l. 322-4 du code de l'energie »), folded."""
    return sorted({f"article {m.group(1)} du {m.group(2).strip()}" for m in CODE_ARTICLE.finditer(fold(text))})


def conclusions(text: str) -> list[str]:
    """Kinds of conclusions of a requête, read in its conclusions part (the end of the text otherwise)."""
    return conclusions_folded(fold(text))


def conclusions_folded(folded: str) -> list[str]:
    """:func:`conclusions` of text already folded by :func:`textindex.fold`."""
    heads = list(_CONCL_HEAD.finditer(folded))
    part = folded[heads[-1].start():] if heads else folded[-800:]
    cut = re.search(r"\n(?:pieces jointes|bordereau|liste des pieces)", part)
    if cut:
        part = part[:cut.start()]
    return [label for label, pattern in CONCLUSIONS if pattern.search(part)]


def near_keys(a: str, b: str) -> bool:
    """Whether two keys of one kind differ only by a typo: one character changed or two neighbours swapped."""
    if a[:2] != b[:2] or len(a) != len(b):
        return False
    diff = [k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def keys_relation(a: str, b: str) -> int:
    """+1 when two requêtes share an act key, -1 when they have a key of the same kind (number, date), none is
    shared and none differs by a mere typo, 0 otherwise (nothing comparable, or a mistyped number or date)."""
    if not a or not b:
        return 0
    keys_a, keys_b = set(a.split("|")), set(b.split("|"))
    if keys_a & keys_b:
        return 1
    if any(near_keys(x, y) for x in keys_a for y in keys_b):
        return 0
    kinds_a, kinds_b = {k[:2] for k in keys_a}, {k[:2] for k in keys_b}
    return -1 if kinds_a & kinds_b else 0


def common(values: list[list[str]], share: float = 0.5) -> list[str]:
    """Items found in at least ``share`` of the lists, most frequent first."""
    counts = Counter(v for items in values for v in set(items))
    need = max(1, int(share * len(values) + 0.999))
    return [v for v, c in counts.most_common() if c >= need]
