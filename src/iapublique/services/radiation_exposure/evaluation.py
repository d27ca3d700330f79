"""Quality figures of the dose monitor against the generator's ground truth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.doseframe import PASSIVE, DoseFrame, build
from iapublique.services.radiation_exposure.schema import REGULATORY_KINDS


def drift_delays(frame: DoseFrame, alerts: np.ndarray, drift_start: np.ndarray) -> np.ndarray:
    """Delay, in the worker's passive wear periods, of the first drift alert after each drift start (inf if none).

    Delay 0 means the alert came on the first drifting period; "within 3 periods" means a delay of 0, 1 or 2.
    """
    start_days = pd.to_datetime(pd.Series(drift_start)).to_numpy().astype("datetime64[D]")
    has = ~np.isnat(start_days)
    if not has.any():
        return np.zeros(0)
    sd = np.where(has, start_days.astype("datetime64[D]").astype(np.int64), 0).astype(float)
    rows = has & (frame.channel == PASSIVE) & ~frame.same_period_duplicate & np.isfinite(frame.start) & (
        frame.start >= sd)
    df = pd.DataFrame({"w": frame.worker[rows], "s": frame.start[rows], "alert": alerts[rows]})
    df = df.sort_values(["w", "s"], kind="stable")
    df["rank"] = df.groupby("w").cumcount()
    first = df[df["alert"]].groupby("w")["rank"].min()
    workers = np.unique(frame.worker[has])
    return first.reindex(workers).fillna(np.inf).to_numpy(dtype=float)


def _truth_bool(data: pd.DataFrame, name: str) -> np.ndarray:
    if name not in data:
        return np.zeros(len(data), dtype=bool)
    return data[name].astype(object).where(data[name].notna(), False).astype(bool).to_numpy()


def quality(results: pd.DataFrame, data: pd.DataFrame, frame: DoseFrame | None = None) -> dict[str, float]:
    """The issue's figures: regulatory recall, gross recall, false alerts, drift recall and delay, top-1 % precision."""
    frame = frame if frame is not None else build(data)
    alert = results["alert"].to_numpy(dtype=bool)
    kinds = results["alert_kinds"].astype(str).to_numpy()
    score = results["score"].to_numpy(dtype=float)
    is_anomaly = _truth_bool(data, "is_anomaly")
    is_gross = _truth_bool(data, "is_gross")
    is_breach = _truth_bool(data, "is_breach")
    truth_kinds = data["breach_kinds"].astype(str).to_numpy() if "breach_kinds" in data else np.full(len(data), "")
    predicted_sets = [set(k.split(",")) for k in kinds]
    found = [set(t.split(",")) <= p for t, p in zip(truth_kinds[is_breach], np.asarray(predicted_sets, dtype=object)[
        is_breach], strict=True)]
    regulatory_recall = float(np.mean(found)) if found else 1.0
    flagged_reg = np.array([bool(p & set(REGULATORY_KINDS)) for p in predicted_sets], dtype=bool)
    regulatory_precision = float(is_breach[flagged_reg].mean()) if flagged_reg.any() else 1.0
    positives = is_anomaly | is_breach
    wp = frame_worker_periods(frame)
    false_alerts = int((alert & ~positives).sum())
    n_top = max(1, math.ceil(0.01 * len(score)))
    top = np.argsort(-score, kind="stable")[:n_top]
    delays = drift_delays(frame, np.char.find(kinds.astype(str), "derive") >= 0, data["drift_start"].to_numpy()) \
        if "drift_start" in data else np.zeros(0)
    detected = delays[np.isfinite(delays)]
    spike_subtle = is_anomaly & ~is_gross & pd.Series(data.get("anomaly_kind", pd.Series([""] * len(data)))).astype(
        str).str.contains("pic").to_numpy()
    return {
        "regulatory_recall": regulatory_recall,
        "regulatory_precision": regulatory_precision,
        "gross_anomaly_recall": float(alert[is_gross].mean()) if is_gross.any() else 1.0,
        "false_alerts_per_1000_worker_periods": 1000.0 * false_alerts / max(1, wp),
        "drift_recall_within_3_periods": float(np.mean(delays <= 2)) if len(delays) else 0.0,
        "drift_median_delay_periods": float(np.median(detected)) if len(detected) else float("nan"),
        "precision_top1pct": float(positives[top].mean()),
        "alerts_per_1000_worker_periods": 1000.0 * float(alert.sum()) / max(1, wp),
        "subtle_spike_recall": float(alert[spike_subtle].mean()) if spike_subtle.any() else float("nan"),
        "n_records": float(len(data)),
        "n_workers": float(len(np.unique(frame.worker))),
        "worker_periods": float(wp),
        "n_gross_anomalies": float(is_gross.sum()),
        "n_breach_records": float(is_breach.sum()),
        "n_drifting_workers": float(len(delays)),
    }


def frame_worker_periods(frame: DoseFrame) -> int:
    """Distinct (worker, wear-period start) pairs of a batch."""
    key = pd.DataFrame({"w": frame.worker, "s": np.nan_to_num(frame.start, nan=-1)})
    return len(key.drop_duplicates())
