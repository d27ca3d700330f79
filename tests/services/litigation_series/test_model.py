"""Series detection: hashing, the clustering rules, quality floors on an unseen corpus, registration, persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iapublique.core import artifacts
from iapublique.services.litigation_series import LitigationSeriesService, acts, synthetic, textindex
from iapublique.services.litigation_series.evaluation import calibration_of
from iapublique.services.litigation_series.metrics import clustering_figures
from iapublique.services.litigation_series.model import SeriesModel, attach, cluster


def test_minhash_estimates_jaccard_and_lsh_finds_near_duplicates() -> None:
    """MinHash agreement tracks the true Jaccard of shingle sets; near-duplicates share an LSH band."""
    rng = np.random.default_rng(0)
    base = [f"mot{int(i)}" for i in rng.integers(0, 5000, 400)]
    near = list(base)
    for k in rng.choice(400, 40, replace=False):
        near[int(k)] = "autre"
    far = [f"mot{int(i)}" for i in rng.integers(0, 5000, 400)]
    sets = [textindex.shingles(w) for w in (base, near, far)]
    sig = textindex.minhash(sets)
    true = len(set(sets[0]) & set(sets[1])) / len(set(sets[0]) | set(sets[1]))
    estimate = float(textindex.estimated_jaccard(sig[:1], sig[1:2])[0])
    assert abs(estimate - true) < 0.12
    assert float(textindex.estimated_jaccard(sig[:1], sig[2:3])[0]) < 0.05
    a, b = textindex.lsh_pairs(textindex.band_keys(sig))
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    assert (0, 1) in pairs and (0, 2) not in pairs


def test_core_rule_stops_chaining_that_connected_components_allow() -> None:
    """Two dense groups joined by one requête linked once to each stay apart with min_core=3."""
    group_a = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    group_b = [(i, j) for i in range(5, 9) for j in range(i + 1, 9)]
    bridge = [(3, 4), (4, 5)]
    edges = np.asarray(group_a + group_b + bridge)
    p = np.ones(len(edges))
    chained = cluster(9, edges[:, 0], edges[:, 1], p, 0.5, 1, 2)
    assert len(set(chained.tolist())) == 1
    cored = cluster(9, edges[:, 0], edges[:, 1], p, 0.5, 3, 2)
    assert cored[0] == cored[3] and cored[5] == cored[8] and cored[0] != cored[5]
    assert cored[4] in (cored[0], cored[5])


def test_attach_needs_several_moderate_links() -> None:
    """A requête joins a series only with at least ``links`` edges above the attach threshold to it."""
    labels = np.asarray([0, 0, 0, -1, -1])
    a = np.asarray([3, 3, 3, 4])
    b = np.asarray([0, 1, 2, 0])
    p = np.asarray([0.5, 0.5, 0.5, 0.9])
    out = attach(labels, a, b, p, 0.4, 3)
    assert out[3] == 0 and out[4] == -1


def test_metrics_on_a_known_case() -> None:
    """Pairwise and B-cubed figures match a hand computation; isolated requêtes count as singletons."""
    truth = np.asarray(["A", "A", "A", "", ""])
    labels = np.asarray([0, 0, 1, 1, -1])
    f = clustering_figures(truth, labels, np.asarray(["reecriture"] * 3 + [""] * 2))
    assert f["pairwise_precision"] == 0.5 and round(f["pairwise_recall"], 4) == round(1 / 3, 4)
    assert f["singleton_false_merge_rate"] == 0.5
    assert f["paraphrase_series_recall"] == round(1 / 3, 4)
    perfect = clustering_figures(truth, np.asarray([3, 3, 3, -1, -1]))
    assert perfect["pairwise_f1"] == 1.0 and perfect["bcubed_f1"] == 1.0 and perfect["ari"] == 1.0


def test_contested_act_and_conclusions_are_read() -> None:
    """Number and date keys of the act; conclusion kinds of the conclusions part."""
    text = ("CONTRE : l'arrêté du préfet de l'Isère n° 2023-0145 du 1er mars 2023 portant autorisation.\n"
            "PAR CES MOTIFS\n- annuler l'arrêté ;\n- enjoindre au préfet de réexaminer ;\n"
            "- mettre à la charge de l'État la somme de 1 500 euros au titre de l'article L. 761-1.")
    assert acts.act_keys(textindex.fold(text)) == ["n:2023-0145", "d:2023-03-01"]
    assert acts.act_phrase(text).startswith("l'arrêté du préfet de l'Isère n° 2023-0145")
    assert acts.conclusions(text) == ["annulation de l'acte", "injonction à l'administration",
                                      "frais de l'instance (L. 761-1 CJA)"]


def test_act_keys_tolerate_numeric_dates_and_typos() -> None:
    """A numeric date gives the same key as a written one; a mistyped number is no evidence of another act."""
    written = acts.act_keys(textindex.fold("l'arrêté du préfet n° 2023-0145 du 6 mars 2023 portant"))
    numeric = acts.act_keys(textindex.fold("l'arrêté du préfet du 06/03/2023 portant"))
    assert numeric == ["d:2023-03-06"] and numeric[0] in written
    assert acts.keys_relation("n:2023-0145", "n:2023-1045") == 0
    assert acts.keys_relation("n:2023-0145", "n:2023-0146") == 0
    assert acts.keys_relation("n:2023-0145", "n:2023-0777") == -1
    assert acts.keys_relation("n:2023-0145|d:2023-03-06", "d:2023-03-06") == 1


def test_generator_makes_the_act_an_unreliable_key() -> None:
    """Isolated requêtes attack series' acts, members cite their act loosely or not at all, acts are shared."""
    data = synthetic.generate(3000, seed=5)
    keys = [set(filter(None, "|".join(acts.act_keys(textindex.fold(t))).split("|"))) for t in data["text"]]
    members = data["series"].to_numpy() != ""
    series_keys: dict[str, set[str]] = {}
    for label, k in zip(data["series"], keys, strict=True):
        if label:
            series_keys.setdefault(str(label), set()).update(k)
    all_series_keys = set().union(*series_keys.values())
    isolated_sharing = np.mean([bool(k & all_series_keys) for k, m in zip(keys, members, strict=True) if not m])
    assert 0.1 <= isolated_sharing <= 0.6
    no_key = np.mean([not k for k, m in zip(keys, members, strict=True) if m])
    assert 0.1 <= no_key <= 0.5
    labels = sorted(series_keys)
    shared = sum(1 for i, x in enumerate(labels) for y in labels[i + 1:] if series_keys[x] & series_keys[y])
    assert shared >= 1
    assert (data["series"] == "").mean() >= 0.5 and data["series"].value_counts().drop("").min() >= 5


def test_quality_on_an_unseen_corpus(service: LitigationSeriesService, calibrated: SeriesModel) -> None:
    """Calibrated on one corpus, clustering another one (other series, acts, people) meets quality floors.

    Floors for a small calibration corpus (1,200 requêtes) on the hard generator, where isolated requêtes attack
    the acts of the series and members cite their act loosely; the issue's goals are measured by ``evaluate``.
    """
    test = service.demo_data(1500, seed=7)
    index = SeriesModel().fit(test.drop(columns=["series"]), calibration=calibration_of(calibrated))
    f = clustering_figures(test["series"].to_numpy(), index.labels_, test["series_style"].to_numpy())
    assert f["pairwise_precision"] >= 0.9
    assert f["pairwise_f1"] >= 0.83
    assert f["bcubed_f1"] >= 0.9
    assert f["ari"] >= 0.82
    assert f["singleton_false_merge_rate"] <= 0.07
    assert len(index.series_ids_) == int(index.labels_.max()) + 1
    assert all(index.series_acts_) and all(index.series_conclusions_)


def test_new_requetes_are_registered_to_their_series(service: LitigationSeriesService,
                                                     calibrated: SeriesModel) -> None:
    """Follow-up requêtes of the corpus' series join them; isolated ones are not put in a series."""
    data = synthetic.generate(1000, seed=12, follow_up=80, follow_seed=3)
    corpus, new = data.iloc[:1000], data.iloc[1000:]
    index = SeriesModel().fit(corpus.drop(columns=["series"]), calibration=calibration_of(calibrated))
    from iapublique.services.litigation_series.evaluation import assignment_figures

    figures = assignment_figures(index, corpus["series"].to_numpy(), new)
    assert figures["assign_accuracy"] >= 0.9
    assert figures["assign_false_series_rate"] <= 0.05


def test_run_explains_with_shared_passages_and_persists_with_skops(
    service: LitigationSeriesService, calibrated: SeriesModel, tmp_path: Path
) -> None:
    """A result names the series and its head and highlights passages found in the head; skops round-trip."""
    manifest = artifacts.new_manifest(service, "essai", pd.DataFrame({"x": [1]}), {}, "test")
    artifacts.save(tmp_path, service, "essai", calibrated, manifest)
    loaded, _ = artifacts.load(tmp_path, service, "essai")
    assert np.array_equal(loaded.labels_, calibrated.labels_)
    member = int(np.flatnonzero(calibrated.labels_ >= 0)[0])
    text = synthetic.generate(1200, seed=1001)["text"].iloc[member]
    record = pd.DataFrame([{"case_id": "nouvelle", "text": text, "court": "Lyon", "registered_on": None,
                            "matter": "", "ocr_confidence": 71.0}])
    out = service.run(loaded, record).iloc[0]
    assert out["status"] == "serie" and out["series_id"] and out["head_case"]
    from iapublique.core.explain import Explanation

    explanation = Explanation.from_cell(out["explanation"])
    assert explanation.highlights and "tête de série" in explanation.summary
    assert any("reconnaissance de caractères" in f.label for f in explanation.factors)
    head_words = set(textindex.words_of(loaded.head_texts_[int(calibrated.labels_[member])]))
    for h in explanation.highlights:
        assert set(textindex.words_of(text[h.start:h.end])) <= head_words


def test_text_only_mode_ignores_the_contested_act(service: LitigationSeriesService,
                                                  train_corpus: pd.DataFrame) -> None:
    """Without the act, the pair model gives it no weight and still groups template series precisely."""
    model = SeriesModel(use_acts=False).fit(train_corpus)
    assert not model.use_acts and np.all(model.coef_[3:5] == 0.0)
    assert calibration_of(model).use_acts is False
    f = clustering_figures(train_corpus["series"].to_numpy(), model.labels_)
    assert f["pairwise_precision"] >= 0.95 and f["bcubed_f1"] >= 0.8
