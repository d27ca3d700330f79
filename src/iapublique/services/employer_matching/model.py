"""The employer-matching model: NAF suggestion, non-codable detection, re-ranker, calibration, memory.

``EmployerMatcher`` holds only what skops can persist (numpy arrays, scikit-learn and LightGBM objects,
strings); the register itself stays in its DuckDB store and persisted index, found again through the
register's hash and folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from iapublique.core.service import ProgressFn, no_progress
from iapublique.services.employer_matching import register as reg
from iapublique.services.employer_matching.matching import FEATURES, Memory, Queries, features, parse, search
from iapublique.services.employer_matching.reference import naf, plain
from iapublique.services.employer_matching.synthetic import NONCODABLE_REASONS, activity_text

TARGET_PRECISION = 0.95
"""Precision the auto-coding threshold is set for, on the calibration bulletins."""
CODABLE = "codable"


def truth_siret(data: pd.DataFrame) -> np.ndarray:
    """The true SIRET of labelled bulletins ('' for non-codable ones)."""
    if "siret" not in data.columns:
        raise ValueError("données sans étiquette : une colonne « siret » (vide si non codable) est nécessaire "
                         "pour entraîner ou évaluer le modèle.")
    values = data["siret"].astype(object).where(data["siret"].notna(), "")
    return np.array([str(v).strip().replace(" ", "").split(".")[0] for v in values], dtype=object)


def truth_reason(data: pd.DataFrame, siret: np.ndarray) -> np.ndarray:
    """The non-codable reason of labelled bulletins ('codable' when a SIRET is given)."""
    reason = (data["noncodable_reason"].astype(object).where(data["noncodable_reason"].notna(), "")
              if "noncodable_reason" in data.columns else pd.Series([""] * len(data)))
    out = np.array([str(r) or NONCODABLE_REASONS[0] for r in reason], dtype=object)
    out[siret != ""] = CODABLE
    return out


class NafSuggester:
    """NAF codes from an activity text: TF-IDF (characters and words) and cosine to class centroids."""

    def fit(self, texts: list[str], codes: list[str]) -> NafSuggester:
        """Learn class centroids from (activity text, NAF code) pairs."""
        self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2,
                                           max_features=60_000, dtype=np.float32)
        x = self.vectorizer_.fit_transform([plain(t) for t in texts])
        self.codes_ = np.array(sorted(set(codes)), dtype="U5")
        pos = {c: i for i, c in enumerate(self.codes_)}
        y = np.array([pos[c] for c in codes])
        onehot = sp.csr_matrix((np.ones(len(y), dtype=np.float32), (y, np.arange(len(y)))),
                               shape=(len(self.codes_), len(y)))
        centroids = sp.csr_matrix(onehot @ x)
        norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        self.centroids_ = sp.csr_matrix(sp.diags(1.0 / norms) @ centroids).astype(np.float32)
        self.temperature_ = 20.0
        return self

    def proba(self, texts: list[str]) -> np.ndarray:
        """Probability of each NAF code (rows: texts; uniform rows for empty texts)."""
        x = self.vectorizer_.transform([plain(t) for t in texts])
        sims = np.asarray((x @ self.centroids_.T).todense(), dtype=np.float32)
        logits = self.temperature_ * sims
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return p


def naf_training_texts(seed: int = 0, per_code: int = 24) -> tuple[list[str], list[str]]:
    """Activity texts written from the NAF labels themselves (the nomenclature as training data)."""
    rng = np.random.default_rng(seed)
    table = naf()
    texts: list[str] = []
    codes: list[str] = []
    for code, label, group in zip(table["code"], table["label"], table["group_label"], strict=True):
        texts.append(label)
        codes.append(code)
        for _ in range(per_code):
            texts.append(activity_text(rng, label if rng.random() < 0.85 else group))
            codes.append(code)
    return texts, codes


class NoncodableDetector:
    """Reason a bulletin cannot be coded (home, private employer, abroad, variable place) from its texts."""

    def fit(self, records: pd.DataFrame, reasons: np.ndarray) -> NoncodableDetector:
        """Learn from labelled bulletins (reason ``codable`` for coded ones)."""
        texts = self._texts(records)
        self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2,
                                           max_features=40_000, dtype=np.float32)
        x = self.vectorizer_.fit_transform(texts)
        classes = sorted(set(reasons))
        self.classes_ = np.array(classes, dtype="U40")
        self.trained_ = len(classes) > 1
        if self.trained_:
            self.clf_ = LogisticRegression(C=4.0, max_iter=300, class_weight="balanced")
            self.clf_.fit(x, reasons.astype(str))
        return self

    @staticmethod
    def _texts(records: pd.DataFrame) -> list[str]:
        def col(name: str) -> list[str]:
            if name not in records.columns:
                return [""] * len(records)
            return [plain(str(v)) if isinstance(v, str) else "" for v in records[name]]

        parts = zip(col("employer_name"), col("activity"), col("commune"), col("departement"), strict=True)
        return [f"N {a} | A {b} | C {c} | D {d}" for a, b, c, d in parts]

    def proba(self, records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Probability that each bulletin is non-codable, and its most likely reason."""
        names = [str(v) if isinstance(v, str) else "" for v in records.get("employer_name", pd.Series([""] *
                                                                                             len(records)))]
        empty = np.array([not plain(n) for n in names])
        p: np.ndarray = np.zeros(len(records))
        reason = np.full(len(records), "", dtype=object)
        if self.trained_:
            probs = self.clf_.predict_proba(self.vectorizer_.transform(self._texts(records)))
            classes = list(self.clf_.classes_)
            codable = classes.index(CODABLE) if CODABLE in classes else -1
            p = 1.0 - (probs[:, codable] if codable >= 0 else np.zeros(len(records)))
            others = probs.copy()
            if codable >= 0:
                others[:, codable] = -1
            reason = np.array(classes, dtype=object)[others.argmax(axis=1)]
        p = np.where(empty, 1.0, p)
        reason = np.where(empty, NONCODABLE_REASONS[0], reason)
        return p, reason


@dataclass
class Scored:
    """Everything the model computes for a batch of bulletins (before formatting)."""

    queries: Queries
    cands: pd.DataFrame
    prob: np.ndarray
    top_rows: np.ndarray
    top_scores: np.ndarray
    p_top1: np.ndarray
    auto: np.ndarray
    noncodable: np.ndarray
    reason: np.ndarray
    naf_top: np.ndarray
    naf_scores: np.ndarray
    feats: np.ndarray
    pair_of_top1: np.ndarray
    top_pairs: np.ndarray


class EmployerMatcher:
    """Proposes the employer establishment of census bulletins against one register (see module docstring)."""

    _memory_cache: Memory | None = None

    def __init__(self, target_precision: float = TARGET_PRECISION, n_rounds: int = 200) -> None:
        self.target_precision = target_precision
        self.n_rounds = n_rounds

    # ---- register -----------------------------------------------------------------------------

    def attach(self, spec: dict[str, Any], data_dir: Path, frame: pd.DataFrame | None = None) -> EmployerMatcher:
        """Bind the model to a register (built and indexed under ``data_dir`` when absent)."""
        digest, folder = reg.ensure(spec, data_dir, frame)
        self.register_spec_ = json.dumps(spec, sort_keys=True)
        self.register_hash_ = digest
        self.register_dir_ = str(folder)
        return self

    def index(self) -> reg.RegisterIndex:
        """The loaded register index (rebuilt from its description when its folder is gone)."""
        folder = Path(self.register_dir_)
        if not (folder / "ready.json").exists():
            from iapublique.settings import get_settings

            spec = json.loads(self.register_spec_)
            _, folder = reg.ensure(spec, get_settings().data_dir.resolve())
            self.register_dir_ = str(folder)
        return reg.load(folder)

    # ---- memory ---------------------------------------------------------------------------------

    def _memory(self, index: reg.RegisterIndex) -> Memory:
        cached = getattr(self, "_memory_cache", None)
        if cached is None:
            rows = index.rows_of_sirets(list(self.mem_siret_))
            cached = Memory(list(self.mem_key_), list(self.mem_dep_), list(self.mem_res_), rows)
            self._memory_cache = cached
        return cached

    def __getstate__(self) -> dict[str, Any]:
        """Persisted state: everything but the in-process memory cache."""
        return {k: v for k, v in self.__dict__.items() if k != "_memory_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore persisted state."""
        self.__dict__.update(state)

    # ---- fit ---------------------------------------------------------------------------------------

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> EmployerMatcher:
        """Train on labelled bulletins: NAF suggester, non-codable detector, re-ranker, calibration, memory."""
        index = self.index()
        data = data.reset_index(drop=True)
        siret = truth_siret(data)
        reasons = truth_reason(data, siret)
        progress(0, 6, "nomenclature NAF")
        texts, codes = naf_training_texts()
        if "naf" in data.columns:
            nafs = data["naf"].astype(object).where(data["naf"].notna(), "").astype(str).str.replace(".", "",
                                                                                                       regex=False)
            acts = data["activity"].astype(object).where(data["activity"].notna(), "").astype(str)
            keep = (nafs != "") & (acts != "") & nafs.isin(set(codes))
            texts += acts[keep].tolist()
            codes += nafs[keep].tolist()
        self.naf_ = NafSuggester().fit(texts, codes)
        progress(1, 6, "bulletins non codables")
        self.noncodable_ = NoncodableDetector().fit(data, reasons)

        q = parse(data)
        rows = index.rows_of_sirets([s if s else "0" * 14 for s in siret])
        rows = np.where(siret != "", rows, -1)
        deps, res = q.dep.tolist(), q.residence.tolist()
        rng = np.random.default_rng(0)
        calib = rng.random(len(data)) < 0.25
        folds = rng.integers(0, 4, size=len(data))
        naf_probs = self.naf_.proba(q.activity)
        naf_codes = self.naf_.codes_

        progress(2, 6, "recherche des candidats")
        # memory of every coded training bulletin; each bulletin's own contribution is left out when it is
        # scored, so training and calibration see a memory of the size a new bulletin meets
        coded = np.nonzero(rows >= 0)[0]
        memory = Memory([q.key[i] for i in coded], [deps[i] for i in coded], [res[i] for i in coded], rows[coded])
        mats: list[np.ndarray] = []
        labels: list[np.ndarray] = []
        for fold in range(4):
            part = np.nonzero(~calib & (folds == fold) & (rows >= 0))[0]
            if not len(part):
                continue
            sub = _subset(q, part)
            cands = search(index, sub, memory, own=rows[part])
            feats = features(index, sub, cands, naf_probs[part], naf_codes)
            label = (cands["row"].to_numpy() == rows[part][cands["q"].to_numpy()]).astype(np.float32)
            # hard negatives (first ranks) all kept, a fifth of the others: faster and as good
            keep = (label > 0) | (cands["rank"].to_numpy() < 30) | (rng.random(len(label)) < 0.2)
            mats.append(feats[keep])
            labels.append(label[keep])
        progress(3, 6, "apprentissage du reclassement")
        x = np.vstack(mats) if mats else np.zeros((0, len(FEATURES)), np.float32)
        y = np.concatenate(labels) if labels else np.zeros(0, np.float32)
        if len(y) == 0 or y.sum() == 0:
            raise ValueError("aucun bulletin d'entraînement ne retrouve son établissement dans le répertoire : "
                             "vérifiez que les SIRET des bulletins sont ceux du répertoire utilisé.")
        params = {"objective": "binary", "learning_rate": 0.08, "num_leaves": 31, "min_data_in_leaf": 20,
                  "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
                  "num_threads": 2, "verbose": -1, "seed": 0, "deterministic": True, "force_row_wise": True}
        self.booster_ = lgb.train(params, lgb.Dataset(x, y, feature_name=list(FEATURES)), self.n_rounds)

        progress(4, 6, "calibration")
        self.mem_key_ = np.array([q.key[i] for i in coded], dtype=str)
        self.mem_dep_ = np.array([deps[i] for i in coded], dtype="U3")
        self.mem_res_ = np.array([res[i] for i in coded], dtype="U5")
        self.mem_siret_ = np.array([siret[i] for i in coded], dtype="U14")
        self._memory_cache = memory
        cal = np.nonzero(calib)[0]
        self.iso_x_ = np.array([0.0, 1.0])
        self.iso_y_ = np.array([0.0, 1.0])
        self.threshold_ = 1.01
        if len(cal):
            scored = self.score(data.iloc[cal].reset_index(drop=True), calibrated=False, own=rows[cal])
            correct = (index.siret[np.maximum(scored.top_rows[:, 0], 0)] == siret[cal]) & (scored.top_rows[:, 0] >= 0)
            correct &= siret[cal] != ""
            raw = scored.top_scores[:, 0]
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, correct.astype(float))
            self.iso_x_ = np.asarray(iso.X_thresholds_, dtype=float)
            self.iso_y_ = np.asarray(iso.y_thresholds_, dtype=float)
            p = np.interp(raw, self.iso_x_, self.iso_y_)
            eligible = ~scored.noncodable
            self.threshold_ = threshold_for(p[eligible], correct[eligible], self.target_precision)
        progress(6, 6, "modèle entraîné")
        return self

    # ---- score ---------------------------------------------------------------------------------------

    def score(self, records: pd.DataFrame, calibrated: bool = True, k: int = 10,
              own: np.ndarray | None = None) -> Scored:
        """Candidates, re-ranked top ``k``, calibrated probability, decisions and NAF suggestions of bulletins."""
        index = self.index()
        records = records.reset_index(drop=True)
        n = len(records)
        q = parse(records)
        naf_probs = self.naf_.proba(q.activity)
        cands = search(index, q, self._memory(index), own=own)
        feats = features(index, q, cands, naf_probs, self.naf_.codes_)
        prob = np.asarray(self.booster_.predict(feats)) if len(feats) else np.zeros(0)
        cands = cands.assign(prob=prob, pair=np.arange(len(cands)))
        ranked = cands.sort_values(["q", "prob"], ascending=[True, False], kind="stable")
        ranked = ranked.assign(pos=ranked.groupby("q").cumcount())
        top = ranked[ranked["pos"] < k]
        top_rows = np.full((n, k), -1, dtype=np.int64)
        top_scores = np.zeros((n, k))
        pair_of_top1 = np.full(n, -1, dtype=np.int64)
        top_pairs = np.full((n, k), -1, dtype=np.int64)
        qv, pv = top["q"].to_numpy(), top["pos"].to_numpy()
        top_rows[qv, pv] = top["row"].to_numpy()
        top_pairs[qv, pv] = top["pair"].to_numpy()
        top_scores[qv, pv] = top["prob"].to_numpy()
        first = top[top["pos"] == 0]
        pair_of_top1[first["q"].to_numpy()] = first["pair"].to_numpy()
        raw = top_scores[:, 0]
        p_top1 = np.interp(raw, self.iso_x_, self.iso_y_) if calibrated else raw
        p_top1 = np.where(top_rows[:, 0] >= 0, p_top1, 0.0)
        p_nc, reason = self.noncodable_.proba(records)
        noncodable = (p_nc >= 0.5) & (p_nc >= p_top1)
        auto = ~noncodable & (p_top1 >= self.threshold_)
        naf_top, naf_scores = self._naf_top(index, naf_probs, top_rows, top_scores, q)
        return Scored(q, cands, prob, top_rows, top_scores, p_top1, auto, noncodable,
                      np.where(noncodable, reason, ""), naf_top, naf_scores, feats, pair_of_top1, top_pairs)

    def _naf_top(self, index: reg.RegisterIndex, naf_probs: np.ndarray, top_rows: np.ndarray,
                 top_scores: np.ndarray, q: Queries, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """NAF top-k: the activity text's suggestion mixed with the activity of the likely establishments."""
        codes = self.naf_.codes_
        pos = {c: i for i, c in enumerate(codes)}
        has_act = np.array([bool(a) for a in q.activity])
        mix = np.where(has_act[:, None], 0.5 * naf_probs, 0.0)
        weights = top_scores / np.maximum(top_scores.sum(axis=1, keepdims=True), 1e-9)
        weights *= np.minimum(1.0, top_scores.sum(axis=1, keepdims=True))
        share = np.where(has_act, 0.5, 1.0)[:, None]
        enaf = np.array([[pos.get(c, -1) for c in row] for row in index.naf[np.maximum(top_rows, 0)]])
        valid = (top_rows >= 0) & (enaf >= 0)
        r, c = np.nonzero(valid)
        np.add.at(mix, (r, enaf[r, c]), (share * weights)[r, c])
        order = np.argsort(-mix, axis=1, kind="stable")[:, :k]
        return codes[order], np.take_along_axis(mix, order, axis=1)

    def remember(self, records: pd.DataFrame, sirets: list[str]) -> None:
        """Add agents' choices to the memory at once (kept in this process; stored feedback joins at retraining)."""
        q = parse(records)
        self.mem_key_ = np.concatenate([self.mem_key_, np.array(q.key, dtype=str)])
        self.mem_dep_ = np.concatenate([self.mem_dep_, q.dep.astype("U3")])
        self.mem_res_ = np.concatenate([self.mem_res_, q.residence.astype("U5")])
        self.mem_siret_ = np.concatenate([self.mem_siret_, np.array(sirets, dtype="U14")])
        self._memory_cache = None

    def contributions(self, feats: np.ndarray) -> np.ndarray:
        """Per-feature contributions (log-odds) of pairs, for explanations."""
        if not len(feats):
            return np.zeros((0, len(FEATURES) + 1))
        return np.asarray(self.booster_.predict(feats, pred_contrib=True))


def threshold_for(p: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Lowest probability threshold whose auto-coded bulletins reach ``target`` precision (1.01: none).

    Precision is judged on every bulletin at or above a threshold (ties included) through its Wilson lower
    bound, so a small calibration set does not promise more than it shows.
    """
    if not len(p):
        return 1.01
    order = np.argsort(-p, kind="stable")
    ps = p[order]
    hits = np.cumsum(correct[order])
    n = np.arange(1, len(p) + 1)
    ends = np.nonzero(np.r_[ps[1:] != ps[:-1], True])[0]  # last position of each run of equal probabilities
    precision = hits[ends] / n[ends]
    z, m = 1.0, n[ends]
    centre = precision + z * z / (2 * m)
    margin = z * np.sqrt(precision * (1 - precision) / m + z * z / (4 * m * m))
    lower = (centre - margin) / (1 + z * z / m)
    ok = np.nonzero(lower >= target)[0]
    if not len(ok):
        return 1.01
    return float(ps[ends[ok[-1]]])


def _subset(q: Queries, rows: np.ndarray) -> Queries:
    """The queries of some bulletins."""
    return Queries(
        key=[q.key[i] for i in rows], commune=q.commune[rows], commune_written=[q.commune_written[i] for i in rows],
        dep=q.dep[rows], residence=q.residence[rows], res_dep=q.res_dep[rows], street=[q.street[i] for i in rows],
        number=[q.number[i] for i in rows], stype=[q.stype[i] for i in rows], activity=[q.activity[i] for i in rows],
    )
