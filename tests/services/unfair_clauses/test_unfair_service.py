"""The service end to end on demo data, its persistence, and the French test-set floors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from iapublique.core import artifacts
from iapublique.core.explain import Explanation
from iapublique.services.unfair_clauses import UnfairClausesService, analyse, legal
from iapublique.services.unfair_clauses.model import UnfairClausesModel, load_corpus


def test_demo_is_deterministic_and_varied(service: UnfairClausesService) -> None:
    a = service.demo_data(30, seed=3)
    b = service.demo_data(30, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(service.demo_data(30, seed=4))
    assert set(a["truth_kind"]) == {"conditions", "devis", "facture"}
    codes = {f["code"] for cell in a["truth_findings"] for f in json.loads(cell)}
    assert len(codes) >= 12


def test_run_returns_one_report_per_document(service: UnfairClausesService, fitted: UnfairClausesModel) -> None:
    data = service.demo_batch(25, seed=7)
    out = service.run(fitted, data)
    assert list(out["document_id"]) == list(data["document_id"])
    assert set(out.columns) == set(service.result_fields()) - {"model_version"}
    assert out["score"].between(0, 1).all()
    for cell, text, findings in zip(out["explanation"], data["text"], out["findings"], strict=True):
        explanation = Explanation.from_cell(cell)
        assert explanation.summary
        for h in explanation.highlights:
            assert 0 <= h.start < h.end <= len(text)
        for f in json.loads(findings):
            assert f["severity"] in legal.SEVERITIES and f["basis"]
            for t in f["triggers"]:
                assert text[t["start"] : t["end"]] == t["text"]


def test_quality_on_demo_data(service: UnfairClausesService, fitted: UnfairClausesModel) -> None:
    metrics = service.evaluate(fitted, service.demo_data(80, seed=11))
    assert metrics["kind_accuracy"] >= 0.95
    assert metrics["precision"] >= 0.8 and metrics["recall"] >= 0.8


def test_french_test_set_floors(service: UnfairClausesService, fitted: UnfairClausesModel) -> None:
    metrics = service.evaluate_french(fitted)
    assert metrics["recall"] >= 0.90 and metrics["precision"] >= 0.85, metrics
    assert metrics["items_found"] == metrics["items_total"] == 23


def test_test_set_is_disjoint_from_seed() -> None:
    seed, _ = load_corpus("seed_fr.tsv")
    test, labels = load_corpus("test_fr.tsv")
    assert not set(seed) & set(test)
    counts = pd.Series(labels).value_counts()
    assert all(counts.get(code, 0) >= 10 for code in legal.BLACK_GREY_CODES)


def test_skops_round_trip(service: UnfairClausesService, fitted: UnfairClausesModel, tmp_path: Path) -> None:
    data = service.demo_data(10, seed=5)
    manifest = artifacts.new_manifest(service, "essai", data, {"f1": 1.0}, "demo")
    artifacts.save(tmp_path, service, "essai", fitted, manifest)
    loaded, _ = artifacts.load(tmp_path, service, "essai")
    batch = service.demo_batch(10, seed=5)
    pd.testing.assert_frame_equal(service.run(fitted, batch), service.run(loaded, batch))


def test_analyse_function_for_the_page(fitted: UnfairClausesModel) -> None:
    text = (
        "Article 1\nLe club peut résilier l'abonnement à tout moment et sans motif. "
        "Les horaires sont affichés à l'accueil."
    )
    findings = analyse(text, model=fitted)
    codes = {f.code for f in findings}
    assert "R212-1-8" in codes
    first = next(f for f in findings if f.code == "R212-1-8")
    assert text[first.start : first.end].startswith("Le club peut résilier")
    assert first.basis == "R. 212-1 8°" and first.severity == "noire"
