"""The generated register (SIRENE layout, variety) and bulletins (INSEE's measured noise)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iapublique.services.employer_matching.synthetic import (
    NONCODABLE_REASONS,
    REGISTER_COLUMNS,
    _luhn_check,
    generate_bulletins,
)

from .conftest import Small


def _luhn_ok(numbers: pd.Series) -> np.ndarray:
    digits = np.array([[int(c) for c in s] for s in numbers])
    return np.asarray(_luhn_check(digits[:, :-1]) == digits[:, -1])


def test_register_has_the_sirene_layout_and_its_variety(small: Small) -> None:
    frame = small.frame
    assert set(REGISTER_COLUMNS) <= set(frame.columns)
    assert frame["siret"].is_unique and frame["siret"].str.fullmatch(r"\d{14}").all()
    assert (frame["siret"].str[:9] == frame["siren"]).all()
    assert _luhn_ok(frame["siren"]).all() and _luhn_ok(frame["siret"]).all()
    kinds = frame["_kind"].value_counts()
    assert {"chain", "hospital", "school", "townhall", "company", "small"} <= set(kinds.index)
    sizes = frame.groupby("siren").size()
    assert sizes.max() >= 0.0006 * len(frame)  # chains: hundreds of establishments under one SIREN at 1M
    assert (frame["enseigne1Etablissement"] == "E.LECLERC").sum() >= 12  # franchise: one SIREN per store
    assert 0.05 < (frame["etatAdministratifEtablissement"] == "F").mean() < 0.2
    multi = frame[frame["siren"].isin(sizes[sizes > 1].index)]
    assert (multi.groupby("siren")["etablissementSiege"].apply(lambda s: (s == "true").sum()) <= 1).all()
    homonyms = frame["denominationUniteLegale"].value_counts()
    assert (homonyms[homonyms.index != ""] > 1).sum() > 100


def test_bulletins_follow_insee_missing_rates_and_reasons(small: Small) -> None:
    data = generate_bulletins(small.frame, 6_000, seed=11)
    again = generate_bulletins(small.frame, 6_000, seed=11)
    pd.testing.assert_frame_equal(data, again)
    codable = data["siret"] != ""
    assert abs((data["employer_name"] == "").mean() - 0.011) < 0.006
    assert abs((data["activity"] == "").mean() - 0.068) < 0.02
    cod = data[codable]
    assert abs((cod["commune"] == "").mean() - 0.36) < 0.03
    assert abs((cod["street_name"] == "").mean() - 0.28) < 0.04
    assert abs((cod["street_type"] == "").mean() - 0.49) < 0.04
    assert 0.62 < (cod["street_number"] == "").mean() < 0.76
    assert set(data.loc[~codable, "noncodable_reason"]) == set(NONCODABLE_REASONS)
    assert data.loc[codable, "siret"].isin(set(small.frame["siret"])).all()
    names = data["employer_name"].str.upper()
    assert names.str.startswith("MAIRIE").sum() > 20 and (names == "CHU").sum() > 0
    assert names.str.contains("LECLERC").sum() > 0
