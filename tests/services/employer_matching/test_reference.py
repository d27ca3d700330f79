"""Bundled reference tables and text normalisation."""

from __future__ import annotations

import pandas as pd
import pytest

from iapublique.services.employer_matching import build_data
from iapublique.services.employer_matching.reference import (
    communes,
    departement_of,
    merged_communes,
    naf,
    naf_label,
    name_key,
    plain,
)


def test_bundled_tables_hold_every_commune_and_naf_code() -> None:
    table = communes().table
    assert len(table) > 34_000 and table["code"].str.len().eq(5).all()
    assert table["postcode"].str.fullmatch(r"\d{5}").mean() > 0.999
    assert table[["lat", "lon"]].notna().all().all()
    assert len(merged_communes()) > 3_000
    assert len(naf()) == 732 and naf()["code"].str.fullmatch(r"\d{4}[A-Z]").all()
    assert naf_label("56.10A") == naf_label("5610A") and "Restauration" in naf_label("5610A")


def test_old_commune_names_resolve_to_their_successor() -> None:
    merged = merged_communes().iloc[0]
    code = communes().resolve(merged["name"], departement_of(merged["successor"]))
    assert code == merged["successor"]
    assert communes().resolve("Lyon", "69") == "69123"
    assert communes().resolve("Commune qui n'existe pas", "69") == ""


def test_names_are_reduced_to_comparable_keys() -> None:
    assert plain("Hôtel-Dieu d'Évian") == "HOTEL DIEU D EVIAN"
    assert name_key("Mairie de Lyon") == name_key("COMMUNE DE LYON") == "COMMUNE LYON"
    assert name_key("SARL Boulangerie Martin") == "BOULANGERIE MARTIN"
    assert name_key("CHU de Nantes") == "CENTRE HOSPITALIER UNIVERSITAIRE NANTES"
    assert departement_of("2A004") == "2A" and departement_of("97105") == "971"


@pytest.mark.datasets
def test_build_script_reproduces_the_bundled_tables() -> None:
    folder = build_data.shared_datasets()
    if folder is None:
        pytest.skip("../shared/datasets absent : tables livrées non comparées")
    built = build_data.build_communes(folder)
    bundled = pd.read_csv(build_data.COMMUNES_FILE, dtype=str, keep_default_na=False)
    assert built["code"].tolist() == bundled["code"].tolist()
    assert built["postcode"].fillna("").tolist() == bundled["postcode"].tolist()
    assert build_data.build_naf(folder)["code"].tolist() == naf()["code"].tolist()
