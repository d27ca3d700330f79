"""Quotes and invoices: the kind of a document, its mandatory mentions and its arithmetic.

Mentions are checked on the folded text against the list that applies to the document's kind (code
de commerce L. 441-9 for invoices, consumer-information rules for quotes and terms); the arithmetic
check reads item lines (quantity, unit price, line total) and the HT / TVA / TTC totals, French number
format included, and reports each discrepancy above one cent with its legal basis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iapublique.services.unfair_clauses import legal
from iapublique.services.unfair_clauses.findings import Finding
from iapublique.services.unfair_clauses.segment import Clause
from iapublique.services.unfair_clauses.textfold import fold

KINDS = ("conditions", "devis", "facture")
TOLERANCE = 0.015

MONTHS = r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)"
DATE_RE = re.compile(
    rf"\b\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}\b|\b\d{{1,2}}(?:er)? {MONTHS} \d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
)
CHECKS: dict[str, re.Pattern[str]] = {
    "MENTION-mediateur": re.compile(r"mediat(?:eur|ion)"),
    "MENTION-retractation": re.compile(
        r"retractation.{0,120}(?:14|quatorze) jours|(?:14|quatorze) jours.{0,120}retractation"
    ),
    "MENTION-garantie": re.compile(r"garantie legale de conformite|garantie de conformite|l\. ?217-\d"),
    "MENTION-validite": re.compile(
        r"(?:validite|valable)\w*.{0,50}(?:\d+|un|deux|trois|trente|soixante|quinze) "
        r"(?:jours|mois|semaines)|valable jusqu'au|validite\s*:?\s*(?:jusqu'au )?\d"
    ),
    "MENTION-numero": re.compile(
        r"(?:facture|fact\.?)\s*(?:n\s?°|no\.?|numero|num\.?|#|ref\.?)\s*:?\s*[a-z0-9][a-z0-9\-/_.]*\d"
    ),
    "MENTION-siren": re.compile(r"\b(?:siren|siret|rcs|rm|r\.c\.s\.)\b[^\n\d]{0,25}\d{3}[ .]?\d{3}[ .]?\d{3}"),
    "MENTION-tva-intra": re.compile(r"\bfr ?[0-9a-z]{2} ?\d{3} ?\d{3} ?\d{3}\b|tva non applicable|293 ?b"),
    "MENTION-prix-unitaire": re.compile(r"prix unitaire|\bp\.?u\.?\b|unitaire|\bpu ht\b"),
    "MENTION-echeance": re.compile(
        r"echeance|a payer (?:avant|au plus tard|le|sous)|date (?:de |limite de )?(?:paiement|"
        r"reglement)|payable\w* (?:a|le|sous|avant|au plus tard|comptant|des)|paiement "
        r"(?:a|sous|comptant|a reception|le)|(?:regle|payee?|acquittee?) le"
    ),
    "MENTION-penalites": re.compile(
        r"penalit\w* de retard|interets de retard|taux des penalites|penalites .{0,40}retard"
    ),
    "MENTION-indemnite-40": re.compile(
        r"\b40 ?(?:€|euros?|eur)\b|indemnite forfaitaire (?:pour|de) (?:frais de )?recouvrement"
    ),
}
POSTCODE_RE = re.compile(r"\b\d{5} [a-z]")
SIRET_RE = re.compile(r"\b(?:siren|siret)\b[^\n\d]{0,25}\d{3}[ .]?\d{3}[ .]?\d{3}")
DISTANCE_RE = re.compile(
    r"hors etablissement|a domicile|au domicile|a distance|demarchage|en ligne|sur (?:le )?"
    r"(?:site|internet)|par telephone|vente a distance|commande en ligne|foire|salon"
)
GOODS_RE = re.compile(r"\b(?:produits?|biens?|articles?|marchandises?|livraison|appareils?|materiels?|meubles?)\b")
NUMBER_CELL_RE = re.compile(r"^-?\d{1,3}(?:[ .\u202f\u00a0]\d{3})*(?:,\d+)?$|^-?\d+(?:[.,]\d+)?$")


def detect_kind(text: str) -> str:
    """``facture``, ``devis`` or ``conditions`` from the document's own words (the top weighs most)."""
    head = fold(text[:600])
    body = fold(text[:20_000])
    facture = 3 * len(re.findall(r"\bfacture\b", head)) + len(
        re.findall(r"net a payer|date d'echeance|facture n", body)
    )
    devis = 3 * len(re.findall(r"\bdevis\b", head)) + len(
        re.findall(r"bon pour accord|validite du devis|devis n", body)
    )
    articles = len(re.findall(r"(?m)^\s*(?:article|art\.)\s+\d", body))
    if facture >= 3 and facture >= devis and articles < 5:
        return "facture"
    if devis >= 3 and articles < 5:
        return "devis"
    return "conditions"


def parse_number(cell: str) -> float | None:
    """A French or English formatted amount (``1 234,56 €``, ``1234.56``) as a float, else ``None``."""
    cleaned = cell.replace("€", "").replace("EUR", "").replace("eur", "").strip()
    if not cleaned or "%" in cleaned or not NUMBER_CELL_RE.match(cleaned):
        return None
    cleaned = re.sub(r"[ \u202f\u00a0]", "", cleaned)
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif cleaned.count(".") > 1 or re.search(r"\.\d{3}$", cleaned):
        cleaned = cleaned.replace(".", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


@dataclass
class Line:
    """One line of the document with its offsets."""

    start: int
    end: int
    text: str


def _lines(text: str) -> list[Line]:
    out = []
    pos = 0
    for raw in text.split("\n"):
        out.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"\s*[|;\t]\s*|\s{2,}", line.strip()) if c.strip()]


def _clause_at(clauses: list[Clause], offset: int) -> int:
    for c in clauses:
        if c.start <= offset < c.end + 1:
            return c.index
    return -1


def _calc(code: str, line: Line, clauses: list[Clause], detail: str) -> Finding:
    cat = legal.category(code)
    return Finding(
        code=code,
        category=cat.label,
        basis=cat.basis,
        severity=cat.severity,
        family=cat.family,
        clause_index=_clause_at(clauses, line.start),
        start=line.start,
        end=line.end,
        triggers=[{"start": line.start, "end": line.end, "text": line.text.strip()}],
        explanation=f"{cat.explanation} {detail}",
        probability=0.99,
        source="calcul",
    )


def _fmt(x: float) -> str:
    return f"{x:,.2f}".replace(",", " ").replace(".", ",") + " €"


def check_arithmetic(text: str, clauses: list[Clause]) -> list[Finding]:
    """Line totals, total HT, VAT and total TTC recomputed; one finding per discrepancy."""
    findings: list[Finding] = []
    line_sum = 0.0
    n_items = 0
    ht: tuple[float, Line] | None = None
    tva: list[tuple[float, float | None, Line]] = []
    ttc: tuple[float, Line] | None = None
    for line in _lines(text):
        folded = fold(line.text).strip()
        if not folded:
            continue
        cells = _cells(line.text)
        numbers = [parse_number(c) for c in cells]
        amount = next((n for n in reversed(numbers) if n is not None), None)
        if (
            re.match(r"^(?:total|montant|sous-total)\s*(?:general\s*)?h\.?t\.?\b|^total hors taxes", folded)
            and amount is not None
        ):
            ht = (amount, line)
        elif re.match(r"^(?:tva|t\.v\.a\.|montant tva|montant de la tva)\b", folded) and amount is not None:
            rate = re.search(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*%", folded)
            tva.append((amount, float(rate.group(1).replace(",", ".")) if rate else None, line))
        elif (
            re.match(r"^(?:total|montant)\s*t\.?t\.?c\.?\b|^net a payer|^total toutes taxes", folded)
            and amount is not None
        ):
            ttc = (amount, line)
        elif len(cells) >= 4 and all(n is not None for n in numbers[-3:]) and numbers[0] is None:
            qty, unit, total = (float(n) for n in numbers[-3:] if n is not None)
            n_items += 1
            line_sum += total
            if abs(qty * unit - total) > TOLERANCE:
                findings.append(
                    _calc("CALC-ligne", line, clauses, f"Calculé : {_fmt(qty * unit)} ; indiqué : {_fmt(total)}.")
                )
    if ht is not None and n_items and abs(line_sum - ht[0]) > TOLERANCE:
        findings.append(
            _calc("CALC-total-ht", ht[1], clauses, f"Somme des lignes : {_fmt(line_sum)} ; indiqué : {_fmt(ht[0])}.")
        )
    if ht is not None and len(tva) == 1 and tva[0][1] is not None:
        expected = round(ht[0] * tva[0][1] / 100, 2)
        if abs(expected - tva[0][0]) > 0.02:
            findings.append(
                _calc("CALC-tva", tva[0][2], clauses, f"Calculé : {_fmt(expected)} ; indiqué : {_fmt(tva[0][0])}.")
            )
    if ht is not None and ttc is not None and tva:
        expected = ht[0] + sum(t[0] for t in tva)
        if abs(expected - ttc[0]) > TOLERANCE:
            findings.append(
                _calc("CALC-total-ttc", ttc[1], clauses, f"HT + TVA : {_fmt(expected)} ; indiqué : {_fmt(ttc[0])}.")
            )
    return findings


def required_mentions(text: str, kind: str) -> list[str]:
    """The mention codes that apply to a document of this kind and content."""
    folded = fold(text)
    if kind == "facture":
        codes = [
            "MENTION-date",
            "MENTION-numero",
            "MENTION-siren",
            "MENTION-tva-intra",
            "MENTION-parties",
            "MENTION-prix-unitaire",
            "MENTION-totaux",
            "MENTION-echeance",
            "MENTION-penalites",
        ]
        if len(SIRET_RE.findall(folded)) >= 2 or re.search(r"client professionnel|entre professionnels", folded):
            codes.append("MENTION-indemnite-40")
        return codes
    if kind == "devis":
        codes = ["MENTION-validite", "MENTION-devis-detail", "MENTION-mediateur"]
        if DISTANCE_RE.search(folded):
            codes.append("MENTION-retractation")
        return codes
    codes = ["MENTION-mediateur"]
    if GOODS_RE.search(folded):
        codes.append("MENTION-garantie")
    if DISTANCE_RE.search(folded):
        codes.append("MENTION-retractation")
    return codes


def mention_present(code: str, folded: str) -> bool:
    """Whether the folded document contains the mention ``code``."""
    if code == "MENTION-date":
        return bool(DATE_RE.search(folded))
    if code == "MENTION-parties":
        return len(POSTCODE_RE.findall(folded)) >= 2
    if code == "MENTION-totaux":
        return bool(
            re.search(r"total\s*h\.?t|hors taxes", folded)
            and re.search(r"\btva\b|t\.v\.a", folded)
            and re.search(r"t\.?t\.?c|net a payer|toutes taxes", folded)
        )
    if code == "MENTION-devis-detail":
        return bool(
            re.search(r"prix unitaire|\bp\.?u\.?\b|unitaire|forfait", folded)
            and re.search(r"\bht\b|hors taxes", folded)
            and re.search(r"\bttc\b|toutes taxes", folded)
        )
    return bool(CHECKS[code].search(folded))


def check_mentions(text: str, kind: str) -> list[Finding]:
    """One finding per mandatory mention missing from the document."""
    folded = fold(text)
    out = []
    for code in required_mentions(text, kind):
        if not mention_present(code, folded):
            cat = legal.category(code)
            out.append(
                Finding(
                    code=code,
                    category=cat.label,
                    basis=cat.basis,
                    severity=cat.severity,
                    family=cat.family,
                    clause_index=-1,
                    start=0,
                    end=0,
                    triggers=[],
                    explanation=f"{cat.explanation} Mention obligatoire pour un document de type « {kind} » "
                    f"({cat.basis}).",
                    probability=0.8,
                    source="mentions",
                )
            )
    return out
