"""Second stage of the clustering: does a requête the pair graph left alone belong to a series as a whole?

A scanned copy or a member that cites no readable act often resembles no single member strongly enough for
the pair model, yet it resembles the series: it carries the campaign's grounds and conclusions, which most
members share, while an isolated requête against the same act brings grounds of its own. For each such
requête and its few closest series (TF-IDF centroid), the features compare it with an even sample of the
series' members (character and word MinHash similarities: mean, top 5, maximum; share of signature bins
where it holds the value most members hold; TF-IDF cosines), with the act keys and conclusions the series
cites, and with its own OCR noise. A gradient-boosted classifier, monotone in every similarity, is trained on
the labelled calibration corpus; its threshold is chosen on out-of-fold predictions with the same objective
as the pair graph (B-cubed + pairwise F1, false merges of isolated requêtes penalised). Over a corpus the
stage runs twice: the members found in the first round sharpen the series' profiles for the second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from iapublique.services.litigation_series import acts

MEMBER_SAMPLE = 300
"""Members of a series compared with a candidate (an even sample of the series, by index order)."""
CANDIDATE_SERIES = 3
"""Series examined per requête: those of highest TF-IDF centroid cosine."""
MIN_CENTROID_COSINE = 0.1
"""Series whose centroid is farther than this are not examined (no member in calibration was that far)."""
CONSENSUS_SHARE = 0.3
"""A signature bin is the series' consensus when at least this share of its members hold one value there."""
TOP = 5
CHUNK = 256
"""Candidate rows compared with one series' members at a time (bounds the bin-equality tensor)."""
FEATURES = ("centroid_cosine", "char_mean", "char_consensus", "word_mean", "noise", "char_top5", "char_max",
            "word_top5", "cosine_top5", "same_act", "different_act", "same_conclusions", "different_conclusions")
MONOTONE = (1, 1, 1, 1, 0, 1, 1, 1, 1, 1, -1, 1, -1)
"""More shared text, act or conclusions never lowers the probability; OCR noise enters freely."""
LABELS = {
    "centroid_cosine": "Proximité du vocabulaire de la série (cosinus TF-IDF au centre)",
    "char_mean": "Ressemblance moyenne aux membres de la série (caractères)",
    "char_consensus": "Part des passages que la plupart des membres partagent",
    "word_mean": "Ressemblance moyenne aux membres de la série (mots)",
    "noise": "Part de mots inconnus du corpus (bruit de numérisation)",
    "char_top5": "Ressemblance aux 5 membres les plus proches (caractères)",
    "char_max": "Ressemblance au membre le plus proche (caractères)",
    "word_top5": "Ressemblance aux 5 membres les plus proches (mots)",
    "cosine_top5": "Cosinus TF-IDF avec les 5 membres les plus proches",
    "same_act": "Part des membres qui attaquent le même acte",
    "different_act": "Part des membres qui attaquent un autre acte",
    "same_conclusions": "Conclusions communes avec la série",
    "different_conclusions": "Conclusions différentes de celles de la série",
}
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
PASSES = 2
"""Rounds of the stage over a corpus: members found in one round sharpen the profiles the next round reads."""
SMALL_BATCH = 2000
"""Candidates up to which the classifier predicts on one thread (registration, small corpora)."""
MIN_EXAMPLES = 20
"""Positive and negative examples needed to train the stage (otherwise it stays off)."""


@dataclass
class Side:
    """What the stage reads of a set of requêtes (the indexed corpus or new ones)."""

    signatures: np.ndarray
    char_signatures: np.ndarray
    noise: np.ndarray
    act_keys: list[str]
    conclusions: list[str]

    def take(self, rows: np.ndarray) -> Side:
        """The requêtes at positions ``rows``."""
        return Side(self.signatures[rows], self.char_signatures[rows], self.noise[rows],
                    [self.act_keys[i] for i in rows], [self.conclusions[i] for i in rows])


@dataclass
class Profiles:
    """Per series: TF-IDF centroid, member sample, shares of act keys and key kinds, common conclusions."""

    centroids: sp.csr_matrix
    members: list[np.ndarray]
    act_shares: list[dict[str, float]]
    kind_shares: list[dict[str, float]]
    conclusions: list[str]

    @property
    def count(self) -> int:
        """Number of series."""
        return len(self.members)


def build_profiles(labels: np.ndarray, matrix: sp.csr_matrix, side: Side) -> Profiles:
    """Profiles of the series of ``labels`` (-1 = isolated) over the corpus ``matrix`` / ``side``."""
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    inside = np.flatnonzero(labels >= 0)
    onehot = sp.csr_matrix((np.ones(len(inside)), (labels[inside], inside)), shape=(k, len(labels)))
    centroids = sp.csr_matrix(onehot @ matrix, dtype=np.float32)
    norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1)).ravel())
    centroids = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ centroids, dtype=np.float32)
    order = np.argsort(labels[inside], kind="stable")
    bounds = np.searchsorted(labels[inside][order], np.arange(k + 1))
    members, act_shares, kind_shares, conclusions = [], [], [], []
    for s in range(k):
        all_members = inside[order[bounds[s]:bounds[s + 1]]]
        sample = all_members if len(all_members) <= MEMBER_SAMPLE else \
            all_members[np.linspace(0, len(all_members) - 1, MEMBER_SAMPLE).astype(np.int64)]
        members.append(sample)
        keys: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        for m in sample:
            found = [x for x in side.act_keys[m].split("|") if x]
            keys.update(set(found))
            kinds.update({x[:2] for x in found})
        act_shares.append({x: c / len(sample) for x, c in keys.items()})
        kind_shares.append({x: c / len(sample) for x, c in kinds.items()})
        conclusions.append("|".join(acts.common([[c for c in side.conclusions[m].split("|") if c] for m in sample])))
    return Profiles(centroids, members, act_shares, kind_shares, conclusions)


def act_evidence(keys: str, shares: dict[str, float], kinds: dict[str, float]) -> tuple[float, float]:
    """Share of members citing one of ``keys``, and share citing another act of a kind ``keys`` has.

    A key one typo away from one of the series' keys counts neither way (a mistyped citation of its act).
    """
    own = [x for x in keys.split("|") if x]
    if not own:
        return 0.0, 0.0
    same = max((shares.get(x, 0.0) for x in own), default=0.0)
    unmatched = [x for x in own if x not in shares and not any(acts.near_keys(x, y) for y in shares)]
    comparable = max((kinds.get(x[:2], 0.0) for x in unmatched), default=0.0)
    return same, max(0.0, comparable - same)


def conclusion_evidence(own: str, common: str) -> tuple[float, float]:
    """Jaccard of the kinds of conclusions with the series' common ones, and its complement (0, 0 if unknown)."""
    if not own or not common:
        return 0.0, 0.0
    a, b = set(own.split("|")), set(common.split("|"))
    jac = len(a & b) / len(a | b)
    return jac, 1.0 - jac


def _similarity_block(query: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows × members MinHash similarity, and for each row the share of bins where it holds the consensus."""
    eq = query[:, None, :] == members[None, :, :]
    empty = np.uint32(0xFFFFFFFF)
    filled = (query[:, None, :] != empty) | (members[None, :, :] != empty)
    sim = (eq & filled).sum(axis=2) / np.maximum(1, filled.sum(axis=2))
    consensus = ((eq & filled).mean(axis=1) >= CONSENSUS_SHARE).mean(axis=1)
    return sim, consensus


def _top_mean(values: np.ndarray) -> np.ndarray:
    """Mean of each row's ``TOP`` largest values."""
    top = min(TOP, values.shape[1])
    return np.sort(values, axis=1)[:, -top:].mean(axis=1)


def candidates(query_matrix: sp.csr_matrix, profiles: Profiles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, series, centroid cosine) of each row's closest series (at most ``CANDIDATE_SERIES``)."""
    if profiles.count == 0 or query_matrix.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    rows, series, cosines = [], [], []
    take = min(CANDIDATE_SERIES, profiles.count)
    for start in range(0, query_matrix.shape[0], 4096):
        block = np.asarray((query_matrix[start:start + 4096] @ profiles.centroids.T).toarray())
        best = np.argsort(-block, axis=1, kind="stable")[:, :take]
        values = np.take_along_axis(block, best, axis=1)
        r = np.repeat(np.arange(start, start + block.shape[0]), take)
        keep = values.ravel() >= MIN_CENTROID_COSINE
        rows.append(r[keep])
        series.append(best.ravel()[keep])
        cosines.append(values.ravel()[keep])
    return np.concatenate(rows), np.concatenate(series), np.concatenate(cosines)


def feature_table(query: Side, rows: np.ndarray, series: np.ndarray, centroid_cos: np.ndarray, index: Side,
                  profiles: Profiles, cosines: Callable[[np.ndarray, np.ndarray], np.ndarray],
                  use_acts: bool = True) -> np.ndarray:
    """Features (``FEATURES``) of each (query row, series) candidate; ``cosines(rows, members)`` gives the
    TF-IDF cosines of query rows with index members."""
    out = np.zeros((len(rows), len(FEATURES)))
    if not len(rows):
        return out
    out[:, 0] = centroid_cos
    out[:, 4] = query.noise[rows]
    for s in np.unique(series):
        at = np.flatnonzero(series == s)
        members = profiles.members[s]
        msig, mcsig = index.signatures[members], index.char_signatures[members]
        for start in range(0, len(at), CHUNK):
            part = at[start:start + CHUNK]
            r = rows[part]
            chars, consensus = _similarity_block(query.char_signatures[r], mcsig)
            words, _ = _similarity_block(query.signatures[r], msig)
            cos = cosines(r, members)
            out[part, 1] = chars.mean(axis=1)
            out[part, 2] = consensus
            out[part, 3] = words.mean(axis=1)
            out[part, 5] = _top_mean(chars)
            out[part, 6] = chars.max(axis=1)
            out[part, 7] = _top_mean(words)
            out[part, 8] = _top_mean(cos)
        for k in at:
            if use_acts:
                out[k, 9], out[k, 10] = act_evidence(query.act_keys[rows[k]], profiles.act_shares[s],
                                                     profiles.kind_shares[s])
            out[k, 11], out[k, 12] = conclusion_evidence(query.conclusions[rows[k]], profiles.conclusions[s])
    return out


def best_per_row(rows: np.ndarray, series: np.ndarray, p: np.ndarray) -> pd.DataFrame:
    """For each row, its most probable series (columns row, series, p, position in the candidate table)."""
    frame = pd.DataFrame({"row": rows, "series": series, "p": p, "at": np.arange(len(rows))})
    return frame.sort_values(["row", "p"], ascending=[True, False], kind="stable").drop_duplicates("row")


@dataclass
class Membership:
    """The trained stage: classifier, threshold and the reference row used to explain a decision."""

    classifier: Any
    threshold: float
    reference: np.ndarray
    figures: dict[str, float]

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probability that each candidate requête belongs to its candidate series."""
        if not len(x):
            return np.zeros(0)
        if len(x) > SMALL_BATCH:
            return np.asarray(self.classifier.predict_proba(x)[:, 1])
        from threadpoolctl import threadpool_limits

        # OpenMP threads cost far more than they save on a few rows (seconds on a busy machine)
        with threadpool_limits(limits=1, user_api="openmp"):
            return np.asarray(self.classifier.predict_proba(x)[:, 1])

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Change in probability when each feature of one candidate is set to the reference (typical isolated)."""
        probe = np.repeat(x[None, :], len(FEATURES), axis=0)
        probe[np.arange(len(FEATURES)), np.arange(len(FEATURES))] = self.reference
        base = float(self.probability(x[None, :])[0])
        return base - self.probability(probe)


def _classifier() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_depth=3, max_iter=200, learning_rate=0.05, monotonic_cst=list(MONOTONE),
                                          random_state=0)


def apply(labels: np.ndarray, rows: np.ndarray, series: np.ndarray, p: np.ndarray, threshold: float,
          positions: np.ndarray) -> np.ndarray:
    """``labels`` with each candidate row (``positions[row]`` in the corpus) put in its best series above
    ``threshold``."""
    out = labels.copy()
    if not len(rows):
        return out
    best = best_per_row(rows, series, p)
    chosen = best[best["p"] >= threshold]
    out[positions[chosen["row"].to_numpy()]] = chosen["series"].to_numpy()
    return out


def train(labels: np.ndarray, truth: np.ndarray, rows: np.ndarray, series: np.ndarray, x: np.ndarray,
          positions: np.ndarray, score: Callable[[np.ndarray], float]) -> Membership | None:
    """Train on a labelled corpus: ``rows`` index ``positions`` (the requêtes left alone), ``series`` their
    candidates; the threshold maximises ``score(labels)`` on 4-fold out-of-fold probabilities."""
    from sklearn.model_selection import GroupKFold

    if not len(rows):
        return None
    majority = {}
    for s in np.unique(series):
        values, counts = np.unique(truth[labels == s], return_counts=True)
        majority[int(s)] = values[int(np.argmax(counts))]
    target = np.array([truth[positions[r]] != "" and truth[positions[r]] == majority[int(s)]
                       for r, s in zip(rows, series, strict=True)])
    if target.sum() < MIN_EXAMPLES or (~target).sum() < MIN_EXAMPLES:
        return None
    oof = np.zeros(len(rows))
    for fit_at, out_at in GroupKFold(n_splits=4).split(x, target, groups=rows):
        if target[fit_at].all() or not target[fit_at].any():
            continue
        oof[out_at] = _classifier().fit(x[fit_at], target[fit_at]).predict_proba(x[out_at])[:, 1]
    base = score(labels)
    best_value, best_t = base, 1.0
    for t in THRESHOLDS:
        value = score(apply(labels, rows, series, oof, t, positions))
        if value > best_value + 1e-9:
            best_value, best_t = value, t
    if best_t >= 1.0:
        return None
    classifier = _classifier().fit(x, target)
    reference = np.median(x[~target], axis=0)
    return Membership(classifier, best_t, reference, {"gain": round(best_value - base, 4), "threshold": best_t,
                                                      "candidates": float(len(rows)),
                                                      "positives": float(target.sum())})


def corpus_side(signatures: np.ndarray, char_signatures: np.ndarray, noise: np.ndarray, act_keys: list[str],
                conclusions: list[str]) -> Side:
    """A :class:`Side` from a prepared corpus's arrays."""
    return Side(signatures, char_signatures, np.asarray(noise, dtype=np.float64), list(act_keys), list(conclusions))


def corpus_pass(labels: np.ndarray, matrix: sp.csr_matrix, side: Side, use_acts: bool = True,
                ) -> tuple[Profiles, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Profiles, and (rows, series, features, positions) of the requêtes of one corpus left alone by the graph."""
    profiles = build_profiles(labels, matrix, side)
    positions = np.flatnonzero(labels < 0)
    if not len(positions) or profiles.count == 0:
        empty = np.zeros(0, dtype=np.int64)
        return profiles, empty, empty, np.zeros((0, len(FEATURES))), positions
    alone = sp.csr_matrix(matrix[positions])
    rows, series, cos = candidates(alone, profiles)
    matrix_t = sp.csc_matrix(matrix.T)
    sub = side.take(positions)

    def cosines(r: np.ndarray, members: np.ndarray) -> np.ndarray:
        return np.asarray((alone[r] @ matrix_t[:, members]).toarray())

    x = feature_table(sub, rows, series, cos, side, profiles, cosines, use_acts)
    return profiles, rows, series, x, positions


def settle(labels: np.ndarray, matrix: sp.csr_matrix, side: Side, stage: Membership, use_acts: bool = True,
           passes: int = PASSES) -> np.ndarray:
    """``labels`` after up to ``passes`` rounds of the trained stage (stops early when a round adds nobody)."""
    for _ in range(passes):
        _, rows, series, x, positions = corpus_pass(labels, matrix, side, use_acts)
        updated = apply(labels, rows, series, stage.probability(x), stage.threshold, positions)
        if np.array_equal(updated, labels):
            break
        labels = updated
    return labels
