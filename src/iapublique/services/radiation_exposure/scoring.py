"""Scoring a batch: both layers combined into one verdict per dose record, in input order."""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.model import Analysis, DoseMonitor, analyse, kind_strengths
from iapublique.services.radiation_exposure.projection import projections
from iapublique.services.radiation_exposure.reasons import NO_ALERT, alert_texts
from iapublique.services.radiation_exposure.schema import REGULATORY_KINDS

ALERT_AT = 0.5
SEVERITY_LABELS = np.array(["reglementaire", "forte", "moyenne", "faible", "aucune"], dtype=object)
CHUNK_ROWS = 250_000
"""Records analysed at once at most; larger batches are scored in parts of whole workers and employers."""


def severity_of(score: np.ndarray, regulatory: np.ndarray) -> np.ndarray:
    """Severity labels (shared string objects): regulatory first, then by the strength of the strongest anomaly."""
    rank = np.select([regulatory, score >= 0.8, score >= 0.65, score >= ALERT_AT], [0, 1, 2, 3], default=4)
    return np.asarray(SEVERITY_LABELS[rank], dtype=object)


def score_analysis(model: DoseMonitor, a: Analysis) -> pd.DataFrame:
    """Result columns (without ``model_version``) from an analysed batch."""
    return as_frame(result_columns(model, a))


def as_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Result arrays as a DataFrame without copying them; text stays in object columns sharing its strings.

    (Letting pandas infer its string dtype would copy every cell, e.g. the same "no alert" explanation
    millions of times, and the platform converts results back to Python objects anyway.)
    """
    return pd.DataFrame({name: pd.Series(values, dtype=values.dtype, copy=False) for name, values in columns.items()},
                        copy=False)


def result_columns(model: DoseMonitor, a: Analysis) -> dict[str, np.ndarray]:
    """Result arrays (without ``model_version``) of an analysed batch, one entry per record."""
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
    return {
        "score": np.round(score.astype(float), 6),
        "explanation": expl_col,
        "record_id": a.frame.record_ids,
        "worker_id": a.frame.worker_ids,
        "employer_siret": a.frame.employer_sirets,
        "alert": alert,
        "alert_kinds": kinds_col,
        "severity": severity_of(score, regulatory),
        "rolling_12m_msv": np.round(a.rolling, 4),
        "projection": np.asarray(projection, dtype=object),
        "reason": reason_col,
    }


def score_records(model: DoseMonitor, records: pd.DataFrame, chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Score a batch of dose records (whole worker histories) into Result rows, same order as the input.

    A batch larger than ``chunk_rows`` is scored part by part (see :func:`employer_parts`), each part's
    results written into arrays of the whole batch: the memory of the analysis is bounded by one part.
    """
    records = records.reset_index(drop=True)
    n = len(records)
    if n <= chunk_rows:
        return score_analysis(model, analyse(model, records))
    columns: dict[str, np.ndarray] = {}
    for pos in employer_parts(records, -(-n // chunk_rows)):
        piece = result_columns(model, analyse(model, records.iloc[pos]))
        for name, values in piece.items():
            if name not in columns:
                columns[name] = np.empty(n, dtype=values.dtype)
            columns[name][pos] = values
    return as_frame(columns)


def employer_groups(records: pd.DataFrame) -> np.ndarray:
    """Group code of each row: the employer of the worker's first record, so a worker's rows share one group.

    Detection compares a worker with their own history and with colleagues of the same employer that month:
    any split of a batch along these groups scores each part exactly as the whole batch would.
    """
    worker, _ = pd.factorize(records["worker_id"], use_na_sentinel=False)
    employer, _ = pd.factorize(records["employer_siret"], use_na_sentinel=False)
    _, first = np.unique(worker, return_index=True)
    return np.asarray(employer[first][worker], dtype=np.int64)


def employer_parts(records: pd.DataFrame, parts: int) -> list[np.ndarray]:
    """Row positions of ``parts`` balanced parts made of whole :func:`employer_groups` (largest group first)."""
    group = employer_groups(records)
    sizes = np.bincount(group)
    loads = [(0, p) for p in range(parts)]
    part_of = np.zeros(len(sizes), dtype=np.int64)
    for code in np.argsort(-sizes, kind="stable"):
        load, p = heapq.heappop(loads)
        part_of[code] = p
        heapq.heappush(loads, (load + int(sizes[code]), p))
    part = part_of[group]
    return [pos for pos in (np.flatnonzero(part == p) for p in range(parts)) if len(pos)]
