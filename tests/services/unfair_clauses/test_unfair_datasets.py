"""Public corpora: CLAUDETTE folds and LexGLUE UNFAIR-ToS (LegalBench copy); skipped when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from iapublique.core.tables import TableError
from iapublique.services.unfair_clauses import UnfairClausesService, evaluation

DATASETS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets"
CLAUDETTE = DATASETS / "claudette"
LEGALBENCH = DATASETS / "unfair-tos-legalbench"


def test_missing_corpus_gives_french_error(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="introuvable"):
        UnfairClausesService().evaluate_claudette(tmp_path, "en")
    with pytest.raises(TableError, match="introuvable"):
        UnfairClausesService().evaluate_legalbench(tmp_path)


@pytest.mark.datasets
def test_legalbench_labels_are_corrected() -> None:
    if not LEGALBENCH.is_dir():
        pytest.skip(f"jeu LegalBench absent : {LEGALBENCH}")
    data = evaluation.load_legalbench(LEGALBENCH)
    counts = data["label"].value_counts()
    # Limitation of liability is the most frequent unfair class of UNFAIR-ToS once labels are corrected.
    assert counts.drop("Other").idxmax() == "Limitation of liability"
    assert set(counts.index) == {*evaluation.UNFAIR_CLASSES, "Other"}


@pytest.mark.datasets
def test_claudette_layout_and_folds() -> None:
    if not CLAUDETTE.is_dir():
        pytest.skip(f"corpus CLAUDETTE absent : {CLAUDETTE}")
    docs = evaluation.load_claudette(CLAUDETTE, "en")
    folds = evaluation.claudette_folds(CLAUDETTE)
    assert len(docs) == 50 and len(folds) == 5
    for train, test in folds:
        assert not set(train) & set(test) and len(set(train) | set(test)) == 50
    assert sum(bool(u) for d in docs.values() for u in d.unfair) > 1000


@pytest.mark.datasets
@pytest.mark.slow
def test_claudette_one_fold_beats_baseline() -> None:
    if not CLAUDETTE.is_dir():
        pytest.skip(f"corpus CLAUDETTE absent : {CLAUDETTE}")
    r = UnfairClausesService().evaluate_claudette(CLAUDETTE, "en", folds=[0])
    assert r["binary_f1"] >= 0.70 and r["binary_f1"] > r["baseline_binary_f1"]
    assert r["category_macro_f1"] > r["baseline_category_macro_f1"]


@pytest.mark.datasets
@pytest.mark.slow
def test_legalbench_floors() -> None:
    if not LEGALBENCH.is_dir():
        pytest.skip(f"jeu LegalBench absent : {LEGALBENCH}")
    r = UnfairClausesService().evaluate_legalbench(LEGALBENCH)
    assert r["lexglue_micro_f1"] >= r["baseline_lexglue_micro_f1"]
    assert r["macro_f1"] >= r["baseline_macro_f1"]


def test_evaluate_options_are_checked() -> None:
    service = UnfairClausesService()
    with pytest.raises(ValueError, match="inconnue"):
        service.evaluate_with({"corpus": "x"})
    with pytest.raises(ValueError, match="--claudette"):
        service.evaluate_with({"lang": "de"})
