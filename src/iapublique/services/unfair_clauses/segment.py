"""Segmentation of a contract into clauses: numbered articles, then paragraphs, then sentences, with offsets.

Each clause keeps its character span in the original text, so findings and highlights point back into
the document the investigator reads. Sentence splitting knows French legal abbreviations (« art. »,
« L. 212-1 », « n° », « c. com. ») so that article references do not cut a clause in two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARTICLE_RE = re.compile(r"^\s*(?:article|art\.)\s+([\dIVXLC]+(?:[.\-]\d+)*)", re.IGNORECASE)
NUMBERED_RE = re.compile(r"^\s*(\d+(?:\.\d+)*)[.)]?\s+\S")
# A sentence ends at . ! ? ; followed by space and an upper-case letter, a quote or a digit list marker.
SENT_END_RE = re.compile(r"(?<=[.!?])[\"»”)]?\s+(?=[A-ZÉÈÀÂÎÔÛÇ«\"(])")
ABBREV_RE = re.compile(
    r"(?:\b(?:art|arts|al|n|no|cf|p|pp|ex|env|etc|min|max|réf|tél|Mme|Mlle|MM|M|Me|Dr|St|c|com|civ|conso|"
    r"cons|proc|av|bd|ch|hors|inc|ann|ss|vol|éd|R|L|D|A|I|II|III|IV|V|VI|VII|VIII|IX|X|[A-Z])\.|\d\.)$"
)
MAX_CLAUSE_CHARS = 1_500


@dataclass(frozen=True)
class Clause:
    """One clause: its position in the document, its text span and the article it belongs to."""

    index: int
    start: int
    end: int
    text: str
    article: str
    is_heading: bool = False


def _sentences(text: str, offset: int) -> list[tuple[int, int]]:
    """Sentence spans inside one paragraph, merging splits made after an abbreviation."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in SENT_END_RE.finditer(text):
        head = text[start : m.start()].rstrip('"»”)')
        if ABBREV_RE.search(head[-8:]):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while e - s > MAX_CLAUSE_CHARS:
            cut = text.rfind(" ", s, s + MAX_CLAUSE_CHARS)
            cut = cut if cut > s else s + MAX_CLAUSE_CHARS
            out.append((s, cut))
            s = cut
        out.append((s, e))
    return [(offset + s, offset + e) for s, e in out if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_heading(line: str) -> bool:
    """A short line that names an article or a section rather than stating a rule."""
    stripped = line.strip()
    if not stripped or len(stripped) > 120:
        return False
    if ARTICLE_RE.match(stripped) and len(stripped.split()) <= 14 and not stripped.endswith((".", ";")):
        return True
    if NUMBERED_RE.match(stripped) and len(stripped.split()) <= 10 and not stripped.endswith((".", ";", ":")):
        return True
    letters = [c for c in stripped if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters) and len(stripped.split()) <= 10


def segment(text: str) -> list[Clause]:
    """Split a document into clauses (sentences within paragraphs within articles), with offsets."""
    clauses: list[Clause] = []
    article = ""
    pos = 0
    for block in re.split(r"(\n)", text):
        if block == "\n":
            pos += 1
            continue
        line_start = pos
        pos += len(block)
        if not block.strip():
            continue
        if _is_heading(block):
            s, e = _trim(text, line_start, line_start + len(block))
            m = ARTICLE_RE.match(block) or NUMBERED_RE.match(block)
            article = m.group(1) if m else text[s:e][:60]
            clauses.append(Clause(len(clauses), s, e, text[s:e], article, is_heading=True))
            continue
        # A heading followed by its text on the same line: "Article 4 - Prix. Les prix ...".
        for s, e in _sentences(block, line_start):
            s, e = _trim(text, s, e)
            if e > s:
                clauses.append(Clause(len(clauses), s, e, text[s:e], article))
    return clauses


def clause_texts(clauses: list[Clause]) -> list[str]:
    """The texts of the clauses that state something (headings left out)."""
    return [c.text for c in clauses if not c.is_heading]
