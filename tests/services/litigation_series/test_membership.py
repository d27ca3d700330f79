"""The second stage: requêtes the pair graph left alone, compared with whole series."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from iapublique.core.explain import Explanation
from iapublique.services.litigation_series import LitigationSeriesService, membership, synthetic
from iapublique.services.litigation_series.evaluation import calibration_of
from iapublique.services.litigation_series.metrics import clustering_figures
from iapublique.services.litigation_series.model import SeriesModel


def test_act_evidence_counts_shared_and_other_acts_but_not_typos() -> None:
    """Same act: share of members citing it; another act of the same kind counts against; a typo is neutral."""
    shares = {"n:2024-2391": 0.8, "d:2024-08-21": 0.6}
    kinds = {"n:": 0.8, "d:": 0.6}
    assert membership.act_evidence("n:2024-2391", shares, kinds) == (0.8, 0.0)
    same, other = membership.act_evidence("n:2023-0001", shares, kinds)
    assert same == 0.0 and other == pytest.approx(0.8)
    assert membership.act_evidence("n:2024-2931", shares, kinds) == (0.0, 0.0)
    assert membership.act_evidence("", shares, kinds) == (0.0, 0.0)


def test_consensus_is_the_share_of_bins_where_the_requete_holds_the_members_value() -> None:
    """Members agree on every bin; a query equal to them on half the bins has consensus 0.5."""
    rng = np.random.default_rng(0)
    common = rng.integers(0, 2**31, size=128, dtype=np.int64).astype(np.uint32)
    members = np.repeat(common[None, :], 10, axis=0)
    members[:, 64:] = rng.integers(0, 2**31, size=(10, 64), dtype=np.int64).astype(np.uint32)
    query = common.copy()[None, :]
    sim, consensus = membership._similarity_block(query, members)
    assert consensus[0] == pytest.approx(0.5)
    assert np.allclose(sim, 0.5)


@pytest.fixture(scope="module")
def trained(service: LitigationSeriesService) -> SeriesModel:
    """A model calibrated on a corpus large enough to train the second stage."""
    return service.fit(service.demo_data(3000, seed=1001))


def test_second_stage_recovers_members_without_merging_isolated_requetes(trained: SeriesModel) -> None:
    """On an unseen corpus, the stage finds members the pair graph missed and keeps false merges low."""
    assert trained.membership_ is not None and 0.3 <= trained.membership_.threshold < 1.0
    corpus = synthetic.generate(2500, seed=7)
    truth = corpus["series"].to_numpy()
    plain = dataclasses.replace(calibration_of(trained), stage=None)
    without = clustering_figures(truth, SeriesModel().fit(corpus.drop(columns=["series"]), calibration=plain).labels_)
    with_stage = clustering_figures(truth, SeriesModel().fit(corpus.drop(columns=["series"]),
                                                             calibration=calibration_of(trained)).labels_)
    assert with_stage["pairwise_recall"] >= without["pairwise_recall"] + 0.01
    assert with_stage["bcubed_f1"] > without["bcubed_f1"]
    assert with_stage["singleton_false_merge_rate"] <= without["singleton_false_merge_rate"] + 0.01


def test_registration_through_the_second_stage_is_explained(service: LitigationSeriesService,
                                                            trained: SeriesModel) -> None:
    """A new requête put in a series by the second stage says so, with the series-level evidence."""
    data = synthetic.generate(2000, seed=21, follow_up=300, follow_seed=4)
    index = SeriesModel().fit(data.iloc[:2000].drop(columns=["series"]), calibration=calibration_of(trained))
    new = data.iloc[2000:].reset_index(drop=True)
    answers = index.assign(new["text"].tolist())
    staged = [k for k, a in enumerate(answers) if "stage_features" in a]
    assert staged, "no requête registered through the second stage"
    out = service.run(index, new.iloc[staged[:3]].drop(columns=list(service.truth_columns)))
    for cell in out["explanation"]:
        explanation = Explanation.from_cell(cell)
        assert "comparaison à la série entière" in explanation.summary
        assert any(f.label in membership.LABELS.values() for f in explanation.factors)
    assert (out["status"] == "serie").all()
