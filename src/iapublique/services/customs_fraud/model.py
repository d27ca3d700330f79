"""Risk scoring of customs declarations: engineered risk features, LightGBM, calibration, path attributions.

Features are computed from the training data only:

- unit value (price per kg) against the reference distribution of the same HS6 × origin (robust z-score
  and quantile), falling back to HS6, HS4 then HS2 when the cell is thin;
- out-of-fold target encoding (contiguous time blocks, smoothed) of the goods and their context: HS6,
  HS4, origin, HS6 × origin, HS4 × origin, HS6 × preference, × departure country, × regime, × procedure,
  × payment, × transport, × origin proof, × use, × office;
- the parties' risk profiles (importer, declarant, seller, office, courier and their pairs with the HS6),
  kept only when the training data shows that a party's past fraud rate ranks its later declarations
  (screened on the latest slice of the training period; on the Korea data it does not, see the card);
- the history of recurring consignments: the past fraud rate of the same HS6 declared with exactly the
  same value and net mass, screened the same way (on the Korea data it ranks the latest slice at AUC
  0.97: the synthetic declarations repeat exact value × mass combinations with their label, see the card);
- the tax rate and its gaps to the reference rates of the HS4 and HS6 (misclassification, preferences);
- history counts (how much each key has been seen).

A LightGBM booster gives the fraud score, calibrated (Platt) on the latest slice of the training period;
a second booster gives the critical-fraud class; a third, when the training data says which kind of fraud
each case was, the suspected fraud type. Every row is explained by its decision-path contributions
(Saabas): for each tree, the change of the node value at each split on the row's path is credited to the
split's feature; precomputed per leaf at fit time, they sum exactly to the raw score and cost one leaf
lookup per tree, so every declaration of a large batch carries its five main drivers.
"""

from __future__ import annotations

import json
import math
import weakref
from collections.abc import Callable
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
    "hs4_origin": ("hs4", "country_of_origin"),
    "hs6_tax_type": ("hs6_code", "tax_type"),
    "hs6_departure": ("hs6_code", "country_of_departure"),
    "hs6_import_type": ("hs6_code", "import_type"),
    "hs6_process": ("hs6_code", "process_type"),
    "hs6_payment": ("hs6_code", "payment_type"),
    "hs6_transport": ("hs6_code", "mode_of_transport"),
    "hs6_indicator": ("hs6_code", "country_of_origin_indicator"),
    "hs6_use": ("hs6_code", "import_use"),
    "consignment": ("hs6_code", "price_key", "mass_key"),
}
"""Keys whose past fraud rate can be target-encoded (risk profiles of goods, context, parties, and of
recurring consignments: the same HS6 declared again with exactly the same value and net mass)."""

PARTIES: dict[str, tuple[str, ...]] = {
    "importer": ("importer", "importer_hs6", "importer_declarant", "importer_seller"),
    "declarant": ("declarant", "declarant_hs6", "importer_declarant"),
    "seller": ("seller", "seller_hs6", "importer_seller"),
    "office": ("office", "office_hs6"),
    "courier": ("courier",),
    "consignment": ("consignment",),
}
"""For each party (and for recurring consignments), the encoded keys that carry its history, dropped together
when it is screened out; the key of the same name is the one screened."""
PARTY_MIN_AUC = 0.55
"""Smallest AUC, on the latest training slice, of a party's past fraud rate for its history to be used."""
IMPORTER_FEATURES = ("uv_z_own", "importer_origin_share")
"""Label-free features describing the importer's own habits (kept with the importer's history)."""

CRITICAL_KEYS = ("importer", "hs6", "hs4", "declarant")
"""Keys whose past critical-fraud rate is also encoded."""

UV_LEVELS: tuple[tuple[str, ...], ...] = (("hs6_code", "country_of_origin"), ("hs6_code",), ("hs4",), ("hs2",))
"""Reference cells for unit values, most specific first."""
QUANTILES = np.linspace(0.05, 0.95, 19)
MIN_REFERENCE = 20
"""Fewest declarations a unit-value cell needs before it is used as the reference."""
MISSING = "∅"
SMALL_BATCH = 16
"""Up to this many rows, lookups and formatting go row by row (cheaper than setting up vectorised work)."""

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
    "hs4_origin": "le couple SH4 × origine", "hs6_tax_type": "le couple SH6 × type de taux",
    "hs6_departure": "le couple SH6 × provenance", "hs6_import_type": "le couple SH6 × régime",
    "hs6_process": "le couple SH6 × procédure", "hs6_payment": "le couple SH6 × mode de paiement",
    "hs6_transport": "le couple SH6 × mode de transport", "hs6_indicator": "le couple SH6 × justificatif d'origine",
    "hs6_use": "le couple SH6 × usage",
    "consignment": "le même envoi (même SH6, même valeur, même masse)",
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


def feature_specs(keys: tuple[str, ...] = tuple(ENCODED_KEYS), importer_habits: bool = True) -> list[FeatureSpec]:
    """Features of a model using the encoded ``keys`` (and the importer's habits), in model column order."""
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
    if not importer_habits:
        specs = [sp for sp in specs if sp.name not in IMPORTER_FEATURES]
    for key in keys:
        fam = 2 if key in ("origin", "hs6_origin", "hs4_origin", "hs6_tax_type", "hs6_indicator") else (
            1 if key in ("hs6", "hs4") else -1)
        specs.append(FeatureSpec(f"te_{key}", f"Taux de fraude passé pour {_PARTY_LABELS[key]}", "rate", fam))
        specs.append(FeatureSpec(f"n_{key}", f"Déclarations passées pour {_PARTY_LABELS[key]}", "count", -1))
    for key in (k for k in CRITICAL_KEYS if k in keys):
        specs.append(FeatureSpec(f"tc_{key}", f"Taux de fraude critique passé pour {_PARTY_LABELS[key]}", "rate"))
    return specs


# ---- preparation ----------------------------------------------------------------------------------


def _text(col: pd.Series) -> np.ndarray:
    """A string column as an object array of ``str``, blanks replaced by a token."""
    values = col.to_numpy(dtype=object, na_value=MISSING)
    if not isinstance(col.dtype, pd.StringDtype):  # object columns may hold numbers: make every cell a str
        values = np.array([v if type(v) is str else str(v) for v in values.tolist()], dtype=object)
    return np.where(values == "", MISSING, values)  # a new array: never write into the frame's own buffer


def _by_unique(values: np.ndarray, fn: Callable[[str], str]) -> np.ndarray:
    """``fn`` applied to each distinct string of ``values`` once (batches repeat their codes a lot)."""
    if len(values) <= SMALL_BATCH:
        return np.array([fn(v) for v in values.tolist()], dtype=object)
    codes, uniques = pd.factorize(values)
    return np.array([fn(v) for v in uniques.tolist()], dtype=object)[codes]


def _number_key(values: np.ndarray) -> np.ndarray:
    """Exact text of each number (shortest repr of the float, so a value read from text maps to itself)."""
    if len(values) <= SMALL_BATCH:
        return np.array([MISSING if v != v else repr(v) for v in values.tolist()], dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    texts = np.array([MISSING if v != v else repr(v) for v in np.asarray(uniques, dtype=float).tolist()],
                     dtype=object)
    return texts[codes]


def prepare(records: pd.DataFrame) -> dict[str, np.ndarray]:
    """Normalised columns the features are computed from (strings, codes, numbers)."""
    cols: dict[str, np.ndarray] = {}
    for c in ("importer_id", "declarant_id", "seller_id", "office_id", "courier_id", *CATEGORICAL):
        if c not in cols:
            cols[c] = _text(records[c])
    hs6 = _by_unique(_text(records["hs6_code"]), lambda v: v.strip().zfill(6))
    cols["hs6_code"] = hs6
    cols["hs4"] = _by_unique(hs6, lambda v: v[:4])
    cols["hs2"] = _by_unique(hs6, lambda v: v[:2])
    mass = pd.to_numeric(records["net_mass"], errors="coerce").to_numpy(dtype=float)
    price = pd.to_numeric(records["item_price"], errors="coerce").to_numpy(dtype=float)
    rate = pd.to_numeric(records["tax_rate"], errors="coerce").to_numpy(dtype=float)
    cols["net_mass"], cols["item_price"], cols["tax_rate"] = mass, price, rate
    cols["price_key"], cols["mass_key"] = _number_key(price), _number_key(mass)
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["log_uv"] = np.where((mass > 0) & (price > 0), np.log(price / np.where(mass > 0, mass, 1.0)), np.nan)
    return cols


def _key(cols: dict[str, np.ndarray], parts: tuple[str, ...]) -> np.ndarray:
    """Composite key strings for a tuple of prepared columns."""
    out = cols[parts[0]]
    for p in parts[1:]:
        out = out + "|" + cols[p]  # element-wise on object arrays of str
    return np.asarray(out, dtype=object)


_INDEXES: dict[int, tuple[weakref.ref[np.ndarray], pd.Index]] = {}
"""Hash indexes of a fitted model's key tables, built once per table (not persisted; freed with the table)."""


def _index(keys: np.ndarray) -> pd.Index:
    """The hash index of a key table, cached while the table lives (one declaration costs no re-hashing)."""
    hit = _INDEXES.get(id(keys))
    if hit is not None and hit[0]() is keys:
        return hit[1]
    if len(_INDEXES) > 2000:
        for k in [k for k, (ref, _) in _INDEXES.items() if ref() is None]:
            del _INDEXES[k]
    index = pd.Index(np.asarray(keys, dtype=object), dtype=object)  # object index: no Arrow string conversion
    _INDEXES[id(keys)] = (weakref.ref(keys), index)
    return index


def _lookup(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Positions of ``values`` in the table ``keys`` (-1 when unseen)."""
    index: Any = _index(keys)
    if len(values) <= SMALL_BATCH:  # one declaration: hash probes, no vectorised set-up
        out = np.empty(len(values), dtype=np.intp)
        for i, v in enumerate(values.tolist()):
            try:
                out[i] = index.get_loc(v)
            except KeyError:
                out[i] = -1
        return out
    # an object Index as target: pandas would otherwise convert the strings to Arrow first
    return np.asarray(index.get_indexer(pd.Index(np.asarray(values, dtype=object), dtype=object)))


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
    """Fitted risk model: reference tables, boosters, calibration, path attributions; persisted with skops.

    ``party_history`` says whether the parties' risk profiles (and the history of recurring consignments) are
    used: ``"auto"`` keeps a party's keys only when its past fraud rate ranks the latest training slice
    (AUC ≥ :data:`PARTY_MIN_AUC`), ``"always"`` and ``"never"`` force the choice. ``n_jobs`` is 1 by default:
    batch work is spread over processes by the engine, and LightGBM's OpenMP threads slow down badly on a
    shared or oversubscribed machine.
    """

    def __init__(self, smoothing: float = 10.0, n_folds: int = 5, calibration_share: float = 0.15,
                 num_leaves: int = 63, max_depth: int = 10, learning_rate: float = 0.15, max_trees: int = 150,
                 critical_trees: int = 100, party_history: str = "auto", seed: int = 0, n_jobs: int = 1,
                 refit: bool = False, heads: bool = True) -> None:
        if party_history not in ("auto", "always", "never"):
            raise ValueError("party_history doit valoir « auto », « always » ou « never ».")
        self.smoothing = smoothing
        self.heads = heads
        self.refit = refit
        self.n_folds = n_folds
        self.calibration_share = calibration_share
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.max_trees = max_trees
        self.critical_trees = critical_trees
        self.party_history = party_history
        self.seed = seed
        self.n_jobs = n_jobs

    # ---- reference tables (label-free) and encoders (labelled) ----------------------------------

    def _fit_references(self, cols: dict[str, np.ndarray]) -> None:
        """Unit-value and tax-rate references, category vocabularies, origin shares: label-free, training rows."""
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
        self.origin_share_ = _shares(cols["hs6_code"], cols["country_of_origin"])
        self.importer_origin_ = _shares(cols["importer_id"], cols["country_of_origin"])

    def _fit_tables(self, cols: dict[str, np.ndarray], y: np.ndarray, crit: np.ndarray) -> dict[str, _Table]:
        """Label aggregates per encoded key."""
        return {k: _aggregate(_key(cols, ENCODED_KEYS[k]), y, crit) for k in self.keys_}

    def _screen_parties(self, cols: dict[str, np.ndarray], y: np.ndarray, cut: int) -> tuple[str, ...]:
        """Parties whose fraud rate before ``cut`` ranks their declarations after it (AUC on seen rows)."""
        from sklearn.metrics import roc_auc_score

        self.party_auc_: dict[str, float] = {}
        if self.party_history != "auto":
            return tuple(PARTIES) if self.party_history == "always" else ()
        kept = []
        for party in PARTIES:
            keys = _key(cols, ENCODED_KEYS[party])
            table = _aggregate(keys[:cut], y[:cut], np.zeros(cut))
            pos = _lookup(table.keys, keys[cut:])
            seen = pos >= 0
            late = y[cut:][seen]
            if seen.sum() < 50 or len(np.unique(late)) < 2:
                continue
            rate = (table.fraud[pos[seen]] + self.smoothing * self.prior_) / (table.count[pos[seen]] + self.smoothing)
            auc = float(roc_auc_score(late, rate))
            self.party_auc_[party] = auc
            if auc >= PARTY_MIN_AUC:
                kept.append(party)
        return tuple(kept)

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
        if self.importer_habits_:
            own_pos = _lookup(self.uv_own_.keys, _key(cols, ("importer_id", "hs6_code")))
            own_ok = (own_pos >= 0) & np.isfinite(log_uv)
            own_ok &= np.where(own_pos >= 0, self.uv_own_.count[own_pos], 0) >= 3
            z_own = np.full(n_rows, np.nan)
            po = own_pos[own_ok]
            z_own[own_ok] = (log_uv[own_ok] - self.uv_own_.median[po]) / (1.4826 * self.uv_own_.mad[po] + 0.05)
            f["uv_z_own"] = z_own
            f["importer_origin_share"] = _share_of(self.importer_origin_, cols["importer_id"],
                                                   cols["country_of_origin"])
        f["tax_rate"] = rate
        p4 = _lookup(self.hs4_keys_, cols["hs4"])
        r4 = np.where(p4[:, None] >= 0, self.hs4_rates_[p4], np.nan)
        p6 = _lookup(self.hs6_keys_, cols["hs6_code"])
        r6 = np.where(p6[:, None] >= 0, self.hs6_rates_[p6], np.nan)
        f["gap_hs4_min"] = rate - r4[:, 0]
        f["gap_hs4_med"] = rate - r4[:, 1]
        f["gap_hs6_max"] = r6[:, 0] - rate
        f["log_duty"] = np.log1p(np.clip(price * rate / 100.0, 0, None))
        f["origin_share"] = _share_of(self.origin_share_, cols["hs6_code"], cols["country_of_origin"])
        f["origin_ne_departure"] = (cols["country_of_origin"] != cols["country_of_departure"]).astype(float)
        f["_ref_median"] = med_ref
        f["_hs4_max"] = r4[:, 2]
        f["_hs6_max"] = r6[:, 0]
        p2 = _lookup(self.hs2_keys_, cols["hs2"])
        f["_hs2_q75"] = np.where(p2 >= 0, self.hs2_rates_[np.maximum(p2, 0)], np.nan)
        return f

    def _encoded_features(self, cols: dict[str, np.ndarray], tables: dict[str, _Table],
                          scale: float) -> dict[str, np.ndarray]:
        """Target-encoded risk profiles of ``cols`` from ``tables``."""
        f: dict[str, np.ndarray] = {}
        for k in self.keys_:
            te, n, tc = _encode(tables[k], _key(cols, ENCODED_KEYS[k]), self.prior_, self.prior_c_,
                                self.smoothing, scale)
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
        keys = {k: _key(cols, ENCODED_KEYS[k]) for k in self.keys_}
        X = np.empty((n, len(self.feature_names_)))
        for block in blocks:
            other = np.ones(n, dtype=bool)
            other[block] = False
            enc = {}
            for k in self.keys_:
                table = _aggregate(keys[k][other], y[other], crit[other])
                te, cnt, tc = _encode(table, keys[k][block], self.prior_, self.prior_c_, self.smoothing,
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
            "lambda_l2": 1.0, "max_depth": self.max_depth, "cat_smooth": 10.0, "verbose": -1, "seed": self.seed,
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
        self.prior_ = float(y.mean())
        self.prior_c_ = float(crit2.mean())
        n = len(y)
        cut = int(n * (1.0 - self.calibration_share))
        early = slice(0, cut)

        # which parties' histories carry signal across time (early part → latest slice)
        cols_all = prepare(records)
        self.parties_ = self._screen_parties(cols_all, y, cut)
        party_keys = {k for p in PARTIES for k in PARTIES[p]}
        kept_keys = {k for p in self.parties_ for k in PARTIES[p]}
        self.keys_ = tuple(k for k in ENCODED_KEYS if k not in party_keys or k in kept_keys)
        self.importer_habits_ = "importer" in self.parties_
        self.feature_names_ = [s.name for s in self.specs()]

        # boosters learn on the early part (out-of-fold encodings); the late slice plays "the future"
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
                            valid_sets=[valid], callbacks=[lgb.early_stopping(40, verbose=False)])
        self.best_iteration_ = int(booster.best_iteration or self.max_trees)
        margin = np.asarray(booster.predict(X_late, num_iteration=self.best_iteration_, raw_score=True))
        self.platt_ = _platt(margin, y_late)

        # critical head: critical (2) against the rest; thresholds tuned for macro-F1 on the late slice
        crit_rounds = max(30, min(self.critical_trees, self.best_iteration_)) if self.heads else 1
        crit_booster = lgb.train(self._params("binary", scale_pos_weight=3.0), lgb.Dataset(
            X_early, crit2[early], categorical_feature=self._cat_idx()), num_boost_round=crit_rounds)
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
                    self._params("multiclass", num_class=3, min_data_in_leaf=10, num_leaves=15, max_depth=6),
                    lgb.Dataset(X_early[has_early], ft[:cut][has_early].astype(int),
                                categorical_feature=self._cat_idx()), num_boost_round=60)

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
        self.paths_ = LeafPaths.from_booster(booster, self.best_iteration_, len(self.feature_names_))
        self.n_train_ = n
        return self

    def specs(self) -> list[FeatureSpec]:
        """The fitted model's features, in column order."""
        return feature_specs(self.keys_, self.importer_habits_)

    # ---- scoring --------------------------------------------------------------------------------

    def predict_proba(self, records: pd.DataFrame) -> np.ndarray:
        """Calibrated fraud probability of each record."""
        X, _, _ = self.features(records)
        return self._calibrate(self.paths_.margin(self._leaves(X)))

    def _predict(self, booster: lgb.Booster, X: np.ndarray, **kwargs: Any) -> np.ndarray:
        """A booster's predictions with this model's thread count said explicitly.

        Left unsaid, LightGBM resets its OpenMP pool on every call: about 10 ms for a single declaration.
        """
        return np.asarray(booster.predict(X, num_threads=self.n_jobs, **kwargs))

    def _leaves(self, X: np.ndarray) -> np.ndarray:
        """Leaf reached in each tree by each row."""
        if len(X) == 0:
            return np.zeros((0, self.best_iteration_), dtype=np.int32)
        out = self._predict(self.booster_, X, num_iteration=self.best_iteration_, pred_leaf=True)
        return out.astype(np.int32).reshape(len(X), -1)

    def _calibrate(self, margin: np.ndarray) -> np.ndarray:
        a, b = self.platt_
        return np.asarray(1.0 / (1.0 + np.exp(-(a * margin + b))))

    def score_columns(self, records: pd.DataFrame, explain: bool = True) -> dict[str, np.ndarray]:
        """The columns of :meth:`score` as arrays (text columns as object arrays), without building a frame."""
        X, base, cols = self.features(records)
        n = len(X)
        leaves = self._leaves(X)
        contrib: np.ndarray | None = None
        if explain:
            margin, contrib = self.paths_.margin_and_contributions(leaves)
        else:
            margin = self.paths_.margin(leaves)
        prob = self._calibrate(margin)
        pc = self._predict(self.critical_booster_, X) if n else np.zeros(0)
        if self.type_booster_ is not None and n:
            kind = np.argmax(self._predict(self.type_booster_, X).reshape(n, 3), axis=1).astype(int)
        elif contrib is not None:
            kind = _family_from_contrib(contrib, _glossary(self).family)
        else:
            kind = evidence_type(base)
        # suspected type of the rows above the threshold, None (last entry) for the others
        fraud_type = np.array([*TYPE_NAMES, None], dtype=object)[np.where(prob >= SUSPECT_THRESHOLD, kind, 3)]
        duty = np.round(duty_estimate(kind, base, cols), 2)
        out: dict[str, np.ndarray] = {
            "score": prob, "critical_class": critical_classes(prob, pc, self.critical_thresholds_),
            "critical_probability": pc, "fraud_type": fraud_type, "duty_at_stake": duty,
        }
        if contrib is not None:
            out["drivers"], out["explanation"] = describe(contrib, X, cols, prob, fraud_type, duty, base,
                                                          _glossary(self))
        return out

    def score(self, records: pd.DataFrame, explain: bool = True) -> pd.DataFrame:
        """Score, critical class, suspected type, duty at stake and (for every row) drivers of each record."""
        return as_frame(self.score_columns(records, explain))


def as_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A frame of result columns, text kept as plain object columns (no conversion to Arrow strings and back)."""
    return pd.DataFrame({k: pd.Series(v, dtype=object) if v.dtype == object else v for k, v in columns.items()},
                        copy=False)


@dataclass(frozen=True)
class _Glossary:
    """A fitted model's features with their French labels ready to be written into explanations."""

    specs: list[FeatureSpec]
    labels: list[str]
    labels_json: list[str]
    family: np.ndarray
    counts: list[int]
    """For each past fraud rate ``te_<key>``, the column of its count ``n_<key>`` (-1 for other features)."""
    prior: float
    smoothing: float


_GLOSSARIES: weakref.WeakKeyDictionary[CustomsRiskModel, _Glossary] = weakref.WeakKeyDictionary()


def _glossary(model: CustomsRiskModel) -> _Glossary:
    """The feature glossary of ``model``, built once per loaded model (not persisted)."""
    found = _GLOSSARIES.get(model)
    if found is None:
        specs = model.specs()
        names = [s.name for s in specs]
        counts = [names.index(f"n_{n[3:]}") if n.startswith("te_") and f"n_{n[3:]}" in names else -1 for n in names]
        found = _Glossary(specs, [s.label for s in specs], [json.dumps(s.label, ensure_ascii=False) for s in specs],
                          np.array([s.family for s in specs]), counts, float(model.prior_), float(model.smoothing))
        _GLOSSARIES[model] = found
    return found


def _shares(group: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys ``group|member``, the share of each member within its group, and the groups seen."""
    frame = pd.DataFrame({"g": group, "m": member})
    counts = frame.groupby(["g", "m"]).size()
    share = counts / counts.groupby(level=0).transform("sum")
    keys = (share.index.get_level_values(0).astype(str) + "|" + share.index.get_level_values(1).astype(str))
    groups = np.asarray(pd.unique(np.asarray(group, dtype=object)), dtype=str)
    return np.asarray(keys, dtype=str), share.to_numpy(dtype=float), groups


def _share_of(table: tuple[np.ndarray, np.ndarray, np.ndarray], group: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Share of ``member`` within ``group`` in the training data (0 when unseen, NaN for an unseen group)."""
    keys, share, groups = table
    pos = _lookup(keys, _key({"g": group, "m": member}, ("g", "m")))
    out = np.where(pos >= 0, share[np.maximum(pos, 0)], 0.0)
    out[_lookup(groups, group) < 0] = np.nan
    return out


class LeafPaths:
    """Decision-path (Saabas) attributions of a LightGBM booster, precomputed per leaf.

    For each leaf, the sparse vector of the node-value changes along its path, credited to each split's
    feature; a row's contributions are the sum over trees of the vectors of the leaves it reaches, and they
    add up, with ``bias``, to its raw score exactly.
    """

    def __init__(self, offsets: np.ndarray, values: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                 data: np.ndarray, n_features: int, bias: float) -> None:
        self.offsets = offsets
        self.values = values
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self.n_features = n_features
        self.bias = bias

    @classmethod
    def from_booster(cls, booster: lgb.Booster, num_iteration: int, n_features: int) -> LeafPaths:
        """Walk every tree of ``booster`` once and record, per leaf, its value and path contributions."""
        offsets: list[int] = []
        values: list[float] = []
        indptr: list[int] = [0]
        indices: list[int] = []
        data: list[float] = []
        bias = 0.0
        for tree in booster.dump_model(num_iteration=num_iteration)["tree_info"]:
            offsets.append(len(values))
            root = tree["tree_structure"]
            n_leaves = int(tree["num_leaves"])
            leaf_value = np.zeros(n_leaves)
            leaf_path: list[dict[int, float]] = [{} for _ in range(n_leaves)]
            if "split_feature" not in root:
                leaf_value[0] = float(root["leaf_value"])
                bias += leaf_value[0]
            else:
                bias += float(root["internal_value"])
                stack: list[tuple[dict[str, Any], dict[int, float]]] = [(root, {})]
                while stack:
                    node, acc = stack.pop()
                    feature, parent = int(node["split_feature"]), float(node["internal_value"])
                    for child in (node["left_child"], node["right_child"]):
                        is_leaf = "leaf_index" in child
                        value = float(child["leaf_value"] if is_leaf else child["internal_value"])
                        path = dict(acc)
                        path[feature] = path.get(feature, 0.0) + value - parent
                        if is_leaf:
                            leaf_value[int(child["leaf_index"])] = value
                            leaf_path[int(child["leaf_index"])] = path
                        else:
                            stack.append((child, path))
            for value, path in zip(leaf_value.tolist(), leaf_path, strict=True):
                values.append(value)
                feats = sorted(path)
                indices.extend(feats)
                data.extend(path[f] for f in feats)
                indptr.append(len(indices))
        return cls(np.asarray(offsets, dtype=np.int64), np.asarray(values, dtype=float),
                   np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64),
                   np.asarray(data, dtype=float), n_features, bias)

    def margin(self, leaves: np.ndarray) -> np.ndarray:
        """Raw score of each row from the leaves it reaches (one leaf index per tree), summed tree by tree."""
        out = np.zeros(len(leaves))
        for t, column in enumerate(np.ascontiguousarray(leaves.T)):
            out += self.values[self.offsets[t] + column]
        return out

    def contributions(self, leaves: np.ndarray) -> np.ndarray:
        """Per-row, per-feature path contributions (rows × features); each row sums to margin − bias."""
        return self.margin_and_contributions(leaves)[1]

    def margin_and_contributions(self, leaves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores and path contributions in one sparse product: rows' leaf hits × (leaf paths | leaf value).

        The leaf value is the last column of the per-leaf table, so the margin comes out of the same
        product, summed tree by tree like :meth:`margin` (same bits).
        """
        from scipy import sparse

        n, t = leaves.shape
        table = _leaf_table(self)
        flat = (leaves + self.offsets[None, :].astype(leaves.dtype)).ravel()
        hits = sparse.csr_matrix((np.ones(n * t), flat, np.arange(0, n * t + 1, t)), shape=(n, len(table)))
        both = np.asarray(hits @ table)
        return both[:, -1].copy(), both[:, :-1]


_LEAF_TABLES: weakref.WeakKeyDictionary[LeafPaths, np.ndarray] = weakref.WeakKeyDictionary()


def _leaf_table(paths: LeafPaths) -> np.ndarray:
    """Dense per-leaf table (path contributions per feature, then the leaf value), built once per loaded model."""
    found = _LEAF_TABLES.get(paths)
    if found is None:
        total = len(paths.values)
        found = np.zeros((total, paths.n_features + 1))
        rows = np.repeat(np.arange(total), np.diff(paths.indptr))
        found[rows, paths.indices] = paths.data
        found[:, -1] = paths.values
        _LEAF_TABLES[paths] = found
    return found


SUSPECT_THRESHOLD = 0.2
"""Calibrated probability from which a suspected fraud type is named."""


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


def _family_from_contrib(contrib: np.ndarray, family: np.ndarray) -> np.ndarray:
    """Suspected fraud type: the family of features (``family``: one per column) pushing the score up the most."""
    sums = np.stack([np.clip(contrib[:, family == k], 0, None).sum(axis=1) for k in range(3)], axis=1)
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


def _format_unique(kind: str, values: np.ndarray) -> list[str]:
    """French text of distinct feature values of one kind."""
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


def _top_k(contrib: np.ndarray, k: int) -> np.ndarray:
    """Columns of the ``k`` largest absolute contributions per row, largest first, ties in column order.

    The same as a stable sort of every row, by partial selection; rows tied at the cut are sorted whole.
    """
    strength = np.abs(contrib)
    n, f = strength.shape
    if f <= k or n <= SMALL_BATCH:
        return np.argsort(-strength, axis=1, kind="stable")[:, :k]
    part = np.argpartition(-strength, k, axis=1)
    cand = part[:, :k]
    values = np.take_along_axis(strength, cand, axis=1)
    order = np.lexsort((cand, -values), axis=1)
    top = np.take_along_axis(cand, order, axis=1)
    tied = np.nonzero(values.min(axis=1) == np.take_along_axis(strength, part[:, k:k + 1], axis=1)[:, 0])[0]
    if len(tied):
        top[tied] = np.argsort(-strength[tied], axis=1, kind="stable")[:, :k]
    return top


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of ``values`` (NaN is one value), so each distinct value is formatted once."""
    if len(values) <= SMALL_BATCH:
        return np.arange(len(values)), values
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, np.asarray(uniques)


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct (a, b) pairs (rows of a two-column array), so each pair is formatted once."""
    pairs = np.column_stack([a, b])
    if len(pairs) <= SMALL_BATCH:
        return np.arange(len(pairs)), pairs
    uniques, codes = np.unique(pairs, axis=0, return_inverse=True)
    return np.asarray(codes).reshape(-1), uniques


def _format_history(pairs: np.ndarray, prior: float, smoothing: float) -> list[str]:
    """French text of smoothed past fraud rates with the counts behind them (rows of ``pairs``: rate, count).

    The smoothed rate is ``(frauds + smoothing × prior) / (count + smoothing)``: the frauds are recovered from it.
    """
    out: list[str] = []
    for rate, count in pairs.tolist():
        if rate != rate or count != count:
            out.append("inconnu")
            continue
        n = round(count)
        pct = f"{fr_number(100 * rate, 1)}{NNBSP}%"
        if n == 0:
            out.append(f"{pct}, a priori : aucune déclaration passée")
            continue
        frauds = min(n, max(0, round(rate * (count + smoothing) - smoothing * prior)))
        out.append(f"{pct} lissé : {fr_number(frauds)} fraude{'s' if frauds > 1 else ''} sur {fr_number(n)} "
                   f"déclaration{'s' if n > 1 else ''}")
    return out


def describe(contrib: np.ndarray, X: np.ndarray, cols: dict[str, np.ndarray], prob: np.ndarray,
             fraud_type: np.ndarray, duty: np.ndarray, base: dict[str, np.ndarray],
             glossary: _Glossary) -> tuple[np.ndarray, np.ndarray]:
    """Drivers text and Explanation JSON per row (object arrays), from the five largest path contributions.

    Each feature's values are formatted once per distinct value, then the per-row strings are assembled.
    """
    n, k = len(prob), min(5, contrib.shape[1])
    if n == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    top = _top_k(contrib, k)
    weights = np.take_along_axis(contrib, top, axis=1)
    flat = top.ravel()
    by_feature = np.argsort(flat, kind="stable")
    bounds = np.searchsorted(flat[by_feature], np.arange(contrib.shape[1] + 1))
    factor_head = np.empty(n * k, dtype=object)  # JSON of a factor up to its weight
    driver_body = np.empty(n * k, dtype=object)  # "label (value)"
    for j in np.nonzero(np.diff(bounds))[0].tolist():
        cells = by_feature[bounds[j]:bounds[j + 1]]
        rows = cells // k
        spec = glossary.specs[j]
        label, label_json = glossary.labels[j], glossary.labels_json[j]
        if spec.kind == "raw":
            codes, uniques = _distinct(cols[spec.name][rows])
            texts = [str(v) for v in uniques.tolist()]
            # raw codes come from the file and may hold quotes; formatted numbers never do
            quoted = [json.dumps(v, ensure_ascii=False) for v in texts]
        elif glossary.counts[j] >= 0:  # a past fraud rate, shown with the counts it comes from
            codes, uniques = _distinct_pairs(X[rows, j], X[rows, glossary.counts[j]])
            texts = _format_history(uniques, glossary.prior, glossary.smoothing)
            quoted = [f'"{v}"' for v in texts]
        else:
            codes, uniques = _distinct(X[rows, j])
            texts = _format_unique(spec.kind, uniques)
            quoted = [f'"{v}"' for v in texts]
        heads = np.array([f'{{"label":{label_json},"value":{q},"weight":' for q in quoted], dtype=object)
        bodies = np.array([f"{label} ({v})" for v in texts], dtype=object)
        factor_head[cells] = heads[codes]
        driver_body[cells] = bodies[codes]
    codes, uniques = _distinct(np.round(weights, 4).ravel())
    w_text = np.array([repr(v) for v in uniques.tolist()], dtype=object)[codes].reshape(n, k)
    signs = np.where(weights > 0, "↑ ", "↓ ").astype(object)
    heads, bodies = factor_head.reshape(n, k), driver_body.reshape(n, k)
    # one format per row: the k factors' fields interleaved, as columns zipped row by row
    factor_columns = [c for j in range(k) for c in (heads[:, j].tolist(), w_text[:, j].tolist())]
    driver_columns = [c for j in range(k) for c in (signs[:, j].tolist(), bodies[:, j].tolist())]
    explanation_format = '{{"summary":{},"factors":[' + ",".join(["{}{}}}"] * k) + '],"highlights":[]}}'
    driver_format = "; ".join(["{}{}"] * k)
    summaries = _summaries(prob, fraud_type, duty, base)
    rows = zip(summaries, *factor_columns, strict=True)
    explanations = np.array([explanation_format.format(*fields) for fields in rows], dtype=object)
    drivers = np.array([driver_format.format(*fields) for fields in zip(*driver_columns, strict=True)],
                       dtype=object)
    return drivers, explanations


_LOW_RISK = f"{NNBSP}%. Risque faible : pas de fraude caractérisée."


def _summaries(prob: np.ndarray, fraud_type: np.ndarray, duty: np.ndarray, base: dict[str, np.ndarray]) -> list[str]:
    """JSON-encoded French summary sentence per row, with the evidence of the suspected fraud.

    The sentences hold only fixed French text and formatted numbers (no quote, backslash or control
    character), so quoting them is their exact JSON encoding.
    """
    from iapublique.services.customs_fraud.schema import FRAUD_TYPE_LABELS

    # a probability in percent never reaches a thousand: French format is the decimal comma alone
    pct = [f"{v:.1f}".replace(".", ",") for v in (100 * prob).tolist()]
    out = [f'"Probabilité de fraude {p}{_LOW_RISK}"' for p in pct]
    suspects = np.nonzero(np.array([isinstance(ft, str) for ft in fraud_type.tolist()], dtype=bool))[0]
    for i, ft, zi, g4, g6, d in zip(suspects.tolist(), fraud_type[suspects].tolist(), base["uv_z"][suspects].tolist(),
                                    base["gap_hs4_med"][suspects].tolist(), base["gap_hs6_max"][suspects].tolist(),
                                    duty[suspects].tolist(), strict=True):
        if ft == "valeur":
            ev = (f"valeur unitaire à {fr_number(zi, 1)} écarts robustes de la référence"
                  if zi == zi else "valeur unitaire sans référence comparable")
        elif ft == "classement":
            ev = (f"taux appliqué {fr_number(g4, 1)} pts par rapport au taux médian de la position SH4"
                  if g4 == g4 else "position tarifaire peu connue")
        else:
            ev = (f"préférence de {fr_number(g6, 1)} pts sur le droit plein du SH6"
                  if g6 == g6 else "origine peu connue pour ce produit")
        out[i] = (f'"Probabilité de fraude {pct[i]}{NNBSP}%. Soupçon : {FRAUD_TYPE_LABELS[ft]} ({ev}) ; droits en '
                  f'jeu estimés à {fr_number(d)}."')
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

    def __init__(self, seed: int = 0, n_jobs: int = 1) -> None:
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
        """Fraud probability of each record (threads said explicitly, as for our model: see ``_predict``)."""
        return np.asarray(self.booster_.predict(self._matrix(records), num_threads=self.n_jobs))

    def score_columns(self, records: pd.DataFrame, explain: bool = True) -> dict[str, np.ndarray]:
        """The service's result columns from the probability alone (the baseline has no critical head, fraud
        type, duty estimate or drivers: those stay empty), so the benchmark serves it through the same API."""
        prob = self.predict_proba(records)
        n = len(prob)
        out: dict[str, np.ndarray] = {
            "score": prob, "critical_class": np.full(n, None, dtype=object), "critical_probability": np.full(n, np.nan),
            "fraud_type": np.full(n, None, dtype=object), "duty_at_stake": np.full(n, np.nan),
        }
        if explain:
            out["drivers"] = np.full(n, "", dtype=object)
            out["explanation"] = np.array(
                [f'{{"summary":"Probabilité de fraude {f"{v:.1f}".replace(".", ",")}{NNBSP}% (LightGBM simple).",'
                 '"factors":[],"highlights":[]}' for v in (100 * prob).tolist()], dtype=object)
        return out
