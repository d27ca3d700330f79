"""Risk scoring of customs declarations: engineered risk features, LightGBM, calibration, SHAP drivers.

Features are computed from the training data only:

- unit value (price per kg) against the reference distribution of the same HS6 × origin (robust z-score
  and quantile), falling back to HS6, HS4 then HS2 when the cell is thin; the importer's own usual unit
  value for the same good;
- out-of-fold target encoding (contiguous time blocks, smoothed) of importer, declarant, seller, office,
  courier, goods and their pairs with the HS6 code — the parties' risk profiles;
- the tax rate and its gaps to the reference rates of the HS4 and HS6 (misclassification, preferences);
- history counts (how much each party, good and pair has been seen).

A LightGBM booster gives the fraud score, calibrated (Platt) on the latest slice of the training period;
a second booster gives the critical-fraud class; a third, when the training data says which kind of fraud
each case was, the suspected fraud type. Drivers come from LightGBM's exact TreeSHAP contributions.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

CATEGORICAL = (
    "office_id", "process_type", "import_type", "import_use", "payment_type", "mode_of_transport",
    "tax_type", "country_of_origin_indicator", "country_of_origin", "country_of_departure",
)
"""Low-cardinality record fields given to LightGBM as categories."""

ENCODED_KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "office": ("office_id",),
    "courier": ("courier_id",),
    "hs6": ("hs6_code",),
    "hs4": ("hs4",),
    "origin": ("country_of_origin",),
    "hs6_origin": ("hs6_code", "country_of_origin"),
    "importer_hs6": ("importer_id", "hs6_code"),
    "declarant_hs6": ("declarant_id", "hs6_code"),
    "seller_hs6": ("seller_id", "hs6_code"),
    "office_hs6": ("office_id", "hs6_code"),
    "importer_declarant": ("importer_id", "declarant_id"),
    "importer_seller": ("importer_id", "seller_id"),
}
"""Keys whose past fraud rate is target-encoded (risk profiles)."""

CRITICAL_KEYS = ("importer", "hs6", "hs4", "declarant")
"""Keys whose past critical-fraud rate is also encoded."""

UV_LEVELS: tuple[tuple[str, ...], ...] = (("hs6_code", "country_of_origin"), ("hs6_code",), ("hs4",), ("hs2",))
"""Reference cells for unit values, most specific first."""
QUANTILES = np.linspace(0.05, 0.95, 19)
MIN_REFERENCE = 20
"""Fewest declarations a unit-value cell needs before it is used as the reference."""
MISSING = "∅"

FAMILY = {"valeur": 0, "classement": 1, "origine": 2}
TYPE_NAMES = ("valeur", "classement", "origine")


# ---- French labels of features ----------------------------------------------------------------------

_PARTY_LABELS = {
    "importer": "l'importateur", "declarant": "le déclarant", "seller": "le vendeur", "office": "le bureau",
    "courier": "le transporteur express", "hs6": "la sous-position SH6", "hs4": "la position SH4",
    "origin": "l'origine déclarée", "hs6_origin": "le couple SH6 × origine",
    "importer_hs6": "le couple importateur × SH6", "declarant_hs6": "le couple déclarant × SH6",
    "seller_hs6": "le couple vendeur × SH6", "office_hs6": "le couple bureau × SH6",
    "importer_declarant": "le couple importateur × déclarant", "importer_seller": "le couple importateur × vendeur",
}
_CAT_LABELS = {
    "office_id": "Bureau de dédouanement", "process_type": "Type de procédure", "import_type": "Régime douanier",
    "import_use": "Usage des marchandises", "payment_type": "Mode de paiement",
    "mode_of_transport": "Mode de transport",
    "tax_type": "Type de taux (préférence)", "country_of_origin_indicator": "Justificatif d'origine",
    "country_of_origin": "Pays d'origine", "country_of_departure": "Pays de provenance",
}


@dataclass(frozen=True)
class FeatureSpec:
    """A model feature: French label, how its value is shown, and the fraud family it points to."""

    name: str
    label: str
    kind: str
    family: int = -1


def feature_specs() -> list[FeatureSpec]:
    """All features, in model column order."""
    specs = [FeatureSpec(c, _CAT_LABELS[c], "raw", 2 if c in ("country_of_origin", "country_of_departure",
                                                                  "country_of_origin_indicator", "tax_type") else -1)
             for c in CATEGORICAL]
    specs += [
        FeatureSpec("log_price", "Valeur déclarée", "money_log", 0),
        FeatureSpec("log_mass", "Masse nette (kg)", "mass_log", 0),
        FeatureSpec("log_uv", "Valeur unitaire (par kg)", "money_log", 0),
        FeatureSpec("uv_z", "Écart de la valeur unitaire à la référence (z robuste)", "z", 0),
        FeatureSpec("uv_q", "Rang de la valeur unitaire dans la référence", "quantile", 0),
        FeatureSpec("uv_level", "Finesse de la référence de valeur unitaire", "level", 0),
        FeatureSpec("uv_z_hs6", "Écart de la valeur unitaire à la référence SH6", "z", 0),
        FeatureSpec("uv_z_own", "Écart à la valeur unitaire habituelle de l'importateur pour ce SH6", "z", 0),
        FeatureSpec("tax_rate", "Taux de droit appliqué", "pct", 1),
        FeatureSpec("gap_hs4_min", "Écart au taux minimal de la position SH4", "pts", 1),
        FeatureSpec("gap_hs4_med", "Écart au taux médian de la position SH4", "pts", 1),
        FeatureSpec("gap_hs6_max", "Réduction de taux par rapport au droit plein du SH6", "pts", 2),
        FeatureSpec("log_duty", "Droits déclarés", "money_log", -1),
        FeatureSpec("origin_share", "Part de cette origine dans les importations du SH6", "share", 2),
        FeatureSpec("importer_origin_share", "Part de cette origine chez l'importateur", "share", 2),
        FeatureSpec("origin_ne_departure", "Origine différente de la provenance", "flag", 2),
    ]
    for key in ENCODED_KEYS:
        fam = 2 if key in ("origin", "hs6_origin") else 1 if key in ("hs6", "hs4") else -1
        specs.append(FeatureSpec(f"te_{key}", f"Taux de fraude passé pour {_PARTY_LABELS[key]}", "rate", fam))
        specs.append(FeatureSpec(f"n_{key}", f"Déclarations passées pour {_PARTY_LABELS[key]}", "count", -1))
    for key in CRITICAL_KEYS:
        specs.append(FeatureSpec(f"tc_{key}", f"Taux de fraude critique passé pour {_PARTY_LABELS[key]}", "rate"))
    return specs


# ---- preparation ----------------------------------------------------------------------------------


def _text(col: pd.Series) -> np.ndarray:
    """A string column as an object array, blanks replaced by a token."""
    values = col.astype(object).where(col.notna(), MISSING).astype(str).to_numpy(dtype=object)
    values[values == ""] = MISSING
    return values


def prepare(records: pd.DataFrame) -> dict[str, np.ndarray]:
    """Normalised columns the features are computed from (strings, codes, numbers)."""
    cols: dict[str, np.ndarray] = {}
    for c in ("importer_id", "declarant_id", "seller_id", "office_id", "courier_id", *CATEGORICAL):
        if c not in cols:
            cols[c] = _text(records[c])
    hs6 = pd.Series(_text(records["hs6_code"])).str.strip().str.zfill(6).to_numpy(dtype=object)
    cols["hs6_code"] = hs6
    cols["hs4"] = pd.Series(hs6).str[:4].to_numpy(dtype=object)
    cols["hs2"] = pd.Series(hs6).str[:2].to_numpy(dtype=object)
    mass = pd.to_numeric(records["net_mass"], errors="coerce").to_numpy(dtype=float)
    price = pd.to_numeric(records["item_price"], errors="coerce").to_numpy(dtype=float)
    rate = pd.to_numeric(records["tax_rate"], errors="coerce").to_numpy(dtype=float)
    cols["net_mass"], cols["item_price"], cols["tax_rate"] = mass, price, rate
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["log_uv"] = np.where((mass > 0) & (price > 0), np.log(price / np.where(mass > 0, mass, 1.0)), np.nan)
    return cols


def _key(cols: dict[str, np.ndarray], parts: tuple[str, ...]) -> np.ndarray:
    """Composite key strings for a tuple of prepared columns."""
    if len(parts) == 1:
        return cols[parts[0]]
    out = pd.Series(cols[parts[0]])
    for p in parts[1:]:
        out = out + "|" + pd.Series(cols[p])
    return out.to_numpy(dtype=object)


def _lookup(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Positions of ``values`` in the table ``keys`` (-1 when unseen)."""
    return np.asarray(pd.Index(keys).get_indexer(values))


@dataclass
class _Table:
    """Per-key aggregates: keys, count, fraud sum, critical sum."""

    keys: np.ndarray
    count: np.ndarray
    fraud: np.ndarray
    critical: np.ndarray


def _aggregate(keys: np.ndarray, y: np.ndarray, crit: np.ndarray) -> _Table:
    """Count and label sums per key."""
    codes, uniques = pd.factorize(keys)
    n = np.bincount(codes, minlength=len(uniques)).astype(float)
    s = np.bincount(codes, weights=y, minlength=len(uniques))
    c = np.bincount(codes, weights=crit, minlength=len(uniques))
    return _Table(np.asarray(uniques, dtype=str), n, s, c)


def _encode(table: _Table, keys: np.ndarray, prior: float, prior_c: float, smoothing: float,
            scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Smoothed fraud rate, scaled count and smoothed critical rate for ``keys`` from ``table``."""
    pos = _lookup(table.keys, keys)
    seen = pos >= 0
    n = np.where(seen, table.count[pos], 0.0)
    s = np.where(seen, table.fraud[pos], 0.0)
    c = np.where(seen, table.critical[pos], 0.0)
    return (s + smoothing * prior) / (n + smoothing), n * scale, (c + smoothing * prior_c) / (n + smoothing)


@dataclass
class _UnitValueRef:
    """Reference distribution of log unit values per cell of one level."""

    keys: np.ndarray
    count: np.ndarray
    median: np.ndarray
    mad: np.ndarray
    quantiles: np.ndarray


def _uv_reference(keys: np.ndarray, log_uv: np.ndarray) -> _UnitValueRef:
    """Median, MAD and quantiles of the log unit value per key (vectorised by sorting)."""
    ok = np.isfinite(log_uv)
    codes, uniques = pd.factorize(keys[ok])
    v = log_uv[ok]
    order = np.lexsort((v, codes))
    codes, v = codes[order], v[order]
    n = np.bincount(codes, minlength=len(uniques))
    start = np.concatenate([[0], np.cumsum(n)[:-1]])

    def at(q: float | np.ndarray) -> np.ndarray:
        return v[start[:, None] + np.floor(np.asarray(q) * (n[:, None] - 1)).astype(int)] if len(n) else np.zeros((0,))

    qs = at(QUANTILES) if len(n) else np.zeros((0, len(QUANTILES)))
    med = at(np.array([0.5]))[:, 0] if len(n) else np.zeros(0)
    dev = np.abs(v - med[codes])
    order2 = np.lexsort((dev, codes))
    dev = dev[order2]
    mad = dev[start + np.floor(0.5 * (n - 1)).astype(int)] if len(n) else np.zeros(0)
    return _UnitValueRef(np.asarray(uniques, dtype=str), n.astype(float), med, mad, qs)


# ---- the fitted model -----------------------------------------------------------------------------


class CustomsRiskModel:
    """Fitted risk model: reference tables, boosters, calibration; persisted with skops."""

    def __init__(self, smoothing: float = 10.0, n_folds: int = 5, calibration_share: float = 0.15,
                 num_leaves: int = 31, learning_rate: float = 0.05, max_trees: int = 600,
                 seed: int = 0, n_jobs: int = 2, refit: bool = False, heads: bool = True) -> None:
        self.smoothing = smoothing
        self.heads = heads
        self.refit = refit
        self.n_folds = n_folds
        self.calibration_share = calibration_share
        self.num_leaves = num_leaves
        self.learning_rate = learning_rate
        self.max_trees = max_trees
        self.seed = seed
        self.n_jobs = n_jobs

    # ---- reference tables (label-free) and encoders (labelled) ----------------------------------

    def _fit_references(self, cols: dict[str, np.ndarray]) -> None:
        """Unit-value and tax-rate references, category vocabularies: label-free, from training rows."""
        self.vocab_: dict[str, np.ndarray] = {}
        for c in CATEGORICAL:
            vc = pd.Series(cols[c]).value_counts()
            self.vocab_[c] = np.asarray(vc.index[vc >= 5], dtype=str)
        self.uv_refs_: list[_UnitValueRef] = [_uv_reference(_key(cols, lv), cols["log_uv"]) for lv in UV_LEVELS]
        own = _key(cols, ("importer_id", "hs6_code"))
        self.uv_own_ = _uv_reference(own, cols["log_uv"])
        rate = cols["tax_rate"]
        frame = pd.DataFrame({"hs4": cols["hs4"], "hs6": cols["hs6_code"], "hs2": cols["hs2"], "rate": rate})
        g4 = frame.groupby("hs4")["rate"].agg(["min", "median", "max"])
        g6 = frame.groupby("hs6")["rate"].agg(["max", "median"])
        g2 = frame.groupby("hs2")["rate"].quantile(0.75)
        self.hs4_keys_ = np.asarray(g4.index, dtype=str)
        self.hs4_rates_ = g4.to_numpy(dtype=float)
        self.hs6_keys_ = np.asarray(g6.index, dtype=str)
        self.hs6_rates_ = g6.to_numpy(dtype=float)
        self.hs2_keys_ = np.asarray(g2.index, dtype=str)
        self.hs2_rates_ = g2.to_numpy(dtype=float)
        hs6_origin = _aggregate(_key(cols, ("hs6_code", "country_of_origin")), np.zeros(len(rate)), np.zeros(len(rate)))
        self.origin_pair_ = (hs6_origin.keys, hs6_origin.count)
        imp_origin = _aggregate(_key(cols, ("importer_id", "country_of_origin")), np.zeros(len(rate)),
                                np.zeros(len(rate)))
        self.importer_origin_ = (imp_origin.keys, imp_origin.count)

    def _fit_tables(self, cols: dict[str, np.ndarray], y: np.ndarray, crit: np.ndarray) -> dict[str, _Table]:
        """Label aggregates per encoded key."""
        return {k: _aggregate(_key(cols, parts), y, crit) for k, parts in ENCODED_KEYS.items()}

    # ---- features -------------------------------------------------------------------------------

    def _base_features(self, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Label-free features: categories, amounts, unit-value deviations, rate gaps, shares."""
        f: dict[str, np.ndarray] = {}
        for c in CATEGORICAL:
            pos = _lookup(self.vocab_[c], cols[c])
            f[c] = np.where(pos >= 0, pos, np.nan).astype(float)
        price, mass, rate, log_uv = cols["item_price"], cols["net_mass"], cols["tax_rate"], cols["log_uv"]
        f["log_price"] = np.log1p(np.clip(price, 0, None))
        f["log_mass"] = np.log1p(np.clip(mass, 0, None))
        f["log_uv"] = log_uv
        n_rows = len(price)
        z = np.full(n_rows, np.nan)
        q = np.full(n_rows, np.nan)
        level = np.full(n_rows, float(len(UV_LEVELS)))
        med_ref = np.full(n_rows, np.nan)
        z_hs6 = np.full(n_rows, np.nan)
        for i, (lv, ref) in enumerate(zip(UV_LEVELS, self.uv_refs_, strict=True)):
            pos = _lookup(ref.keys, _key(cols, lv))
            ok = (pos >= 0) & np.isnan(z) & np.isfinite(log_uv)
            ok &= np.where(pos >= 0, ref.count[pos], 0) >= MIN_REFERENCE
            p = pos[ok]
            scale = 1.4826 * ref.mad[p] + 0.05
            z[ok] = (log_uv[ok] - ref.median[p]) / scale
            q[ok] = (ref.quantiles[p] <= log_uv[ok, None]).mean(axis=1)
            level[ok] = i
            med_ref[ok] = ref.median[p]
            if lv == ("hs6_code",):
                seen = (pos >= 0) & np.isfinite(log_uv)
                ps = pos[seen]
                z_hs6[seen] = (log_uv[seen] - ref.median[ps]) / (1.4826 * ref.mad[ps] + 0.05)
        f["uv_z"], f["uv_q"], f["uv_level"], f["uv_z_hs6"] = z, q, level, z_hs6
        own_pos = _lookup(self.uv_own_.keys, _key(cols, ("importer_id", "hs6_code")))
        own_ok = (own_pos >= 0) & np.isfinite(log_uv)
        own_ok &= np.where(own_pos >= 0, self.uv_own_.count[own_pos], 0) >= 3
        z_own = np.full(n_rows, np.nan)
        po = own_pos[own_ok]
        z_own[own_ok] = (log_uv[own_ok] - self.uv_own_.median[po]) / (1.4826 * self.uv_own_.mad[po] + 0.05)
        f["uv_z_own"] = z_own
        f["tax_rate"] = rate
        p4 = _lookup(self.hs4_keys_, cols["hs4"])
        r4 = np.where(p4[:, None] >= 0, self.hs4_rates_[p4], np.nan)
        p6 = _lookup(self.hs6_keys_, cols["hs6_code"])
        r6 = np.where(p6[:, None] >= 0, self.hs6_rates_[p6], np.nan)
        f["gap_hs4_min"] = rate - r4[:, 0]
        f["gap_hs4_med"] = rate - r4[:, 1]
        f["gap_hs6_max"] = r6[:, 0] - rate
        f["log_duty"] = np.log1p(np.clip(price * rate / 100.0, 0, None))
        keys6, n6 = self.origin_pair_
        pos = _lookup(keys6, _key(cols, ("hs6_code", "country_of_origin")))
        hs6_total = np.where(p6 >= 0, 1.0, np.nan)
        hs6_counts = pd.Series(keys6).str.split("|").str[0]
        totals = pd.Series(n6).groupby(hs6_counts.to_numpy()).sum()
        tot = totals.reindex(cols["hs6_code"]).to_numpy(dtype=float)
        f["origin_share"] = np.where(pos >= 0, n6[np.maximum(pos, 0)], 0.0) / tot * hs6_total
        keys_i, n_i = self.importer_origin_
        pos_i = _lookup(keys_i, _key(cols, ("importer_id", "country_of_origin")))
        imp_tot = pd.Series(n_i).groupby(pd.Series(keys_i).str.split("|").str[0].to_numpy()).sum()
        tot_i = imp_tot.reindex(cols["importer_id"]).to_numpy(dtype=float)
        f["importer_origin_share"] = np.where(pos_i >= 0, n_i[np.maximum(pos_i, 0)], 0.0) / tot_i
        f["origin_ne_departure"] = (cols["country_of_origin"] != cols["country_of_departure"]).astype(float)
        f["_ref_median"] = med_ref
        f["_hs4_max"] = r4[:, 2]
        f["_hs6_max"] = r6[:, 0]
        p2 = _lookup(self.hs2_keys_, cols["hs2"])
        f["_hs2_q75"] = np.where(p2 >= 0, self.hs2_rates_[np.maximum(p2, 0)], np.nan)
        return f

    def _encoded_features(self, cols: dict[str, np.ndarray], tables: dict[str, _Table], scale: float,
                          rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Target-encoded risk profiles of ``cols`` (restricted to ``rows``) from ``tables``."""
        f: dict[str, np.ndarray] = {}
        for k, parts in ENCODED_KEYS.items():
            keys = _key(cols, parts)
            if rows is not None:
                keys = keys[rows]
            te, n, tc = _encode(tables[k], keys, self.prior_, self.prior_c_, self.smoothing, scale)
            f[f"te_{k}"], f[f"n_{k}"] = te, n
            if k in CRITICAL_KEYS:
                f[f"tc_{k}"] = tc
        return f

    def _matrix(self, base: dict[str, np.ndarray], enc: dict[str, np.ndarray],
                rows: np.ndarray | None = None) -> np.ndarray:
        """Feature matrix in model column order."""
        out = np.empty((len(next(iter(enc.values()))), len(self.feature_names_)), dtype=np.float64)
        for j, name in enumerate(self.feature_names_):
            col = enc[name] if name in enc else base[name]
            out[:, j] = col if rows is None or name in enc else col[rows]
        return out

    def _oof(self, cols: dict[str, np.ndarray], base: dict[str, np.ndarray], y: np.ndarray,
             crit: np.ndarray) -> np.ndarray:
        """Training matrix whose encodings of each time block come from the other blocks only."""
        n = len(y)
        blocks = np.array_split(np.arange(n), self.n_folds)
        keys = {k: _key(cols, parts) for k, parts in ENCODED_KEYS.items()}
        X = np.empty((n, len(self.feature_names_)))
        for block in blocks:
            other = np.ones(n, dtype=bool)
            other[block] = False
            tables = {k: _aggregate(keys[k][other], y[other], crit[other]) for k in ENCODED_KEYS}
            enc = {}
            for k in ENCODED_KEYS:
                te, cnt, tc = _encode(tables[k], keys[k][block], self.prior_, self.prior_c_, self.smoothing,
                                      n / max(int(other.sum()), 1))
                enc[f"te_{k}"], enc[f"n_{k}"] = te, cnt
                if k in CRITICAL_KEYS:
                    enc[f"tc_{k}"] = tc
            X[block] = self._matrix(base, enc, block)
        return X

    def features(self, records: pd.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Feature matrix of new records (encodings from the whole training data), with helper columns."""
        cols = prepare(records)
        base = self._base_features(cols)
        enc = self._encoded_features(cols, self.tables_, 1.0)
        return self._matrix(base, enc), base, cols

    # ---- fitting --------------------------------------------------------------------------------

    def _params(self, objective: str, **extra: Any) -> dict[str, Any]:
        return {
            "objective": objective, "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "min_data_in_leaf": 40, "feature_fraction": 0.7, "bagging_fraction": 0.8, "bagging_freq": 1,
            "lambda_l2": 1.0, "max_depth": 8, "cat_smooth": 10.0, "verbose": -1, "seed": self.seed,
            "num_threads": self.n_jobs, "deterministic": True, "force_row_wise": True, **extra,
        }

    def _cat_idx(self) -> list[int]:
        return [self.feature_names_.index(c) for c in CATEGORICAL]

    def fit(self, records: pd.DataFrame, y: np.ndarray, crit: np.ndarray,
            fraud_type: np.ndarray | None = None) -> CustomsRiskModel:
        """Fit on records sorted by date: boosters on the early part, calibration on the latest slice."""
        order = np.argsort(pd.to_datetime(records["date"]).to_numpy(), kind="stable")
        records = records.iloc[order].reset_index(drop=True)
        y = np.asarray(y, dtype=float)[order]
        crit = np.asarray(crit, dtype=float)[order]
        crit2 = (crit >= 2).astype(float)
        self.feature_names_ = [s.name for s in feature_specs()]
        self.prior_ = float(y.mean())
        self.prior_c_ = float(crit2.mean())
        n = len(y)
        cut = int(n * (1.0 - self.calibration_share))
        early = slice(0, cut)

        # boosters learn on the early part (out-of-fold encodings); the late slice plays "the future"
        cols_all = prepare(records)
        cols_early = {k: v[early] for k, v in cols_all.items()}
        self._fit_references(cols_early)
        base_early = self._base_features(cols_early)
        X_early = self._oof(cols_early, base_early, y[early], crit2[early])
        tables_early = self._fit_tables(cols_early, y[early], crit2[early])
        cols_late = {k: v[cut:] for k, v in cols_all.items()}
        X_late = self._matrix(self._base_features(cols_late), self._encoded_features(cols_late, tables_early, 1.0))
        y_early, y_late = y[early], y[cut:]

        train = lgb.Dataset(X_early, y_early, categorical_feature=self._cat_idx(), free_raw_data=False)
        valid = lgb.Dataset(X_late, y_late, reference=train)
        booster = lgb.train(self._params("binary", metric="auc"), train, num_boost_round=self.max_trees,
                            valid_sets=[valid], callbacks=[lgb.early_stopping(60, verbose=False)])
        self.best_iteration_ = int(booster.best_iteration or self.max_trees)
        margin = np.asarray(booster.predict(X_late, num_iteration=self.best_iteration_, raw_score=True))
        self.platt_ = _platt(margin, y_late)

        # critical head: critical (2) against the rest; thresholds tuned for macro-F1 on the late slice
        crit_booster = lgb.train(self._params("binary", scale_pos_weight=3.0), lgb.Dataset(
            X_early, crit2[early], categorical_feature=self._cat_idx()),
            num_boost_round=max(60, self.best_iteration_) if self.heads else 1)
        p_late = 1.0 / (1.0 + np.exp(-(self.platt_[0] * margin + self.platt_[1])))
        self.critical_thresholds_ = _tune_critical(p_late, np.asarray(crit_booster.predict(X_late)),
                                                   np.clip(crit[cut:], 0, 2).astype(int))

        # fraud-type head when the training data carries the kind of fraud
        self.type_booster_: lgb.Booster | None = None
        if fraud_type is not None:
            ft = pd.Series(np.asarray(fraud_type, dtype=object)[order]).map(FAMILY).to_numpy(dtype=float)
            has = (y == 1) & np.isfinite(ft)
            has_early = has[:cut]
            if has_early.sum() >= 30 and len(np.unique(ft[:cut][has_early])) == 3:
                self.type_booster_ = lgb.train(
                    self._params("multiclass", num_class=3, min_data_in_leaf=10),
                    lgb.Dataset(X_early[has_early], ft[:cut][has_early].astype(int),
                                categorical_feature=self._cat_idx()), num_boost_round=150)

        # scoring uses references and risk profiles from the whole training period
        self._fit_references(cols_all)
        self.tables_ = self._fit_tables(cols_all, y, crit2)
        if self.refit:
            # the booster also learns from the latest slice; Platt scaling and thresholds are kept
            X_all = self._oof(cols_all, self._base_features(cols_all), y, crit2)
            rounds = int(self.best_iteration_ * n / max(cut, 1))
            booster = lgb.train(self._params("binary"), lgb.Dataset(X_all, y, categorical_feature=self._cat_idx()),
                                num_boost_round=rounds)
            self.best_iteration_ = rounds
        self.booster_ = booster
        self.critical_booster_ = crit_booster
        self.n_train_ = n
        return self

    # ---- scoring --------------------------------------------------------------------------------

    def predict_proba(self, records: pd.DataFrame) -> np.ndarray:
        """Calibrated fraud probability of each record."""
        X, _, _ = self.features(records)
        return self._calibrated(X)

    def _calibrated(self, X: np.ndarray) -> np.ndarray:
        margin = np.asarray(self.booster_.predict(X, num_iteration=self.best_iteration_, raw_score=True))
        a, b = self.platt_
        return 1.0 / (1.0 + np.exp(-(a * margin + b)))

    def score(self, records: pd.DataFrame, explain: bool = True) -> pd.DataFrame:
        """Score, critical class, suspected type, duty at stake and drivers for each record."""
        X, base, cols = self.features(records)
        prob = self._calibrated(X)
        pc = np.asarray(self.critical_booster_.predict(X))
        crit_class = critical_classes(prob, pc, self.critical_thresholds_)
        out = pd.DataFrame({"score": prob, "critical_class": crit_class, "critical_probability": pc})
        # SHAP contributions (the costly part) only for declarations worth a look
        explained = np.nonzero(prob >= EXPLAIN_THRESHOLD)[0] if explain else np.zeros(0, dtype=int)
        kind = evidence_type(base)
        if self.type_booster_ is not None and not explain:
            kind = np.argmax(self.type_booster_.predict(X), axis=1).astype(int)
        contrib = np.zeros((0, X.shape[1]))
        if len(explained):
            contrib = np.asarray(self.booster_.predict(X[explained], num_iteration=self.best_iteration_,
                                                       pred_contrib=True))[:, :-1]
            if self.type_booster_ is not None:
                kind[explained] = np.argmax(self.type_booster_.predict(X[explained]), axis=1)
            else:
                kind[explained] = _family_from_contrib(contrib)
        kind_names = np.array(TYPE_NAMES, dtype=object)[kind]
        suspect = prob >= SUSPECT_THRESHOLD
        out["fraud_type"] = pd.Series(np.where(suspect, kind_names, None), dtype=object)
        duty = np.round(duty_estimate(kind, base, cols), 2)
        out["duty_at_stake"] = duty
        if explain:
            drivers = np.full(len(prob), "Risque faible : facteurs non détaillés.", dtype=object)
            low = json.dumps("Risque faible : pas de fraude caractérisée ; facteurs non détaillés.", ensure_ascii=False)
            explanations = np.array([f'{{"summary":{low},"factors":[],"highlights":[]}}'] * len(prob), dtype=object)
            if len(explained):
                sub_base = {k: v[explained] for k, v in base.items()}
                sub_cols = {k: v[explained] for k, v in cols.items()}
                d, e = describe(contrib, X[explained], sub_cols, prob[explained],
                                out["fraud_type"].to_numpy()[explained], duty[explained], sub_base)
                drivers[explained] = d
                explanations[explained] = e
            out["drivers"] = drivers
            out["explanation"] = explanations
        return out


SUSPECT_THRESHOLD = 0.2
"""Calibrated probability from which a suspected fraud type is named."""
EXPLAIN_THRESHOLD = 0.1
"""Calibrated probability from which the SHAP drivers are computed (they cost more than the score)."""


def _platt(margin: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling of raw margins (strictly monotone, so rankings keep no ties)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(margin.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def critical_classes(fraud: np.ndarray, critical: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    """Class 2 when the critical probability passes t2, else 1 when the fraud probability passes t1, else 0."""
    t1, t2 = thresholds
    return np.where(critical >= t2, 2, np.where(fraud >= t1, 1, 0)).astype(int)


def macro_f1(truth: np.ndarray, pred: np.ndarray, classes: tuple[int, ...] = (0, 1, 2)) -> float:
    """Macro-averaged F1 over ``classes`` (a class absent from both truth and prediction is skipped)."""
    scores = []
    for c in classes:
        tp = float(np.sum((pred == c) & (truth == c)))
        fp = float(np.sum((pred == c) & (truth != c)))
        fn = float(np.sum((pred != c) & (truth == c)))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def _tune_critical(fraud: np.ndarray, critical: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Thresholds maximising macro-F1 on a held-out slice."""
    best = (0.5, 1.01)
    best_f1 = -1.0
    for t1 in np.linspace(0.1, 0.9, 17):
        for t2 in (*np.quantile(critical, np.linspace(0.8, 0.999, 40)), 1.01):
            f1 = macro_f1(truth, critical_classes(fraud, critical, (float(t1), float(t2))))
            if f1 > best_f1:
                best, best_f1 = (float(t1), float(t2)), f1
    return best


def _family_from_contrib(contrib: np.ndarray) -> np.ndarray:
    """Suspected fraud type: the family of features pushing the score up the most."""
    fam = np.array([s.family for s in feature_specs()])
    sums = np.stack([np.clip(contrib[:, fam == k], 0, None).sum(axis=1) for k in range(3)], axis=1)
    return np.argmax(sums, axis=1)


def evidence_type(base: dict[str, np.ndarray]) -> np.ndarray:
    """Fraud type from plain evidence (used where SHAP is not computed): value, rate gap, preference."""
    low_value = np.nan_to_num(base["uv_z"], nan=0.0) < -1.5
    low_rate = np.nan_to_num(base["gap_hs4_med"], nan=0.0) < -2.0
    preference = np.nan_to_num(base["gap_hs6_max"], nan=0.0) > 2.0
    return np.select([low_value, low_rate, preference], [0, 1, 2], 0).astype(int)


def duty_estimate(kind: np.ndarray, base: dict[str, np.ndarray], cols: dict[str, np.ndarray]) -> np.ndarray:
    """Duty evaded if the suspected fraud is confirmed, from the reference unit value and rates."""
    price, mass, rate = cols["item_price"], cols["net_mass"], cols["tax_rate"]
    full = np.nan_to_num(np.fmax(base["_hs6_max"], rate), nan=0.0)
    expected = mass * np.exp(np.nan_to_num(base["_ref_median"], nan=-np.inf))
    value_gap = np.clip(expected - price, 0, None)
    value_duty = value_gap * np.where(rate > 0, rate, full) / 100.0
    higher = np.nan_to_num(np.fmax(base["_hs4_max"], base["_hs2_q75"]), nan=0.0)
    class_duty = price * np.clip(higher - rate, 0, None) / 100.0
    origin_duty = price * np.clip(full - rate, 0, None) / 100.0
    out = np.select([kind == 0, kind == 1], [value_duty, class_duty], origin_duty)
    return np.nan_to_num(np.clip(out, 0, None), nan=0.0)


# ---- explanations (vectorised string building) -----------------------------------------------------

NNBSP = "\u202f"


def fr_number(x: float, decimals: int = 0) -> str:
    """A number in French format (narrow no-break space for thousands, comma for decimals)."""
    if not math.isfinite(x):
        return "inconnu"
    text = f"{x:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def _format_values(kind: str, values: np.ndarray, raw: np.ndarray | None) -> list[str]:
    """French text of feature values of one kind."""
    if kind == "raw" and raw is not None:
        return [str(v) for v in raw]
    out: list[str] = []
    for v in values.tolist():
        if v != v:  # NaN
            out.append("inconnu")
        elif kind == "money_log":
            out.append(fr_number(math.expm1(v) if v < 50 else math.exp(v)))
        elif kind == "mass_log":
            out.append(f"{fr_number(math.expm1(v), 1)} kg")
        elif kind == "z":
            out.append(fr_number(v, 1))
        elif kind in ("quantile", "rate", "share"):
            out.append(f"{fr_number(100 * v, 1 if kind == 'rate' else 0)}{NNBSP}%")
        elif kind == "pct":
            out.append(f"{fr_number(v, 1)}{NNBSP}%")
        elif kind == "pts":
            out.append(f"{fr_number(v, 1)} pts")
        elif kind == "count":
            out.append(fr_number(v))
        elif kind == "flag":
            out.append("oui" if v >= 0.5 else "non")
        elif kind == "level":
            out.append(("SH6 × origine", "SH6", "SH4", "SH2", "aucune")[int(v)])
        else:
            out.append(fr_number(v, 2))
    return out


def describe(contrib: np.ndarray, X: np.ndarray, cols: dict[str, np.ndarray], prob: np.ndarray,
             fraud_type: np.ndarray, duty: np.ndarray, base: dict[str, np.ndarray]) -> tuple[list[str], list[str]]:
    """Drivers text and Explanation JSON per row, from the five largest SHAP contributions."""
    specs = feature_specs()
    n, k = len(prob), 5
    top = np.argsort(-np.abs(contrib), axis=1)[:, :k]
    weights = np.take_along_axis(contrib, top, axis=1)
    texts = np.empty((n, k), dtype=object)
    for j in np.unique(top):
        mask = top == j
        rows = np.nonzero(mask.any(axis=1))[0]
        spec = specs[j]
        raw = cols[spec.name][rows] if spec.kind == "raw" else None
        vals = _format_values(spec.kind, X[rows, j], raw)
        val_by_row = dict(zip(rows.tolist(), vals, strict=True))
        rr, cc = np.nonzero(mask)
        texts[rr, cc] = [val_by_row[r] for r in rr.tolist()]
    labels = np.array([s.label for s in specs], dtype=object)[top]
    label_json = np.array([json.dumps(s.label, ensure_ascii=False) for s in specs], dtype=object)[top]
    signs = np.where(weights > 0, "↑", "↓")
    drivers = ["; ".join(f"{s} {lab} ({val})" for s, lab, val in zip(sr, lr, vr, strict=True))
               for sr, lr, vr in zip(signs.tolist(), labels.tolist(), texts.tolist(), strict=True)]
    summaries = _summaries(prob, fraud_type, duty, base)
    explanations = []
    for i in range(n):
        factors = ",".join(
            f'{{"label":{label_json[i, m]},"value":{json.dumps(texts[i, m], ensure_ascii=False)},'
            f'"weight":{round(float(weights[i, m]), 4)}}}'
            for m in range(k)
        )
        explanations.append(f'{{"summary":{summaries[i]},"factors":[{factors}],"highlights":[]}}')
    return drivers, explanations


def _summaries(prob: np.ndarray, fraud_type: np.ndarray, duty: np.ndarray, base: dict[str, np.ndarray]) -> list[str]:
    """JSON-encoded French summary sentence per row, with the evidence of the suspected fraud."""
    from iapublique.services.customs_fraud.schema import FRAUD_TYPE_LABELS

    z = base["uv_z"]
    gap6 = base["gap_hs6_max"]
    gap4 = base["gap_hs4_med"]
    out = []
    for p, ft, d, zi, g6, g4 in zip(prob.tolist(), fraud_type.tolist(), duty.tolist(), z.tolist(), gap6.tolist(),
                                    gap4.tolist(), strict=True):
        head = f"Probabilité de fraude {fr_number(100 * p, 1)}{NNBSP}%."
        if not isinstance(ft, str):
            text = f"{head} Risque faible : pas de fraude caractérisée."
        else:
            if ft == "valeur":
                ev = (f"valeur unitaire à {fr_number(zi, 1)} écarts robustes de la référence"
                      if zi == zi else "valeur unitaire sans référence comparable")
            elif ft == "classement":
                ev = (f"taux appliqué {fr_number(g4, 1)} pts par rapport au taux médian de la position SH4"
                      if g4 == g4 else "position tarifaire peu connue")
            else:
                ev = (f"préférence de {fr_number(g6, 1)} pts sur le droit plein du SH6"
                      if g6 == g6 else "origine peu connue pour ce produit")
            text = (f"{head} Soupçon : {FRAUD_TYPE_LABELS[ft]} ({ev}) ; droits en jeu estimés à "
                    f"{fr_number(d)}.")
        out.append(json.dumps(text, ensure_ascii=False))
    return out


# ---- selection for inspection --------------------------------------------------------------------


def select_for_inspection(scores: np.ndarray, capacity: float, exploration: float = 0.1,
                          seed: int = 0) -> pd.DataFrame:
    """Rows to inspect: top (1-e)·N by score plus e·N drawn at random below the cut, flagged as exploration.

    ``capacity`` is a number of declarations (≥ 1) or a share of the batch (between 0 and 1).
    Returns the selected row positions with their score and an ``exploration`` flag, best first.
    """
    scores = np.asarray(scores, dtype=float)
    n = len(scores)
    if not 0.0 <= exploration <= 1.0:
        raise ValueError("la part d'exploration doit être comprise entre 0 et 1.")
    if capacity <= 0:
        raise ValueError("la capacité de contrôle doit être positive.")
    total = round(capacity * n) if capacity < 1 else int(capacity)
    total = min(total, n)
    n_explore = round(exploration * total)
    n_top = total - n_explore
    order = np.argsort(-scores, kind="stable")
    top = order[:n_top]
    rest = order[n_top:]
    rng = np.random.default_rng(seed)
    explore = rng.choice(rest, size=min(n_explore, len(rest)), replace=False) if n_explore else np.array([], int)
    rows = np.concatenate([top, np.sort(explore)]).astype(int)
    return pd.DataFrame({
        "row": rows,
        "score": scores[rows],
        "exploration": np.concatenate([np.zeros(len(top), bool), np.ones(len(explore), bool)]),
    })


# ---- the plain baseline ---------------------------------------------------------------------------


class PlainLightGBM:
    """The published baseline: LightGBM with default parameters on label-encoded raw fields."""

    FIELDS = ("office_id", "process_type", "import_type", "import_use", "payment_type", "mode_of_transport",
              "declarant_id", "importer_id", "seller_id", "courier_id", "hs6_code", "country_of_departure",
              "country_of_origin", "tax_type", "country_of_origin_indicator")

    def __init__(self, seed: int = 0, n_jobs: int = 2) -> None:
        self.seed = seed
        self.n_jobs = n_jobs

    def _matrix(self, records: pd.DataFrame) -> np.ndarray:
        cols = [pd.Series(_lookup(self.codes_[c], _text(records[c])), dtype=float).replace(-1, np.nan).to_numpy()
                for c in self.FIELDS]
        for c in ("tax_rate", "net_mass", "item_price"):
            cols.append(pd.to_numeric(records[c], errors="coerce").to_numpy(dtype=float))
        return np.column_stack(cols)

    def fit(self, records: pd.DataFrame, y: np.ndarray) -> PlainLightGBM:
        """Label-encode the identifiers and fit a default LightGBM classifier."""
        self.codes_ = {c: np.asarray(pd.unique(_text(records[c])), dtype=str) for c in self.FIELDS}
        self.booster_ = lgb.train({"objective": "binary", "verbose": -1, "seed": self.seed,
                                   "num_threads": self.n_jobs}, lgb.Dataset(self._matrix(records), y))
        return self

    def predict_proba(self, records: pd.DataFrame) -> np.ndarray:
        """Fraud probability of each record."""
        return np.asarray(self.booster_.predict(self._matrix(records)))
