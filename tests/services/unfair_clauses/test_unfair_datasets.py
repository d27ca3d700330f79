"""Public corpora: CLAUDETTE folds and LexGLUE UNFAIR-ToS (LegalBench copy); skipped when absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

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
    (tmp_path / "data.tsv").write_text("text\tlabel\nwe may change these terms .\tOther\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"« .*absent » : corpus CLAUDETTE introuvable"):
        UnfairClausesService().evaluate_legalbench(tmp_path, extra=tmp_path / "absent")


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
    assert r["binary_f1"] >= 0.69 and r["binary_f1"] > r["baseline_binary_f1"]
    assert r["category_macro_f1"] >= 0.62 and r["category_macro_f1"] > r["baseline_category_macro_f1"]
    assert r["inner_fold0_c_categories"] in evaluation.C_GRID


@pytest.mark.datasets
@pytest.mark.slow
def test_legalbench_floors() -> None:
    if not LEGALBENCH.is_dir():
        pytest.skip(f"jeu LegalBench absent : {LEGALBENCH}")
    r = UnfairClausesService().evaluate_legalbench(LEGALBENCH)
    assert r["lexglue_micro_f1"] >= 95.0 and r["lexglue_micro_f1"] > r["baseline_alone_lexglue_micro_f1"]
    assert r["lexglue_macro_f1"] >= 78.5 and r["macro_f1"] > r["baseline_macro_f1"] > r["baseline_alone_macro_f1"]
    assert r["extra_documents_per_fold"] > 40  # the CLAUDETTE folder beside it, minus the tested companies
    assert r["lexglue_macro_f1_ci95_low"] < r["lexglue_macro_f1"] < r["lexglue_macro_f1_ci95_high"]
    folds = [r[f"fold{k}_lexglue_macro_f1"] for k in range(5)]
    assert min(folds) >= 65.0 and max(folds) > r["lexglue_macro_f1"]  # each fold's 8 classes found, not one alone
    # LexGLUE's own test documents, learned from its validation ones and CLAUDETTE: the published setting.
    assert r["lexglue_test_clauses"] == 1593
    assert r["lexglue_test_macro_f1"] >= 80.0 and r["lexglue_test_macro_f1"] > r["baseline_lexglue_test_macro_f1"]
    assert r["lexglue_test_macro_f1_ci95_low"] < r["lexglue_test_macro_f1"] < r["lexglue_test_macro_f1_ci95_high"]


def test_evaluate_options_are_checked() -> None:
    service = UnfairClausesService()
    with pytest.raises(ValueError, match="inconnue"):
        service.evaluate_with({"corpus": "x"})
    with pytest.raises(ValueError, match="--claudette"):
        service.evaluate_with({"lang": "de"})


def _toy_documents(seed: int, n: int) -> list[evaluation.Document]:
    """Small documents where arbitration and termination sentences are unfair, others fair."""
    rng = np.random.default_rng(seed)
    unfair = {
        "a": "any dispute shall be settled by binding arbitration in {}",
        "ter": "we may terminate your account at any time without notice {}",
    }
    fair = ["you can contact our support team in {}", "this service is available in {}", "prices are shown in {}"]
    places = ["london", "paris", "rome", "berlin", "madrid", "vienna"]
    docs = []
    for i in range(n):
        sentences: list[str] = []
        tags: list[set[str]] = []
        for _ in range(30):
            place = str(rng.choice(places))
            r = rng.random()
            if r < 0.15:
                sentences.append(unfair["a"].format(place))
                tags.append({"a"})
            elif r < 0.3:
                sentences.append(unfair["ter"].format(place))
                tags.append({"ter"})
            else:
                sentences.append(str(rng.choice(fair)).format(place))
                tags.append(set())
        docs.append(evaluation.Document(f"doc{i}", sentences, tags))
    return docs


def test_context_model_tunes_inside_training_documents() -> None:
    train, test = _toy_documents(0, 9), _toy_documents(1, 3)
    model = evaluation.ContextLinear()
    model.prepare(train, test)
    targets = {
        "binary": np.array([bool(u) for d in train for u in d.unfair], dtype=int),
        **{c: np.array([c in u for d in train for u in d.unfair], dtype=int) for c in ("a", "ter")},
    }
    found = model.predict(targets)
    truth = np.array([c in u for d in test for u in d.unfair for c in ("a",)], dtype=int)
    assert len(found["binary"]) == sum(len(d.sentences) for d in test)
    assert f1_score(truth, found["a"]) == 1.0
    assert f1_score([bool(u) for d in test for u in d.unfair], found["binary"]) == 1.0
    assert model.choices["c_binary"] in evaluation.C_GRID and model.choices["c_categories"] in evaluation.C_GRID
    assert int(model.choices["combination"]) in range(len(evaluation.COMBINATIONS))


def test_legalbench_folds_start_at_documents() -> None:
    body = [f"clause {i} of the terms" for i in range(100)]
    texts = list(body)
    for row in (0, 23, 37, 58, 81):
        texts[row] = "last updated : may 15 , 2017"
    texts[65] = "we may update these terms and the last updated date will change ."  # long: not a header
    assert evaluation.document_starts(texts) == [0, 23, 37, 58, 81]
    assert evaluation.legalbench_fold_bounds(texts, 5).tolist() == [0, 23, 37, 58, 81, 100]
    # Without a header near a cut, the equal cut is kept.
    assert evaluation.legalbench_fold_bounds(body, 5).tolist() == [0, 20, 40, 60, 80, 100]


def test_tokenisations_meet() -> None:
    written = "Academia, Inc. (\u201cAcademia.edu\u201d or \u201cwe\u201d) offers a service."
    tokenised = "academia , inc. ( `` academia.edu '' or `` we '' ) offers a service ."
    assert evaluation.normalise_tokens(written) == evaluation.normalise_tokens(tokenised)
    assert evaluation.sentence_key(written) == evaluation.sentence_key(tokenised)


def test_extra_documents_keep_apart_from_the_tested_ones() -> None:
    tested = [
        "any dispute shall be resolved by binding arbitration in san francisco .",
        "we may terminate your account at any time without notice .",
        "these terms are governed by the laws of the state of california .",
    ]
    other_version = evaluation.Document(
        "Tested.txt",
        [
            "Any dispute shall be resolved by binding arbitration in San Francisco.",
            "We may terminate your account at any time without notice.",
            "Welcome to our service.",
        ],
        [{"a"}, {"ter"}, set()],
    )
    other = evaluation.Document(
        "Other.txt",
        [
            "We may remove any content you post, at our sole discretion.",
            "These Terms are governed by the laws of the State of California!",
            "We are not liable for any loss, and we may change these terms at any time.",
            "",
            "We process your data as our privacy policy says.",
            "Welcome to our app.",
        ],
        [{"cr"}, {"law"}, {"ltd", "ch"}, set(), {"pinc"}, set()],
    )
    segments = evaluation.claudette_segments({"Tested.txt": other_version, "Other.txt": other}, tested)
    assert len(segments) == 1  # two shared sentences: another version of a tested document
    assert segments[0].texts == other.sentences
    # The reworded test clause, the blank line and the two-category sentence are context only; privacy is "Other".
    assert segments[0].labels == ["Content removal", None, None, None, "Other", "Other"]
    assert evaluation.claudette_segments({"Other.txt": other}, [])[0].labels[1] == "Choice of law"


def test_legalbench_segments_stop_at_document_starts() -> None:
    texts = ["last updated : may 15 , 2017", "a", "b", "last updated : june 1 , 2016", "c"]
    segments = evaluation.legalbench_segments(texts, ["Other"] * 5)
    assert [seg.texts for seg in segments] == [texts[:3], texts[3:]]
    _, prev, nxt, _ = evaluation._with_context(segments)
    assert prev[3] == "" and nxt[2] == ""


def test_lexglue_test_part_ends_at_a_document_start() -> None:
    texts = [f"clause {i} of the terms" for i in range(2000)]
    for row in (0, 700, 1500, 1590, 1800):
        texts[row] = "last updated : may 15 , 2017"
    assert evaluation.lexglue_test_rows(texts) == 1590
    texts[1590] = "clause 1590 of the terms"  # no document start where the test split must end
    assert evaluation.lexglue_test_rows(texts) is None


def test_document_bootstrap_intervals() -> None:
    texts = []
    for _ in range(8):
        texts += ["last updated : may 15 , 2017", "we may terminate your account .", "welcome ."]
    truth = np.array(["Other", "Unilateral termination", "Other"] * 8)
    wrong = truth.copy()
    wrong[[1, 4]] = "Other"  # two documents lose their termination clause
    classes = list(evaluation.UNFAIR_CLASSES)
    found = evaluation.document_bootstrap(texts, truth, {"ours": truth, "baseline": wrong}, classes)
    assert found["ours"] == (100.0, 100.0)
    low, high = found["baseline"]
    point = 100 * evaluation._lexglue_f1(truth, wrong, classes)[1]
    assert low < point < high <= 100.0
    assert found["ours-baseline"][0] >= 0.0 and found["ours-baseline"][1] > 0.0
