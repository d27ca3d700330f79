"""Matching quality floors on a small register, calibration, non-codable flags, memory, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from iapublique.core import artifacts
from iapublique.services.employer_matching import EmployerMatchingService
from iapublique.services.employer_matching.evaluation import figures
from iapublique.services.employer_matching.model import threshold_for
from iapublique.services.employer_matching.web import feedback_training_rows

from .conftest import Small

SERVICE = EmployerMatchingService()


def test_quality_floors_on_unseen_bulletins(small: Small) -> None:
    got = figures(small.model, small.test)
    assert got["recall_at_100"] >= 0.97
    assert got["top1"] >= 0.88 and got["top5"] >= 0.95 and got["top10"] >= got["top5"]
    assert got["autocode_rate"] >= 0.6 and got["autocode_precision"] >= 0.92
    assert got["noncodable_precision"] >= 0.85 and got["noncodable_recall"] >= 0.9
    assert got["naf_top5"] >= 0.9


def test_calibrated_probability_tracks_accuracy(small: Small) -> None:
    scored = small.model.score(small.test)
    rows = small.model.index().rows_of_sirets([s or "0" * 14 for s in small.test["siret"]])
    right = (scored.top_rows[:, 0] == rows) & (small.test["siret"].to_numpy() != "")
    sure, unsure = scored.p_top1 >= 0.9, scored.p_top1 < 0.5
    assert right[sure].mean() > 0.9 and right[unsure].mean() < 0.6
    assert abs(scored.p_top1.mean() - right.mean()) < 0.08


def test_threshold_reaches_the_target_on_its_own_data() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(2_000)
    correct = rng.random(2_000) < p
    t = threshold_for(p, correct, 0.95)
    assert correct[p >= t].mean() >= 0.95 and 0.5 < t < 1.0
    assert threshold_for(p, np.zeros(2_000, bool), 0.95) > 1.0


def test_results_carry_ten_candidates_naf_and_an_explanation(small: Small) -> None:
    batch = small.test.drop(columns=["siret", "noncodable_reason", "naf"]).iloc[:40]
    out = SERVICE.run(small.model, batch)
    assert list(out["bulletin_id"]) == list(batch["bulletin_id"]) and len(out) == 40
    first = json.loads(out["candidates"].iloc[0])
    assert 1 <= len(first) <= 10
    assert {"siret", "nom", "enseigne", "adresse", "naf", "effectif", "siege", "ouvert", "distance_km", "score",
            "champs"} <= set(first[0])
    codable = out[~out["noncodable"]]
    assert (codable["proposed_siret"].str.len() == 14).all()
    naf5 = json.loads(out["naf_top5"].iloc[0])
    assert len(naf5) == 5 and naf5[0]["libelle"]
    expl = json.loads(out["explanation"].iloc[0])
    assert expl["summary"] and len(expl["factors"]) == 5
    matched = [h["field"] for e in out["explanation"] for h in json.loads(e)["highlights"]]
    assert "employer_name" in matched


def test_non_codable_bulletins_are_flagged_with_their_reason(small: Small) -> None:
    batch = pd.DataFrame({
        "bulletin_id": ["a", "b", "c", "d"],
        "employer_name": ["", "particulier employeur", "à domicile", "Banque de Luxembourg"],
        "activity": ["", "ménage", "assistante maternelle", "banque"],
        "commune": ["", "", "domicile", "Luxembourg"],
        "departement": ["69", "69", "69", "99"],
        "residence_code": ["69123"] * 4,
    })
    out = SERVICE.run(small.model, batch)
    assert out["noncodable"].all()
    assert list(out["noncodable_label"]) == ["employeur non renseigné", "particulier employeur",
                                             "travail à domicile", "travail à l'étranger"]
    assert out["proposed_siret"].isna().all()


def test_agents_picks_strengthen_the_memory(small: Small) -> None:
    frame = small.frame
    target = frame[(frame["_kind"] == "chain") & (frame["etatAdministratifEtablissement"] == "A")
                   & (frame["enseigne1Etablissement"] == "BURGEO")].iloc[0]
    bulletin = pd.DataFrame({"bulletin_id": ["m1"], "employer_name": ["Burgeo"],
                             "departement": [target["codeCommuneEtablissement"][:2]],
                             "residence_code": ["00000"]})
    model = small.model
    before = model.score(bulletin)
    saved = (model.mem_key_, model.mem_dep_, model.mem_res_, model.mem_siret_)
    try:
        model.remember(pd.concat([bulletin] * 3, ignore_index=True), [target["siret"]] * 3)
        after = model.score(bulletin)
    finally:
        model.mem_key_, model.mem_dep_, model.mem_res_, model.mem_siret_ = saved
        model._memory_cache = None
    index = model.index()
    assert index.siret[after.top_rows[0, 0]] == target["siret"]
    assert after.p_top1[0] >= before.p_top1[0] or index.siret[before.top_rows[0, 0]] != target["siret"]


def test_feedback_becomes_training_rows() -> None:
    exported = pd.DataFrame({
        "item_key": ["1", "2", "2", "3"], "verdict": ["confirm", "correct", "correct", "comment"],
        "correction_siret": ["11111111111111", "22222222222222", "", None],
        "correction_noncodable": ["", "", "travail à domicile", None], "correction_naf": ["5610A", "", "", None],
        "bulletin_id": ["1", "2", "2", "3"], "employer_name": ["X", "Y", "Y", "Z"],
    })
    rows = feedback_training_rows(exported)
    assert list(rows["bulletin_id"]) == ["1", "2"]
    assert list(rows["siret"]) == ["11111111111111", ""]
    assert list(rows["noncodable_reason"]) == ["", "travail à domicile"]


def test_model_round_trips_through_skops(small: Small, tmp_path: Path) -> None:
    manifest = artifacts.new_manifest(SERVICE, "essai", small.train.iloc[:5], {}, "tests")
    folder = artifacts.save(tmp_path, SERVICE, "essai", small.model, manifest)
    loaded = artifacts.load_file(folder / "model.skops", SERVICE)
    batch = small.test.iloc[:30]
    a, b = small.model.score(batch), loaded.score(batch)
    assert np.array_equal(a.top_rows, b.top_rows) and np.allclose(a.p_top1, b.p_top1)
