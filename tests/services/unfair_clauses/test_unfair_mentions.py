"""Mandatory mentions and arithmetic of quotes and invoices."""

from __future__ import annotations

from iapublique.services.unfair_clauses.mentions import (
    check_arithmetic,
    check_mentions,
    detect_kind,
    parse_number,
)
from iapublique.services.unfair_clauses.segment import segment

INVOICE = """FACTURE n° F-2024-0042

Garage des Tilleuls EURL
12 rue Nationale
37000 Tours
SIRET : 512 345 678 00012
N° TVA intracommunautaire : FR12 512345678

Client :
Mme Claire Morel
5 avenue Jean-Jaurès
31000 Toulouse

Date : 12/03/2024

Désignation | Quantité | Prix unitaire HT | Total HT
Plaquettes de frein avant | 2 | 64,50 | 129,00
Main-d'œuvre (heure) | 1,5 | 58,00 | 87,00

Total HT | 216,00 €
TVA 20 % | 43,20 €
Total TTC | 259,20 €

Date d'échéance : paiement à 30 jours.
Pénalités de retard : trois fois le taux d'intérêt légal.
"""


def test_parse_french_numbers() -> None:
    assert parse_number("1 234,56 €") == 1234.56
    assert parse_number("1234.56") == 1234.56
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("20 %") is None
    assert parse_number("Plaquettes") is None


def test_clean_invoice_has_no_finding() -> None:
    assert detect_kind(INVOICE) == "facture"
    assert check_mentions(INVOICE, "facture") == []
    assert check_arithmetic(INVOICE, segment(INVOICE)) == []


def test_arithmetic_errors_are_located() -> None:
    wrong = INVOICE.replace("| 87,00", "| 97,00").replace("TVA 20 % | 43,20", "TVA 20 % | 45,20")
    findings = check_arithmetic(wrong, segment(wrong))
    codes = [f.code for f in findings]
    assert codes == ["CALC-ligne", "CALC-total-ht", "CALC-tva", "CALC-total-ttc"]
    line = findings[0]
    assert "Main-d'œuvre" in wrong[line.start : line.end]
    assert line.basis.startswith("L. 441-9")


def test_missing_invoice_mentions() -> None:
    stripped = INVOICE.replace("Pénalités de retard : trois fois le taux d'intérêt légal.", "").replace(
        "SIRET : 512 345 678 00012", ""
    )
    codes = {f.code for f in check_mentions(stripped, "facture")}
    assert codes == {"MENTION-penalites", "MENTION-siren"}


def test_b2b_invoice_needs_recovery_indemnity() -> None:
    b2b = INVOICE.replace("Mme Claire Morel", "Transports Durand SAS\nSIRET : 401 222 333 00015")
    codes = {f.code for f in check_mentions(b2b, "facture")}
    assert codes == {"MENTION-indemnite-40"}
    ok = b2b + "\nIndemnité forfaitaire pour frais de recouvrement : 40 €."
    assert check_mentions(ok, "facture") == []


def test_quote_mentions_depend_on_context() -> None:
    quote = (
        "DEVIS n° D-2024-7\nBâti Rénov' SARL\nDésignation | Qté | Prix unitaire HT | Total HT\n"
        "Pose carrelage | 10 | 35,00 | 350,00\nTotal HT | 350,00\n"
        "TVA 10 % | 35,00\nTotal TTC | 385,00\nContrat conclu à domicile."
    )
    assert detect_kind(quote) == "devis"
    codes = {f.code for f in check_mentions(quote, "devis")}
    assert codes == {"MENTION-validite", "MENTION-mediateur", "MENTION-retractation"}
