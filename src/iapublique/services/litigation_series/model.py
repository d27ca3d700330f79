"""Series detection: candidate pairs from MinHash LSH and TF-IDF neighbours, a calibrated pair score, a
core-member clustering of the similarity graph, and the registration of new requêtes against the index.

Pipeline of :meth:`SeriesModel.fit` on a corpus:

1. every requête is masked (personal data) and normalised into words (:mod:`textindex`);
2. candidate pairs: requêtes sharing a MinHash LSH band (template near-duplicates) and the 20 nearest
   TF-IDF neighbours of each requête, searched on a pruned sketch (lawyers' rewrites);
3. each pair gets features (MinHash Jaccard, TF-IDF cosine, same or different contested act) and a
   probability of being in one series from a logistic regression trained on the labelled pairs;
4. edges above a threshold form a graph; requêtes with at least ``min_core`` strong edges are core
   members, connected cores form a series, other requêtes join the core they are closest to, and series
   smaller than ``min_size`` are dissolved. Threshold, ``min_core`` and ``min_size`` are chosen on the
   labelled training corpus only (B-cubed and pairwise F1);
5. each series gets a head (its earliest requête), a representative text (its most central member,
   masked), its contested act, its common conclusions, courts and time span.

:meth:`SeriesModel.assign` registers new requêtes: the same features against LSH and TF-IDF candidates of
the index give the best series; several similar requêtes without series make a possible new series.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.linear_model import LogisticRegression

from iapublique.core.service import ProgressFn, no_progress
from iapublique.services.litigation_series import acts, membership, textindex
from iapublique.services.litigation_series.privacy import mask

NEIGHBOURS = 20
"""TF-IDF neighbours searched per requête (fit) and per new requête (registration)."""
SKETCH_TERMS = 40
"""Terms kept per requête in the TF-IDF search sketch (the full vectors score the pairs)."""
BUCKET_CAP = 24
"""Index members kept per LSH bucket for registration lookups (a series needs only a few)."""
EXCERPT = 320
"""Characters of masked text kept per indexed requête for the pages."""
RECENT_DAYS = 365
"""How far back unassigned requêtes count towards a possible new series."""
DEFAULT_COEF = np.array([5.0, 8.0, 5.0, 1.5, -3.0, 2.0, 2.0, 1.0, -1.0])
DEFAULT_INTERCEPT = -9.0
FEATURES = ("minhash_jaccard", "tfidf_cosine", "char_jaccard", "same_act", "different_act", "cosine_x_noise",
            "char_x_noise", "same_conclusions", "different_conclusions")
"""Pair features; OCR noise enters only through its interactions with the similarities (noise alone is no
evidence that two requêtes belong together). The contested act is one piece of evidence among others: two
requêtes against one act but asking for other things (annulation or indemnity, suspension, expertise) are
told apart by their conclusions."""
SIMILARITIES = (0, 1, 2, 5, 6)
"""Columns of ``FEATURES`` that measure shared text (their weights must not be negative)."""
FALSE_MERGE_PENALTY = 4.0
"""Weight of the share of isolated requêtes put in a series in the calibration objective (a wrong series costs
an ordinance that should not have been taken)."""
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98)
"""Edge thresholds tried by the calibration (finer where isolated requêtes close to a series start to merge)."""
ACT_DROPOUT = 0.5
"""Share of training pairs whose act relation is hidden, so that the text alone must carry the decision."""


@dataclass
class Prepared:
    """A batch of requêtes in indexable form."""

    joined: list[str]
    signatures: np.ndarray
    keys: np.ndarray
    char_signatures: np.ndarray
    char_keys: np.ndarray
    act_keys: list[str]
    masked: list[str]
    conclusions: list[list[str]]
    noise: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def measure_noise(self, vocabulary: dict[str, int]) -> None:
        """Share of each requête's words unknown to the corpus vocabulary (scanner noise and typos)."""
        out = np.zeros(len(self.joined))
        for i, text in enumerate(self.joined):
            words = text.split()
            if words:
                out[i] = sum(1 for w in words if w not in vocabulary) / len(words)
        self.noise = out


def prepare_chunk(texts: list[str]) -> tuple[list[str], np.ndarray, list[str], list[str], list[list[str]],
                                               np.ndarray]:
    """Masked words, shingles, act keys, masked text, conclusions and character signatures (worker processes)."""
    joined: list[str] = []
    shingle_sets: list[np.ndarray] = []
    char_sets: list[np.ndarray] = []
    keys: list[str] = []
    masked: list[str] = []
    concl: list[list[str]] = []
    for text in texts:
        folded, spans = textindex.masked_folded(text)
        words = textindex.TOKEN.findall(folded)
        joined.append(" ".join(words))
        shingle_sets.append(textindex.shingles(words))
        char_sets.append(textindex.char_shingles(folded))
        keys.append("|".join(acts.act_keys(folded)))
        masked.append(mask(text, spans))
        concl.append(acts.conclusions_folded(folded))
    return joined, textindex.minhash(shingle_sets), keys, masked, concl, textindex.oph_signature(char_sets)


def prepare(texts: list[str], workers: int | None = None) -> Prepared:
    """Mask, normalise, hash and read the acts of ``texts`` (two processes for large corpora)."""
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers > 1 and len(texts) >= 3000:
        size = -(-len(texts) // (workers * 4))
        chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(prepare_chunk, chunks))
    else:
        parts = [prepare_chunk(texts)]
    joined = [x for p in parts for x in p[0]]
    signatures = np.concatenate([p[1] for p in parts])
    char_signatures = np.concatenate([p[5] for p in parts])
    return Prepared(
        joined=joined,
        signatures=signatures,
        keys=textindex.band_keys(signatures),
        char_signatures=char_signatures,
        char_keys=textindex.band_keys(char_signatures),
        act_keys=[x for p in parts for x in p[2]],
        masked=[x for p in parts for x in p[3]],
        conclusions=[x for p in parts for x in p[4]],
    )


def relation(keys_a: list[str], keys_b: list[str]) -> np.ndarray:
    """Act relation of each pair: +1 shared act key, -1 different acts, 0 unknown."""
    return np.fromiter((acts.keys_relation(a, b) for a, b in zip(keys_a, keys_b, strict=True)), dtype=np.float32,
                       count=len(keys_a))


def agreement(concl_a: list[str], concl_b: list[str]) -> np.ndarray:
    """Jaccard of the kinds of conclusions of each pair (« | »-joined labels); NaN when either side has none."""
    out = np.full(len(concl_a), np.nan)
    for k, (x, y) in enumerate(zip(concl_a, concl_b, strict=True)):
        if x and y:
            sa, sb = set(x.split("|")), set(y.split("|"))
            out[k] = len(sa & sb) / len(sa | sb)
    return out


def features(jaccard: np.ndarray, cosine: np.ndarray, char_jaccard: np.ndarray, rel: np.ndarray,
             noise: np.ndarray, agree: np.ndarray | None = None) -> np.ndarray:
    """Pair feature matrix (see ``FEATURES``); ``noise`` is the larger OCR-noise share of the two requêtes and
    ``agree`` the :func:`agreement` of their conclusions (both conclusion features 0 when unknown)."""
    agree = np.full(len(jaccard), np.nan) if agree is None else np.asarray(agree, dtype=np.float64)
    known = ~np.isnan(agree)
    same = np.where(known, agree, 0.0)
    different = np.where(known, 1.0 - np.nan_to_num(agree), 0.0)
    return np.column_stack([jaccard, cosine, char_jaccard, (rel > 0).astype(np.float32), (rel < 0).astype(np.float32),
                            cosine * noise, char_jaccard * noise, same, different]).astype(np.float64)


def joined_conclusions(items: list[list[str]]) -> list[str]:
    """Conclusion labels of each requête joined by « | » (the stored and transported form)."""
    return ["|".join(c) for c in items]


def candidate_pairs(prep: Prepared, matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """LSH band pairs and TF-IDF sketch neighbours, deduplicated (i < j)."""
    la, lb = textindex.lsh_pairs(prep.keys)
    ca, cb = textindex.lsh_pairs(prep.char_keys)
    sketch = textindex.prune_rows(matrix, SKETCH_TERMS)
    ta, tb = textindex.top_neighbours(sketch, NEIGHBOURS)
    return textindex.unique_pairs(np.concatenate([la, ca, ta]), np.concatenate([lb, cb, tb]))


def pair_table(prep: Prepared, matrix: sp.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Features of the pairs ``(a[k], b[k])`` of one corpus."""
    jac = textindex.estimated_jaccard(prep.signatures[a], prep.signatures[b]).astype(np.float32)
    cos = textindex.row_cosines(matrix, matrix, a, b)
    chars = textindex.oph_similarity(prep.char_signatures[a], prep.char_signatures[b]).astype(np.float32)
    rel = relation([prep.act_keys[i] for i in a], [prep.act_keys[j] for j in b])
    concl = joined_conclusions(prep.conclusions)
    agree = agreement([concl[i] for i in a], [concl[j] for j in b])
    return features(jac, cos, chars, rel, np.maximum(prep.noise[a], prep.noise[b]), agree)


def cluster(n: int, a: np.ndarray, b: np.ndarray, p: np.ndarray, threshold: float, min_core: int,
            min_size: int) -> np.ndarray:
    """Series labels (-1 = isolated) from scored pairs: cores joined by strong edges, others to their best core."""
    strong = p >= threshold
    sa, sb, sp_ = a[strong], b[strong], p[strong]
    degree = np.bincount(sa, minlength=n) + np.bincount(sb, minlength=n)
    core = degree >= min_core
    both = core[sa] & core[sb]
    graph = sp.coo_matrix((np.ones(int(both.sum())), (sa[both], sb[both])), shape=(n, n)).tocsr()
    _, comp = connected_components(graph, directed=False)
    labels = np.where(core, comp, -1)
    one = core[sa] ^ core[sb]
    if one.any():
        member = np.where(core[sa[one]], sb[one], sa[one])
        anchor = np.where(core[sa[one]], sa[one], sb[one])
        order = np.lexsort((sp_[one], member))
        last = np.concatenate([member[order][1:] != member[order][:-1], [True]])
        chosen = order[last]
        labels[member[chosen]] = labels[anchor[chosen]]
    present = labels >= 0
    if present.any():
        _, inverse, counts = np.unique(labels[present], return_inverse=True, return_counts=True)
        dense = inverse.astype(np.int64)
        dense[counts[inverse] < min_size] = -1
        labels[present] = dense
        kept = labels >= 0
        if kept.any():
            _, labels[kept] = np.unique(labels[kept], return_inverse=True)
    return labels.astype(np.int64)


def attach(labels: np.ndarray, a: np.ndarray, b: np.ndarray, p: np.ndarray, threshold: float,
           links: int) -> np.ndarray:
    """Requêtes left alone join the series they have at least ``links`` edges above ``threshold`` with.

    Scanned or heavily rewritten members resemble no single member strongly but many members moderately.
    """
    if links <= 0:
        return labels
    out = labels.copy()
    ok = p >= threshold
    la, lb = labels[a], labels[b]
    one = ok & ((la < 0) ^ (lb < 0))
    if not one.any():
        return out
    node = np.where(la[one] < 0, a[one], b[one])
    series = np.where(la[one] < 0, lb[one], la[one])
    frame = pd.DataFrame({"node": node, "series": series, "p": p[one]})
    grouped = frame.groupby(["node", "series"], sort=False).agg(n=("p", "size"), best=("p", "max")).reset_index()
    grouped = grouped.sort_values(["node", "n", "best"], ascending=[True, False, False]).drop_duplicates("node")
    chosen = grouped[grouped["n"] >= links]
    out[chosen["node"].to_numpy()] = chosen["series"].to_numpy()
    return out


@dataclass
class Calibration:
    """What the labelled training corpus chose: pair model, edge threshold, core and size rules, figures."""

    coef: np.ndarray
    intercept: float
    threshold: float
    min_core: int
    min_size: int
    attach_threshold: float = 0.5
    attach_links: int = 0
    figures: dict[str, float] = field(default_factory=dict)
    use_acts: bool = True
    """Whether the contested act's number and date are used (off: the text alone decides)."""
    stage: membership.Membership | None = None
    """The second stage (requêtes left alone compared with whole series), when the corpus could train it."""


def objective(figures: dict[str, float]) -> float:
    """What calibration maximises: B-cubed + pairwise F1, false merges of isolated requêtes penalised."""
    return figures["bcubed_f1"] + figures["pairwise_f1"] - FALSE_MERGE_PENALTY * figures["singleton_false_merge_rate"]


def calibrate(n: int, a: np.ndarray, b: np.ndarray, x: np.ndarray, truth: np.ndarray,
              progress: ProgressFn = no_progress, use_acts: bool = True,
              corpus: tuple[sp.csr_matrix, membership.Side] | None = None) -> Calibration:
    """Fit the pair model on labelled pairs and choose the clustering rules that maximise B-cubed + pairwise F1;
    with ``corpus`` (TF-IDF matrix and prepared requêtes), also train the second stage (:mod:`membership`)."""
    from iapublique.services.litigation_series.metrics import clustering_figures

    same = (truth[a] == truth[b]) & (truth[a] != "")
    if same.all() or not same.any():
        return Calibration(DEFAULT_COEF.copy(), DEFAULT_INTERCEPT, 0.5, 2, 3)
    rng = np.random.default_rng(0)
    idx = np.arange(len(a))
    if len(idx) > 300_000:
        idx = rng.choice(idx, 300_000, replace=False)
    train_x = x[idx].copy()
    hidden = rng.random(len(idx)) < ACT_DROPOUT
    train_x[hidden, 3:5] = 0.0
    # Monotone in every similarity: a feature whose weight comes out negative (collinearity) is dropped and the
    # model refitted, so that more shared text never lowers the probability.
    dropped: set[int] = set()
    for _ in range(len(SIMILARITIES)):
        lr = LogisticRegression(C=10.0, max_iter=500, class_weight="balanced").fit(train_x, same[idx])
        negative = [k for k in SIMILARITIES if lr.coef_[0][k] < 0 and k not in dropped]
        if not negative:
            break
        dropped.update(negative)
        train_x[:, negative] = 0.0
    coef_fit = lr.coef_[0].astype(np.float64)
    coef_fit[sorted(dropped)] = 0.0
    lr.coef_ = coef_fit[None, :]
    p = lr.predict_proba(x)[:, 1]
    best: tuple[float, float, int, int] = (-1.0, 0.5, 2, 3)
    grid = [(t, c, s) for t in THRESHOLDS for c in (1, 2, 3) for s in (2, 3, 4)]
    for k, (t, c, s) in enumerate(grid):
        labels = cluster(n, a, b, p, t, c, s)
        value = objective(clustering_figures(truth, labels))
        if value > best[0]:
            best = (value, t, c, s)
        if k % 9 == 0:
            progress(k, len(grid), "Calibrage des seuils")
    _, t, c, s = best
    base = cluster(n, a, b, p, t, c, s)
    best_attach: tuple[float, float, int] = (-1.0, 0.5, 0)
    for ta in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        for k in (0, 2, 3, 5, 8):
            value = objective(clustering_figures(truth, attach(base, a, b, p, ta, k)))
            if value > best_attach[0] + 1e-9:
                best_attach = (value, ta, k)
    _, ta, k = best_attach
    labels = attach(base, a, b, p, ta, k)
    stage = None
    if corpus is not None:
        progress(len(grid), len(grid), "Second étage : requêtes comparées aux séries entières")
        _, rows, series, mx, positions = membership.corpus_pass(labels, corpus[0], corpus[1], use_acts)
        stage = membership.train(labels, truth, rows, series, mx, positions,
                                 lambda candidate: objective(clustering_figures(truth, candidate)))
        if stage is not None:
            labels = membership.settle(labels, corpus[0], corpus[1], stage, use_acts)
    figures = clustering_figures(truth, labels)
    coef = lr.coef_[0].astype(np.float64)
    if not use_acts:
        coef[3:5] = 0.0
    return Calibration(coef, float(lr.intercept_[0]), float(t), int(c), int(s), float(ta), int(k), figures, use_acts,
                       stage)


def registration_days(values: Any) -> np.ndarray:
    """Registration dates as day numbers (0 when missing)."""
    stamps = pd.to_datetime(pd.Series(values), errors="coerce")
    days = (stamps - pd.Timestamp("1970-01-01")).dt.days
    return days.fillna(0).to_numpy(dtype=np.int64)


class SeriesModel:
    """The fitted index of a corpus: signatures, LSH tables, TF-IDF, series and their heads (skops-persistable)."""

    def __init__(self, threshold: float = 0.5, min_core: int = 2, min_size: int = 3, attach_threshold: float = 0.5,
                 attach_links: int = 0, use_acts: bool = True) -> None:
        self.use_acts = use_acts
        self.threshold = threshold
        self.min_core = min_core
        self.min_size = min_size
        self.attach_threshold = attach_threshold
        self.attach_links = attach_links

    # ---- fitting -------------------------------------------------------------------------------------------------

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress, calibrate_on_truth: bool = True,
            calibration: Calibration | None = None) -> SeriesModel:
        """Index ``data`` (case_id, text, court, registered_on, matter) and cluster it into series.

        With a ``series`` column (empty = isolated), the pair model and clustering rules are calibrated on it
        unless ``calibration`` is given (evaluation reuses a training calibration on an unseen corpus).
        """
        texts = [str(t or "") for t in data["text"]]
        n = len(texts)
        progress(0, 5, "Masquage et normalisation des requêtes")
        prep = prepare(texts)
        progress(1, 5, "Vecteurs TF-IDF")
        self.vectorizer_, matrix = textindex.fit_tfidf(prep.joined)
        self.lexicon_ = textindex.lexicon(prep.joined)
        prep.measure_noise(self.lexicon_)
        progress(2, 5, "Paires candidates (LSH et voisins TF-IDF)")
        a, b = candidate_pairs(prep, matrix)
        x = pair_table(prep, matrix, a, b)
        use_acts = self.use_acts if calibration is None else calibration.use_acts
        if not use_acts:
            x[:, 3:5] = 0.0
        progress(3, 5, "Calibrage et regroupement")
        truth = None
        if calibration is None and calibrate_on_truth and "series" in data.columns:
            truth = data["series"].fillna("").astype(str).to_numpy()
            calibration = calibrate(n, a, b, x, truth, use_acts=use_acts, corpus=(matrix, self._side(prep)))
        if calibration is None:
            calibration = Calibration(DEFAULT_COEF.copy(), DEFAULT_INTERCEPT, self.threshold, self.min_core,
                                      self.min_size, self.attach_threshold, self.attach_links, use_acts=use_acts)
        self.coef_ = np.asarray(calibration.coef, dtype=np.float64)
        self.intercept_ = float(calibration.intercept)
        self.threshold, self.min_core, self.min_size = calibration.threshold, calibration.min_core, calibration.min_size
        self.attach_threshold, self.attach_links = calibration.attach_threshold, calibration.attach_links
        self.use_acts = calibration.use_acts
        self.membership_ = calibration.stage
        self.calibration_figures_ = {k: float(v) for k, v in calibration.figures.items()}
        p = self.probability(x)
        labels = attach(cluster(n, a, b, p, self.threshold, self.min_core, self.min_size), a, b, p,
                        self.attach_threshold, self.attach_links)
        if self.membership_ is not None:
            labels = membership.settle(labels, matrix, self._side(prep), self.membership_, self.use_acts)
        progress(4, 5, "Têtes de série et résumés")
        self._store_index(data, prep, matrix, labels, a, b, p)
        progress(5, 5, "Index prêt")
        return self

    @staticmethod
    def _side(prep: Prepared) -> membership.Side:
        """The prepared requêtes as the second stage reads them."""
        return membership.corpus_side(prep.signatures, prep.char_signatures, prep.noise, prep.act_keys,
                                      joined_conclusions(prep.conclusions))

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Probability that each pair of requêtes belongs to one series."""
        z = x @ self.coef_ + self.intercept_
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def _store_index(self, data: pd.DataFrame, prep: Prepared, matrix: sp.csr_matrix, labels: np.ndarray,
                     a: np.ndarray, b: np.ndarray, p: np.ndarray) -> None:
        """Keep what registration and the pages need; summarise each series."""
        n = len(labels)
        self.case_ids_ = np.asarray(data["case_id"].astype(str).tolist(), dtype=str)
        self.courts_ = np.asarray(data.get("court", pd.Series([""] * n)).fillna("").astype(str).tolist(), dtype=str)
        self.matters_ = np.asarray(data.get("matter", pd.Series([""] * n)).fillna("").astype(str).tolist(), dtype=str)
        self.days_ = (registration_days(data["registered_on"]) if "registered_on" in data.columns
                      else np.zeros(n, dtype=np.int64))
        self.signatures_ = prep.signatures
        self.char_signatures_ = prep.char_signatures
        keys = np.concatenate([prep.keys, prep.char_keys], axis=1)
        order = np.argsort(keys, axis=0, kind="stable").T.astype(np.int32)
        self.band_order_ = order
        self.band_keys_ = np.take_along_axis(keys.T, order.astype(np.int64), axis=1)
        self.matrix_t_ = sp.csr_matrix(matrix.T, dtype=np.float32)
        self.act_keys_ = list(prep.act_keys)
        self.conclusions_ = joined_conclusions(prep.conclusions)
        self.noise_ = prep.noise.astype(np.float32)
        self.excerpts_ = [m[:EXCERPT] for m in prep.masked]
        self.labels_ = labels
        self._summarise(prep, matrix, a, b, p)

    def _summarise(self, prep: Prepared, matrix: sp.csr_matrix, a: np.ndarray, b: np.ndarray, p: np.ndarray) -> None:
        """Head, representative masked text, contested act, conclusions, courts and span of each series."""
        labels = self.labels_
        k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
        strong = p >= self.threshold
        degree = np.bincount(a[strong], minlength=len(labels)) + np.bincount(b[strong], minlength=len(labels))
        heads, reps, act_list, concl, texts, ids = [], [], [], [], [], []
        for s in range(k):
            members = np.flatnonzero(labels == s)
            earliest = members[self.days_[members] == self.days_[members].min()]
            head = int(earliest[np.argmax(degree[earliest])])
            sample = members if len(members) <= 400 else members[np.linspace(0, len(members) - 1, 400).astype(int)]
            block = matrix[sample]
            centroid = np.asarray(block.mean(axis=0)).ravel()
            rep = int(sample[int(np.argmax(block @ centroid))])
            phrases = [acts.act_phrase(prep.masked[i]) for i in sample]
            phrases = [x for x in phrases if x]
            heads.append(head)
            reps.append(rep)
            act_list.append(max(set(phrases), key=phrases.count) if phrases else "")
            concl.append(acts.common([prep.conclusions[i] for i in sample]))
            texts.append(prep.masked[rep])
            ids.append(f"S-{self.case_ids_[head]}")
        self.series_ids_ = ids
        self.series_heads_ = np.asarray(heads, dtype=np.int64)
        self.series_representatives_ = np.asarray(reps, dtype=np.int64)
        self.series_acts_ = act_list
        self.series_conclusions_ = concl
        self.series_texts_ = texts
        self.head_texts_ = [prep.masked[h] for h in heads]

    # ---- registration ------------------------------------------------------------------------------------------

    def assign(self, texts: list[str], days: np.ndarray | None = None,
               labels: np.ndarray | None = None) -> list[dict[str, Any]]:
        """Register new requêtes: best series (member index, probability), or similar requêtes without series.

        ``labels`` overrides the index's series labels (agents' decisions applied); each answer gives
        ``series`` (label or -1), ``probability``, ``member`` (index of the closest member) and ``similar``
        (indices of unassigned recent requêtes above the threshold, and positions of similar new ones in the batch).
        """
        labels = self.labels_ if labels is None else labels
        prep = prepare(texts, workers=1)
        q = sp.csr_matrix(self.vectorizer_.transform(prep.joined), dtype=np.float32)
        prep.measure_noise(self.lexicon_)
        sims = (q @ self.matrix_t_).tocsr()
        n_index = self.matrix_t_.shape[1]
        days = np.zeros(len(texts), dtype=np.int64) if days is None else days
        batch = self._batch_similar(prep, q)
        out: list[dict[str, Any]] = []
        for i in range(len(texts)):
            row = sims.getrow(i)
            cand = set(self._lsh_lookup(np.concatenate([prep.keys[i], prep.char_keys[i]])))
            if row.nnz:
                top = row.indices[np.argsort(-row.data)[:NEIGHBOURS]]
                cand.update(int(c) for c in top)
            if not cand or n_index == 0:
                out.append({"series": -1, "probability": 0.0, "member": -1, "similar": [], "batch": batch[i]})
                continue
            c = np.fromiter(cand, dtype=np.int64)
            dense = row.toarray().ravel() if row.nnz else np.zeros(n_index, dtype=np.float32)
            jac = textindex.estimated_jaccard(self.signatures_[c], prep.signatures[i][None, :]).astype(np.float32)
            chars = textindex.oph_similarity(self.char_signatures_[c], prep.char_signatures[i][None, :])
            rel = relation([prep.act_keys[i]] * len(c), [self.act_keys_[j] for j in c])
            noise = np.maximum(self.noise_[c], prep.noise[i])
            stored = getattr(self, "conclusions_", None)
            agree = None if stored is None else agreement(["|".join(prep.conclusions[i])] * len(c),
                                                          [stored[j] for j in c])
            x = features(jac, dense[c], chars.astype(np.float32), rel if self.use_acts else rel * 0, noise, agree)
            p = self.probability(x)
            lab = labels[c]
            in_series = lab >= 0
            best_series, best_p, member = -1, 0.0, -1
            j_best = int(np.argmax(p))
            if in_series.any():
                j_best = int(np.argmax(np.where(in_series, p, -1.0)))
                best_series, best_p, member = int(lab[j_best]), float(p[j_best]), int(c[j_best])
                if best_p < self.threshold and self.attach_links > 0:
                    nearest = np.zeros(len(p), dtype=bool)
                    nearest[np.argsort(-dense[c])[:NEIGHBOURS]] = True
                    votes = lab[(p >= self.attach_threshold) & in_series & nearest]
                    if len(votes):
                        top = np.bincount(votes).argmax()
                        if np.sum(votes == top) >= self.attach_links:
                            mask = lab == top
                            j_best = int(np.argmax(np.where(mask, p, -1.0)))
                            best_series, best_p, member = int(top), float(p[j_best]), int(c[j_best])
                            best_p = max(best_p, self.threshold)
            recent = (days[i] == 0) | (self.days_[c] == 0) | (np.abs(days[i] - self.days_[c]) <= RECENT_DAYS)
            similar = c[(~in_series) & (p >= self.threshold) & recent]
            if best_p < self.threshold:
                j = int(np.argmax(p))
                out.append({"series": -1, "probability": float(p[j]), "member": int(c[j]),
                            "similar": [int(s) for s in similar], "batch": batch[i], "features": x[j]})
            else:
                out.append({"series": best_series, "probability": best_p, "member": member,
                            "similar": [int(s) for s in similar], "batch": batch[i], "features": x[j_best]})
        self._second_stage(out, prep, q, sims, labels)
        return out

    def _second_stage(self, out: list[dict[str, Any]], prep: Prepared, q: sp.csr_matrix, sims: sp.csr_matrix,
                      labels: np.ndarray) -> None:
        """Answers without a series compared with whole series (:mod:`membership`), in place."""
        stage: membership.Membership | None = getattr(self, "membership_", None)
        pending = np.asarray([i for i, answer in enumerate(out) if answer["series"] < 0], dtype=np.int64)
        if stage is None or not len(pending) or self.size == 0:
            return
        profiles = self._profiles(labels)
        rows, series, cos = membership.candidates(sp.csr_matrix(q[pending]), profiles)
        if not len(rows):
            return
        sub = self._side(prep).take(pending)
        near = sp.csr_matrix(sims[pending])

        def cosines(r: np.ndarray, members: np.ndarray) -> np.ndarray:
            return np.asarray(near[r][:, members].toarray())

        x = membership.feature_table(sub, rows, series, cos, self._index_side(), profiles, cosines, self.use_acts)
        p = stage.probability(x)
        best = membership.best_per_row(rows, series, p)
        for row, s, prob, at in best[best["p"] >= stage.threshold].itertuples(index=False):
            members = profiles.members[int(s)]
            member = int(members[int(np.argmax(cosines(np.asarray([row]), members)[0]))])
            answer = out[int(pending[int(row)])]
            answer.update({"series": int(s), "probability": float(prob), "member": member,
                           "stage_features": x[int(at)], "stage_contributions": stage.contributions(x[int(at)])})

    def _profiles(self, labels: np.ndarray) -> membership.Profiles:
        """Series profiles under ``labels`` (kept for the last labels seen; not saved with the model)."""
        key = hash(labels.tobytes())
        cached = getattr(self, "_cache_profiles", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        profiles = membership.build_profiles(labels, sp.csr_matrix(self.matrix_t_.T), self._index_side())
        self._cache_profiles = (key, profiles)
        return profiles

    def _index_side(self) -> membership.Side:
        """The indexed requêtes as the second stage reads them."""
        return membership.corpus_side(self.signatures_, self.char_signatures_, self.noise_, self.act_keys_,
                                      list(getattr(self, "conclusions_", [""] * self.size)))

    def __getstate__(self) -> dict[str, Any]:
        """What is saved: everything but the caches."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_cache")}

    def _lsh_lookup(self, keys: np.ndarray) -> list[int]:
        """Index members sharing an LSH band with a new requête (at most ``BUCKET_CAP`` per band)."""
        found: list[int] = []
        for band in range(len(keys)):
            column = self.band_keys_[band]
            lo = int(np.searchsorted(column, keys[band], side="left"))
            hi = int(np.searchsorted(column, keys[band], side="right"))
            if hi > lo:
                found.extend(int(x) for x in self.band_order_[band, lo:min(hi, lo + BUCKET_CAP)])
        return found

    def _batch_similar(self, prep: Prepared, q: sp.csr_matrix) -> list[list[int]]:
        """For each new requête, the positions of the other new requêtes of the batch it is similar to."""
        n = len(prep.joined)
        if n < 2:
            return [[] for _ in range(n)]
        a, b = candidate_pairs(prep, q)
        if len(a) == 0:
            return [[] for _ in range(n)]
        x = pair_table(prep, q, a, b)
        if not self.use_acts:
            x[:, 3:5] = 0.0
        p = self.probability(x)
        keep = p >= self.threshold
        out: list[list[int]] = [[] for _ in range(n)]
        for i, j in zip(a[keep], b[keep], strict=True):
            out[int(i)].append(int(j))
            out[int(j)].append(int(i))
        return out

    # ---- views ---------------------------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of indexed requêtes."""
        return len(self.case_ids_)

    def date_of(self, index: int) -> dt.date | None:
        """Registration date of an indexed requête."""
        day = int(self.days_[index])
        return None if day == 0 else dt.date(1970, 1, 1) + dt.timedelta(days=day)
