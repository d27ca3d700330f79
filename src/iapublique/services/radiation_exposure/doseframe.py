"""Dose records as flat numpy arrays (integer codes, day numbers, month indices) for vectorised detection."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.schema import CHANNELS, RECORDING_THRESHOLD_MSV

CHANNEL_CODE = {name: i for i, name in enumerate(CHANNELS)}
PASSIVE, OPERATIONAL, EXTREMITIES, SKIN, LENS, INTERNAL = range(6)
SUM_GROUP = np.array([0, 1, 2, 3, 4, 0], dtype=np.int64)
"""Rolling-sum group of each channel: passive whole-body and internal add up to the effective dose."""
WEAR_CHANNELS = np.array([True, False, True, True, True, False])
"""Channels measured by a worn dosimeter returned to a laboratory (subject to the return delay rule)."""
THRESHOLDS = np.array([RECORDING_THRESHOLD_MSV[c] for c in CHANNELS])
MONTH_BASE = 1900 * 12
MONTH_SPAN = 1 << 20


def _days(values: pd.Series) -> np.ndarray:
    """Dates as float day numbers since 1970-01-01 (NaN when missing or unreadable)."""
    as_dt = pd.to_datetime(values, errors="coerce")
    out = np.full(len(as_dt), np.nan)
    ok = as_dt.notna().to_numpy()
    out[ok] = as_dt[ok].to_numpy().astype("datetime64[D]").astype(np.int64)
    return out


def _months(days: np.ndarray) -> np.ndarray:
    """Month index (year * 12 + month - 1) of day numbers, clipped to a safe range; missing -> base."""
    safe = np.nan_to_num(days, nan=0.0)
    d = safe.astype("int64").astype("datetime64[D]")
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    months = d.astype("datetime64[M]").astype(np.int64) % 12
    idx = years * 12 + months
    return np.clip(idx, MONTH_BASE, MONTH_BASE + MONTH_SPAN - 1)


@dataclass
class DoseFrame:
    """Columns of a batch of dose records, coded for vectorised work (one entry per input row)."""

    n: int
    worker: np.ndarray
    channel: np.ndarray
    employer: np.ndarray
    peer_key: np.ndarray
    peer_names: np.ndarray
    start: np.ndarray
    end: np.ndarray
    follow_up_start: np.ndarray
    received: np.ndarray
    month: np.ndarray
    dose: np.ndarray
    censored: np.ndarray
    year_of_birth: np.ndarray
    category: np.ndarray
    exact_duplicate: np.ndarray
    same_period_duplicate: np.ndarray
    worker_ids: np.ndarray
    record_ids: np.ndarray
    employer_sirets: np.ndarray
    sector: np.ndarray
    job: np.ndarray

    @property
    def counted_dose(self) -> np.ndarray:
        """Dose counted in regulatory sums: missing, negative and below-threshold values count as zero."""
        d = np.where(np.isfinite(self.dose) & (self.dose > 0) & ~self.censored, self.dose, 0.0)
        return np.where(self.exact_duplicate, 0.0, d)

    @property
    def age(self) -> np.ndarray:
        """Age in whole years at the end of the wear period (year difference; birth date unknown)."""
        return self.month // 12 - self.year_of_birth

    @property
    def threshold(self) -> np.ndarray:
        """Recording threshold of each row's channel (mSv)."""
        return THRESHOLDS[self.channel]


def _text(df: pd.DataFrame, name: str) -> pd.Series:
    """A text column with missing values as empty strings (a column of Python strings is used as it is)."""
    if name not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    column = df[name]
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=False) == "string":
        return column
    return column.astype(object).where(column.notna(), "").astype(str)


def duplicate_flags(keys: list[np.ndarray], received: np.ndarray) -> np.ndarray:
    """True on every row that repeats an earlier-received row with the same keys (first arrival kept)."""
    n = len(received)
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort([np.arange(n), np.nan_to_num(received, nan=np.inf), *reversed(keys)])
    same = np.ones(n - 1, dtype=bool)
    for k in keys:
        ks = k[order]
        same &= ks[1:] == ks[:-1]
    flags = np.zeros(n, dtype=bool)
    flags[order[1:]] = same
    return flags


def build(records: pd.DataFrame) -> DoseFrame:
    """Code a Record DataFrame into a :class:`DoseFrame` (no Python loop over rows)."""
    n = len(records)
    worker_ids = _text(records, "worker_id")
    worker, _ = pd.factorize(worker_ids)
    employer_sirets = _text(records, "employer_siret").to_numpy()
    employer, _ = pd.factorize(employer_sirets)
    sector = _text(records, "sector").to_numpy()
    job = _text(records, "job").to_numpy()
    channel_names = _text(records, "dosimetry_type")
    channel = channel_names.map(CHANNEL_CODE).fillna(PASSIVE).to_numpy().astype(np.int64)
    peer_label = pd.Series(sector, dtype=object) + "|" + pd.Series(job, dtype=object)
    peer_key, peer_names = pd.factorize(peer_label)
    start = _days(records["period_start"]) if "period_start" in records else np.full(n, np.nan)
    end = _days(records["period_end"]) if "period_end" in records else np.full(n, np.nan)
    received = _days(records["received_date"]) if "received_date" in records else np.full(n, np.nan)
    follow_up = _days(records["follow_up_start"]) if "follow_up_start" in records else np.full(n, np.nan)
    dose = pd.to_numeric(records.get("dose_msv", pd.Series(np.nan, index=records.index)), errors="coerce")
    dose_arr = dose.to_numpy(dtype=float, na_value=np.nan)
    below = records.get("below_threshold", pd.Series(False, index=records.index))
    censored = below.astype(object).where(below.notna(), False).astype(bool).to_numpy()
    yob = pd.to_numeric(records.get("year_of_birth", pd.Series(np.nan, index=records.index)), errors="coerce")
    yob_arr = yob.fillna(1900).to_numpy(dtype=float).astype(np.int64)
    category = _text(records, "category").to_numpy()
    month = _months(end)
    worker64 = worker.astype(np.int64)
    start_k = np.nan_to_num(start, nan=-1e9)
    end_k = np.nan_to_num(end, nan=-1e9)
    dose_k = np.where(censored, -1.0, np.nan_to_num(dose_arr, nan=-2.0))
    exact = duplicate_flags([worker64, channel, start_k, end_k, dose_k], received)
    same_period = duplicate_flags([worker64, channel, start_k, end_k], received)
    return DoseFrame(
        n=n,
        worker=worker64,
        channel=channel,
        employer=employer.astype(np.int64),
        peer_key=peer_key.astype(np.int64),
        peer_names=np.asarray(peer_names, dtype=object),
        start=start,
        end=end,
        follow_up_start=follow_up,
        received=received,
        month=month,
        dose=dose_arr,
        censored=censored,
        year_of_birth=yob_arr,
        category=category,
        exact_duplicate=exact,
        same_period_duplicate=same_period,
        worker_ids=worker_ids.to_numpy(),
        record_ids=_text(records, "record_id").to_numpy(),
        employer_sirets=employer_sirets,
        sector=sector,
        job=job,
    )
