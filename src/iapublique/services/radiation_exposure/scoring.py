"""Scoring a batch: both layers combined into one verdict per dose record, in input order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.model import Analysis, DoseMonitor, analyse, kind_strengths
from iapublique.services.radiation_exposure.projection import projections
from iapublique.services.radiation_exposure.reasons import NO_ALERT, alert_texts
from iapublique.services.radiation_exposure.schema import REGULATORY_KINDS

ALERT_AT = 0.5


def severity_of(score: np.ndarray, regulatory: np.ndarray) -> np.ndarray:
    """Severity labels: regulatory first, then by the strength of the strongest anomaly."""
    return np.select(
        [regulatory, score >= 0.8, score >= 0.65, score >= ALERT_AT],
        ["reglementaire", "forte", "moyenne", "faible"],
        default="aucune",
    ).astype(object)


def score_analysis(model: DoseMonitor, a: Analysis) -> pd.DataFrame:
    """Result columns (without ``model_version``) from an analysed batch."""
    strengths = kind_strengths(model, a)
    names = list(strengths)
    matrix = np.column_stack([strengths[k] for k in names]) if names else np.zeros((a.frame.n, 0))
    score = matrix.max(axis=1) if a.frame.n else np.zeros(0)
    alert = score >= ALERT_AT
    reg_cols = [names.index(k) for k in REGULATORY_KINDS]
    regulatory: np.ndarray = np.asarray((matrix[:, reg_cols] >= ALERT_AT).any(axis=1), dtype=bool)
    valid = ~a.dates & ~a.implausible & ~a.frame.same_period_duplicate
    projection = projections(a.frame, valid)
    rows = np.flatnonzero(alert)
    kinds: list[list[str]] = []
    sub = matrix[rows]
    order = np.argsort(-sub, axis=1, kind="stable")
    for r, o in zip(sub, order, strict=True):
        kinds.append([names[j] for j in o if r[j] >= ALERT_AT])
    reasons, explanations = alert_texts(a, rows, kinds, strengths, projection)
    kinds_col = np.full(a.frame.n, "", dtype=object)
    reason_col = np.full(a.frame.n, "Aucune alerte.", dtype=object)
    expl_col = np.full(a.frame.n, NO_ALERT, dtype=object)
    if len(rows):
        kinds_col[rows] = [",".join(k) for k in kinds]
        reason_col[rows] = reasons
        expl_col[rows] = explanations
    return pd.DataFrame({
        "score": np.round(score.astype(float), 6),
        "explanation": expl_col,
        "record_id": a.frame.record_ids,
        "worker_id": a.frame.worker_ids,
        "alert": alert,
        "alert_kinds": kinds_col,
        "severity": severity_of(score, regulatory),
        "rolling_12m_msv": np.round(a.rolling, 4),
        "projection": projection,
        "reason": reason_col,
    })


def score_records(model: DoseMonitor, records: pd.DataFrame) -> pd.DataFrame:
    """Score a batch of dose records (whole worker histories) into Result rows, same order as the input."""
    out = score_analysis(model, analyse(model, records))
    out.index = records.index if len(records.index) == len(out) else out.index
    return out.reset_index(drop=True)
