"""Personal data is masked before indexing: names, birth, addresses, phones, e-mails, NIR, IBAN."""

from __future__ import annotations

import itertools

from iapublique.services.litigation_series import textindex
from iapublique.services.litigation_series.privacy import find_personal_data, mask

SAMPLE = (
    "POUR : Madame Élodie LE GALL, née le 03/04/1971 à Saint-Nazaire, demeurant 12 bis rue des Lilas, "
    "44600 Saint-Nazaire, tél. 06 12 34 56 78, courriel : elodie.legall@exemple.fr, n° de sécurité sociale "
    "2 71 04 44 184 012 37, IBAN FR76 3000 6000 0112 3456 7890 189\n"
    "Ayant pour avocat Maître Karim Benali, avocat au barreau de Nantes\n"
    "CONTRE : l'arrêté du préfet de la Loire-Atlantique n° 2023-145 du 6 mars 2023.\n"
    "M. le préfet a refusé de répondre."
)


def test_every_kind_of_personal_data_is_masked() -> None:
    """Each datum is replaced by its kind; the contested act, the préfet and the court text stay."""
    masked = mask(SAMPLE)
    for secret in ("Élodie", "LE GALL", "03/04/1971", "12 bis rue des Lilas", "44600", "06 12 34 56 78",
                   "elodie.legall@exemple.fr", "2 71 04 44 184 012 37", "FR76 3000", "Karim", "Benali"):
        assert secret not in masked, secret
    for kind in ("[NOM]", "[NAISSANCE]", "[ADRESSE]", "[TÉLÉPHONE]", "[COURRIEL]", "[NIR]", "[IBAN]"):
        assert kind in masked, kind
    assert "n° 2023-145 du 6 mars 2023" in masked
    assert "M. le préfet a refusé" in masked


def test_indexed_words_leave_personal_data_out_and_keep_spans() -> None:
    """Tokens never include masked words; their spans point back into the raw text."""
    tokens = textindex.tokenize(SAMPLE)
    assert not {"elodie", "gall", "benali", "karim", "lilas", "exemple"} & set(tokens.words)
    assert {"arrete", "prefet", "2023", "145"} <= set(tokens.words)
    for word, start, end in zip(tokens.words, tokens.starts, tokens.ends, strict=True):
        assert textindex.fold(SAMPLE[start:end]) == word
    spans = find_personal_data(SAMPLE)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


def test_generated_requetes_show_no_identity_once_masked(service: object) -> None:
    """In generated requêtes, e-mails and phone numbers never survive masking (clean text)."""
    from iapublique.services.litigation_series.synthetic import generate

    data = generate(150, seed=4, ocr_share=0.0)
    for text in data["text"]:
        masked = mask(text)
        assert "@" not in masked
        assert "demeurant [ADRESSE]" in masked
