"""The fitted dose monitor: peer references, calibrated thresholds and the detector kept per anomaly kind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure import detectors as det
from iapublique.services.radiation_exposure.doseframe import PASSIVE, DoseFrame, build
from iapublique.services.radiation_exposure.regulatory import regulatory_flags, rolling_by_channel
from iapublique.services.radiation_exposure.schema import REGULATORY_KINDS

SPIKE_DETECTORS = ("ratio_fixe", "z_robuste", "z_robuste_mois")
DRIFT_DETECTORS = ("cusum_historique", "cusum_ratio", "cusum_combine", "balayage_historique", "balayage_ratio",
                   "balayage_combine", "glr_historique", "glr_ratio", "glr_combine")
DRIFT_PARTS = {"cusum": ("historique", "ratio"), "balayage": ("historique", "ratio")}
"""Each combined drift detector is the larger of its two parts, each divided by its own calibrated threshold."""
DEFAULT_THRESHOLDS: dict[str, float] = {
    "pic_individuel:ratio_fixe": 1.0,
    "pic_individuel:z_robuste": 4.5,
    "pic_individuel:z_robuste_mois": 4.5,
    "pic_pairs": 1.0,
    "ecart_passif_operationnel": 1.0,
    "derive:cusum_historique": 3.0,
    "derive:cusum_ratio": 3.0,
    "derive:cusum_combine": 1.0,
    "derive:balayage_historique": 2.0,
    "derive:balayage_ratio": 2.0,
    "derive:balayage_combine": 1.0,
    "derive:cusum_part_historique": 3.0,
    "derive:cusum_part_ratio": 3.0,
    "derive:balayage_part_historique": 2.0,
    "derive:balayage_part_ratio": 2.0,
    "derive:glr_historique": 2.5,
    "derive:glr_ratio": 2.5,
    "derive:glr_combine": 2.5,
}
"""Alert thresholds before calibration, and their floors (``part_*``: the two parts' scales inside a combination;
``glr_*``: log-likelihood ratios)."""
SCALES: dict[str, float] = {
    "pic_individuel:ratio_fixe": 0.5,
    "pic_individuel:z_robuste": 2.0,
    "pic_individuel:z_robuste_mois": 2.0,
    "pic_pairs": 0.5,
    "ecart_passif_operationnel": 0.5,
    "derive:cusum_historique": 3.0,
    "derive:cusum_ratio": 3.0,
    "derive:cusum_combine": 0.4,
    "derive:balayage_historique": 1.5,
    "derive:balayage_ratio": 1.5,
    "derive:balayage_combine": 0.4,
    "derive:glr_historique": 3.0,
    "derive:glr_ratio": 3.0,
    "derive:glr_combine": 3.0,
}
FALSE_ALERT_BUDGET: dict[str, float] = {
    "pic_individuel": 0.25,
    "pic_pairs": 0.1,
    "ecart_passif_operationnel": 0.15,
    "derive": 0.45,
}
"""False alerts allowed per 1,000 worker-periods for each calibrated kind (together under 1)."""
FIXED_STRENGTH: dict[str, float] = {
    "valeur_implausible": 0.92,
    "erreur_unite": 0.9,
    "date_incoherente": 0.82,
    "doublon": 0.78,
}
DEFAULT_SIGMA = 0.5
DEFAULT_LOG_Q999 = float(np.log(20.0))
SIGMA_FLOOR, SIGMA_CEIL = 0.15, 1.5
DRIFT_SIGMA_FLOOR = 0.05
"""Smallest per-period scale of a drift series (below it, dosimeter uncertainty alone is larger)."""


class DoseMonitor:
    """Fitted references of the anomaly layer (plain attributes: skops-persistable)."""

    def __init__(self) -> None:
        self.peer_sigma_: dict[str, float] = {}
        self.channel_sigma_: dict[str, float] = {}
        self.peer_log_q999_: dict[str, float] = {}
        self.channel_log_q999_: dict[str, float] = {}
        self.sigma_ratio_: float = 0.12
        self.ratio_sigma_: dict[str, float] = {}
        """Per-period scale of the passive/operational log-ratio by wear length ("0" monthly, "1" quarterly)."""
        self.drift_sigma_: dict[str, float] = {}
        """Per-period scale of the drift history series by peers (sector, job) and wear length ("|1" quarterly)."""
        self.thresholds_: dict[str, float] = dict(DEFAULT_THRESHOLDS)
        self.chosen_: dict[str, str] = {"pic_individuel": "z_robuste_mois", "derive": "glr_combine"}
        """Detector kept per kind (the best recall at the false-alert budget when calibrated)."""
        self.comparison_: dict[str, float] = {}
        self.n_train_rows_: int = 0
        self.calibrated_: bool = False

    # ---- per-row lookups ---------------------------------------------------------------------
    def _lookup(self, frame: DoseFrame, table: dict[str, float], fallback: dict[str, float],
                default: float) -> np.ndarray:
        combo = frame.peer_key * 8 + frame.channel
        uniq, inverse = np.unique(combo, return_inverse=True)
        values = np.empty(len(uniq))
        for i, c in enumerate(uniq):
            peer = str(frame.peer_names[c // 8]) if len(frame.peer_names) else ""
            key = f"{peer}|{int(c % 8)}"
            values[i] = table.get(key, fallback.get(str(int(c % 8)), default))
        return np.asarray(values[inverse])

    def sigma(self, frame: DoseFrame) -> np.ndarray:
        """Within-worker log-dose scale of each row's peers (sector, job, channel)."""
        return self._lookup(frame, self.peer_sigma_, self.channel_sigma_, DEFAULT_SIGMA)

    def drift_sigma(self, frame: DoseFrame) -> np.ndarray:
        """Per-period scale of each passive row's drift series: its peers' with the same wear length."""
        length = det.quarterly(frame).astype(np.int64)
        combo = frame.peer_key * 2 + length
        uniq, inverse = np.unique(combo, return_inverse=True)
        values = np.empty(len(uniq))
        for i, c in enumerate(uniq):
            peer = str(frame.peer_names[c // 2]) if len(frame.peer_names) else ""
            values[i] = self.drift_sigma_.get(f"{peer}|{int(c % 2)}", self.drift_sigma_.get(
                f"*|{int(c % 2)}", DEFAULT_SIGMA))
        return np.asarray(values[inverse])

    def ratio_sigma(self, frame: DoseFrame) -> np.ndarray:
        """Per-period scale of each row's passive/operational log-ratio (by wear length)."""
        table = getattr(self, "ratio_sigma_", {})
        length = det.quarterly(frame)
        return np.where(length, table.get("1", self.sigma_ratio_), table.get("0", self.sigma_ratio_))

    def log_q999(self, frame: DoseFrame) -> np.ndarray:
        """Log of the peers' 99.9th-percentile dose for each row."""
        return self._lookup(frame, self.peer_log_q999_, self.channel_log_q999_, DEFAULT_LOG_Q999)


@dataclass
class Analysis:
    """Everything the layers compute on one batch, row-aligned."""

    frame: DoseFrame
    rolling: np.ndarray
    regulatory: dict[str, np.ndarray]
    base: det.Baselines
    spike: dict[str, np.ndarray]
    peer: np.ndarray
    unit: np.ndarray
    implausible: np.ndarray
    dates: np.ndarray
    duplicate: np.ndarray
    op_sum: np.ndarray
    mismatch: np.ndarray
    drift: dict[str, np.ndarray]
    sigma: np.ndarray


def analyse(model: DoseMonitor, records: pd.DataFrame | DoseFrame) -> Analysis:
    """Run both layers' statistics on a batch (vectorised; the batch must hold whole worker histories)."""
    frame = records if isinstance(records, DoseFrame) else build(records)
    rolling = rolling_by_channel(frame)
    base = det.baselines(frame)
    sigma = model.sigma(frame)
    op_sum, mismatch = det.passive_operational(frame)
    drift = det.drift_stats(frame, base, op_sum, sigma, model.sigma_ratio_)
    drift_sigma = model.drift_sigma(frame)
    drift.update(det.scan_stats(frame, base, op_sum, drift_sigma, model.sigma_ratio_))
    drift.update(det.glr_stats(frame, base, op_sum, drift_sigma, model.ratio_sigma(frame)))
    th = model.thresholds_
    for family, (first, second) in DRIFT_PARTS.items():
        drift[f"{family}_combine"] = np.fmax(drift[f"{family}_{first}"] / th[f"derive:{family}_part_{first}"],
                                             drift[f"{family}_{second}"] / th[f"derive:{family}_part_{second}"])
    return Analysis(
        frame=frame,
        rolling=rolling,
        regulatory=regulatory_flags(frame, rolling),
        base=base,
        spike=det.spike_stats(frame, base, sigma),
        peer=det.peer_stat(frame, base, model.log_q999(frame)),
        unit=det.unit_error(frame, base),
        implausible=det.implausible(frame),
        dates=det.incoherent_dates(frame),
        duplicate=frame.same_period_duplicate,
        op_sum=op_sum,
        mismatch=mismatch,
        drift=drift,
        sigma=sigma,
    )


def _strength(stat: np.ndarray, threshold: float, scale: float) -> np.ndarray:
    """Map a statistic to (0, 1): 0.5 at the alert threshold, rising towards 0.95, falling towards 0."""
    finite = np.isfinite(stat)
    x = np.where(finite, stat - threshold, -np.inf)
    above = 0.5 + 0.45 * (1 - np.exp(-np.clip(x, 0, None) / scale))
    below = 0.5 * np.exp(np.clip(x, -50, 0) / scale)
    return np.where(x >= 0, above, np.where(finite, below, 0.0))


def kind_strengths(model: DoseMonitor, a: Analysis) -> dict[str, np.ndarray]:
    """Strength (0–1, alert from 0.5) of every kind on every row, regulatory kinds included."""
    th = model.thresholds_
    out: dict[str, np.ndarray] = {}
    for kind in REGULATORY_KINDS:
        flag = a.regulatory[kind]
        out[kind] = np.where(flag, 0.95 + 0.049 * np.clip(a.rolling / 20.0 - 1, 0, 1), 0.0)
    spike_name = model.chosen_["pic_individuel"]
    spike_key = f"pic_individuel:{spike_name}"
    spike = _strength(a.spike[spike_name], th[spike_key], SCALES[spike_key])
    out["erreur_unite"] = np.where(a.unit, FIXED_STRENGTH["erreur_unite"], 0.0)
    out["pic_individuel"] = np.where(a.unit, np.minimum(spike, 0.49), spike)
    out["pic_pairs"] = _strength(a.peer, th["pic_pairs"], SCALES["pic_pairs"])
    out["ecart_passif_operationnel"] = _strength(a.mismatch, th["ecart_passif_operationnel"],
                                                 SCALES["ecart_passif_operationnel"])
    out["valeur_implausible"] = np.where(a.implausible, FIXED_STRENGTH["valeur_implausible"], 0.0)
    out["doublon"] = np.where(a.duplicate, FIXED_STRENGTH["doublon"], 0.0)
    out["date_incoherente"] = np.where(a.dates, FIXED_STRENGTH["date_incoherente"], 0.0)
    drift_name = model.chosen_["derive"]
    drift_key = f"derive:{drift_name}"
    drift = a.drift[drift_name]
    crossing = det.first_crossings(a.frame, drift, th[drift_key])
    drift_strength = _strength(drift, th[drift_key], SCALES[drift_key])
    out["derive"] = np.where(crossing, drift_strength, np.minimum(drift_strength, 0.49))
    return out


# ---- fitting --------------------------------------------------------------------------------------

def _robust_sd(values: pd.Series) -> float:
    return float(1.4826 * np.median(np.abs(values - np.median(values)))) if len(values) else DEFAULT_SIGMA


def _centred(value: np.ndarray, active: np.ndarray, worker: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deviations of active values from their worker's mean, and the factor n / (n - 1) that unbiases their square."""
    s = pd.Series(np.where(active, value, np.nan)).groupby(worker)
    n = s.transform("count").to_numpy()
    return value - s.transform("mean").to_numpy(), np.where(n > 1, n / np.maximum(n - 1, 1), np.nan)


def _period_scale(g: pd.DataFrame) -> float:
    """Standard deviation of one period around the worker's own level: a winsorised root mean square.

    (The median absolute deviation underestimates it: deviations from a short history's own centre are
    shrunk, and the period-to-period spread has heavier tails than a normal one.) Deviations beyond 3.5
    times the robust scale are brought back to it, so one spike does not inflate a whole group's scale.
    """
    r = g["r"].to_numpy()
    robust = 1.4826 * float(np.median(np.abs(r)))
    clipped = np.clip(r, -3.5 * robust, 3.5 * robust)
    return float(np.sqrt(np.mean(clipped ** 2 * g["dof"].to_numpy())))


def learn_references(model: DoseMonitor, frame: DoseFrame, clean: np.ndarray) -> None:
    """Peer scales, peer high quantiles and the passive/operational ratio scale, from clean training rows."""
    base = det.baselines(frame)
    resid = base.log_dose - base.worker_level - base.month_effect
    informative = clean & base.usable & ~frame.censored & (frame.dose >= frame.threshold) & (base.n_history >= 3)
    peer = np.asarray(frame.peer_names, dtype=object)[frame.peer_key] if len(frame.peer_names) else np.array([])
    df = pd.DataFrame({"peer": peer, "channel": frame.channel, "resid": np.abs(resid), "log": base.log_dose})
    df = df[informative]
    by_channel = df.groupby("channel")
    model.channel_sigma_ = {str(c): float(np.clip(1.4826 * g["resid"].median(), SIGMA_FLOOR, SIGMA_CEIL))
                            for c, g in by_channel if len(g) >= 30}
    model.channel_log_q999_ = {str(c): float(g["log"].quantile(0.999)) for c, g in by_channel if len(g) >= 200}
    model.peer_sigma_ = {}
    model.peer_log_q999_ = {}
    for (p, c), g in df.groupby(["peer", "channel"]):
        if len(g) >= 30:
            model.peer_sigma_[f"{p}|{c}"] = float(np.clip(1.4826 * g["resid"].median(), SIGMA_FLOOR, SIGMA_CEIL))
        if len(g) >= 300:
            model.peer_log_q999_[f"{p}|{c}"] = float(g["log"].quantile(0.999))
    value, active = det.history_series(frame, base)
    active &= clean & (base.n_history >= 4)
    centred, dof = _centred(value, active, frame.worker)
    drift_df = pd.DataFrame({"peer": peer, "q": det.quarterly(frame).astype(int), "r": centred, "dof": dof})[
        active & np.isfinite(dof)]
    model.drift_sigma_ = {f"*|{q}": float(np.clip(_period_scale(g), DRIFT_SIGMA_FLOOR, SIGMA_CEIL))
                          for q, g in drift_df.groupby("q") if len(g) >= 30}
    for (p, q), g in drift_df.groupby(["peer", "q"]):
        if len(g) >= 30:
            model.drift_sigma_[f"{p}|{q}"] = float(np.clip(_period_scale(g), DRIFT_SIGMA_FLOOR, SIGMA_CEIL))
    op_sum, _ = det.passive_operational(frame)
    both = clean & (frame.channel == PASSIVE) & np.isfinite(op_sum) & ~frame.censored & (frame.dose >= 0.1) & (
        op_sum >= 0.1)
    if both.sum() >= 30:
        lr = pd.Series(np.log(frame.dose[both] / op_sum[both]))
        model.sigma_ratio_ = float(np.clip(_robust_sd(lr), 0.05, 0.5))
    # per wear length, on every reading the GLR ratio test takes, around each worker's own level
    with np.errstate(divide="ignore", invalid="ignore"):
        lr_all = np.log(np.maximum(frame.dose, 1e-3) / np.maximum(op_sum, 1e-3))
    ratio_rows = clean & det.ratio_drift_rows(frame, base, op_sum, lr_all)
    ratio_rows &= pd.Series(ratio_rows.astype(float)).groupby(frame.worker).transform("sum").to_numpy() >= 4
    centred_ratio, dof_ratio = _centred(lr_all, ratio_rows, frame.worker)
    ratio_df = pd.DataFrame({"q": det.quarterly(frame).astype(int), "r": centred_ratio, "dof": dof_ratio})[
        ratio_rows & np.isfinite(dof_ratio)]
    model.ratio_sigma_ = {str(q): float(np.clip(_period_scale(g), 0.05, 0.5))
                          for q, g in ratio_df.groupby("q") if len(g) >= 30}
    model.n_train_rows_ = frame.n


def worker_periods(frame: DoseFrame) -> int:
    """Distinct (worker, wear-period start) pairs: the denominator of false-alert rates."""
    key = pd.DataFrame({"w": frame.worker, "s": np.nan_to_num(frame.start, nan=-1)})
    return len(key.drop_duplicates())


def _threshold_at_budget(stat: np.ndarray, negative: np.ndarray, budget_per_1000: float, n_wp: int,
                         default: float) -> float:
    """Smallest threshold keeping false alerts on negatives within budget (never below the default)."""
    allowed = int(np.floor(budget_per_1000 * n_wp / 1000))
    neg = np.sort(stat[negative & np.isfinite(stat)])[::-1]
    if len(neg) <= allowed:
        return default
    return float(max(default, neg[allowed] + 1e-6))


def calibrate(model: DoseMonitor, data: pd.DataFrame, frame: DoseFrame) -> None:
    """Choose thresholds at the false-alert budget and keep, per kind, the detector with the best recall."""
    truth_anomaly = data["is_anomaly"].to_numpy(dtype=bool)
    truth_breach = data["is_breach"].to_numpy(dtype=bool) if "is_breach" in data else np.zeros(len(data), bool)
    kinds = data["anomaly_kind"].astype(str).to_numpy()
    negative = ~truth_anomaly & ~truth_breach
    n_wp = worker_periods(frame)
    a = analyse(model, frame)
    th = model.thresholds_
    spike_truth = pd.Series(kinds).str.contains("pic").to_numpy()
    best: tuple[float, str] = (-1.0, model.chosen_["pic_individuel"])
    for name in SPIKE_DETECTORS:
        key = f"pic_individuel:{name}"
        th[key] = _threshold_at_budget(a.spike[name], negative, FALSE_ALERT_BUDGET["pic_individuel"], n_wp,
                                       DEFAULT_THRESHOLDS[key])
        hit = a.spike[name] >= th[key]
        recall = float(hit[spike_truth].mean()) if spike_truth.any() else 0.0
        model.comparison_[f"{key}:rappel"] = recall
        model.comparison_[f"{key}:seuil"] = th[key]
        if recall > best[0] + 1e-9:
            best = (recall, name)
    model.chosen_["pic_individuel"] = best[1]
    th["pic_pairs"] = _threshold_at_budget(a.peer, negative, FALSE_ALERT_BUDGET["pic_pairs"], n_wp,
                                           DEFAULT_THRESHOLDS["pic_pairs"])
    th["ecart_passif_operationnel"] = _threshold_at_budget(
        a.mismatch, negative, FALSE_ALERT_BUDGET["ecart_passif_operationnel"], n_wp,
        DEFAULT_THRESHOLDS["ecart_passif_operationnel"])
    # drift: thresholds on the crossings of workers without a drift, recall within three periods
    drift_start = pd.to_datetime(data["drift_start"]) if "drift_start" in data else pd.Series(pd.NaT, index=data.index)
    has_drift = drift_start.notna().to_numpy()
    drift_negative = negative & ~has_drift
    for family, parts in DRIFT_PARTS.items():
        for name in parts:
            key = f"derive:{family}_part_{name}"
            th[key] = _calibrate_crossings(a.frame, a.drift[f"{family}_{name}"], drift_negative,
                                           FALSE_ALERT_BUDGET["derive"] / 2, n_wp, DEFAULT_THRESHOLDS[key])
    a = analyse(model, frame)
    best = (-1.0, model.chosen_["derive"])
    from iapublique.services.radiation_exposure.evaluation import drift_delays

    for name in DRIFT_DETECTORS:
        key = f"derive:{name}"
        if name.endswith("_combine") and name.split("_")[0] in DRIFT_PARTS:
            th[key] = 1.0
        else:
            th[key] = _calibrate_crossings(a.frame, a.drift[name], drift_negative, FALSE_ALERT_BUDGET["derive"],
                                           n_wp, DEFAULT_THRESHOLDS[key])
        alerts = det.first_crossings(a.frame, a.drift[name], th[key])
        delays = drift_delays(a.frame, alerts, drift_start.to_numpy())
        recall = float(np.mean(delays <= 2)) if len(delays) else 0.0
        model.comparison_[f"{key}:rappel_3_periodes"] = recall
        model.comparison_[f"{key}:seuil"] = th[key]
        if recall > best[0] + 1e-9:
            best = (recall, name)
    model.chosen_["derive"] = best[1]
    model.calibrated_ = True


def _calibrate_crossings(frame: DoseFrame, stat: np.ndarray, negative: np.ndarray, budget: float, n_wp: int,
                         default: float) -> float:
    """Threshold whose upward crossings on negative rows stay within the false-alert budget."""
    allowed = int(np.floor(budget * n_wp / 1000))
    candidates = np.sort(np.unique(np.round(stat[negative & np.isfinite(stat) & (stat > 0)], 3)))[::-1]
    if len(candidates) == 0:
        return default
    lo, hi = 0, len(candidates) - 1
    # crossings decrease as the threshold grows: binary search over candidate values
    best = float(candidates[0]) + 1e-3
    while lo <= hi:
        mid = (lo + hi) // 2
        t = float(candidates[mid]) + 1e-3
        n_false = int((det.first_crossings(frame, stat, t) & negative).sum())
        if n_false <= allowed:
            best = t
            lo = mid + 1
        else:
            hi = mid - 1
    return max(default, best)


def fit_monitor(data: pd.DataFrame) -> DoseMonitor:
    """Learn peer references from the training rows and, when truth columns are present, calibrate."""
    model = DoseMonitor()
    frame = build(data)
    labelled = "is_anomaly" in data.columns
    clean = ~data["is_anomaly"].to_numpy(dtype=bool) if labelled else np.ones(len(data), dtype=bool)
    learn_references(model, frame, clean)
    if labelled and data["is_anomaly"].any():
        calibrate(model, data, frame)
    return model

