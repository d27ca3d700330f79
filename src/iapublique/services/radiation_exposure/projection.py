"""Projection of each worker's rolling 12-month effective dose, written in French."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from babel.dates import format_date

from iapublique.services.radiation_exposure.doseframe import INTERNAL, PASSIVE, DoseFrame

TARGETS = (6.0, 20.0)
"""Thresholds projected: 6 mSv (category B / minors' limit) and 20 mSv (the effective-dose limit)."""
RECENT_MONTHS = 3


def fr_numbers(values: np.ndarray, decimals: int = 2) -> np.ndarray:
    """Numbers in French format (comma decimal, narrow no-break space between thousands), vectorised."""
    fmt = f"{{:,.{decimals}f}}"
    s = pd.Series(np.asarray(values, dtype=float)).map(fmt.format)
    out = s.str.replace(",", "\u202f", regex=False).str.replace(".", ",", regex=False)
    return out.to_numpy(dtype=object)


def month_label(month_index: int) -> str:
    """'mars 2026' for a month index (year * 12 + month - 1), with Babel."""
    year, month = divmod(int(month_index), 12)
    return format_date(dt.date(year, month + 1, 1), "MMMM y", locale="fr_FR")


def monthly_matrix(frame: DoseFrame, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per worker: the last month with an effective-dose record and the doses of the 12 months ending there."""
    n_workers = int(frame.worker.max()) + 1 if frame.n else 0
    eff = valid & np.isin(frame.channel, [PASSIVE, INTERNAL])
    last = np.full(n_workers, -1, dtype=np.int64)
    np.maximum.at(last, frame.worker[eff], frame.month[eff])
    matrix = np.zeros((n_workers, 12))
    offset = last[frame.worker] - frame.month
    inside = eff & (offset >= 0) & (offset < 12)
    np.add.at(matrix, (frame.worker[inside], 11 - offset[inside]), frame.counted_dose[inside])
    return last, matrix, last >= 0


def projections(frame: DoseFrame, valid: np.ndarray) -> np.ndarray:
    """French projection sentence of each row's worker (same sentence on all the worker's rows)."""
    last, m, has = monthly_matrix(frame, valid)
    s0 = m.sum(axis=1)
    rate = m[:, 12 - RECENT_MONTHS:].sum(axis=1) / RECENT_MONTHS
    k = np.arange(1, 13)
    future = s0[:, None] - np.cumsum(m, axis=1) + k[None, :] * rate[:, None]
    text = np.full(len(s0), "", dtype=object)
    s0_txt = fr_numbers(s0)
    rate_txt = fr_numbers(rate)
    done = ~has
    text[~has] = "Aucune dosimétrie corps entier ou interne pour ce travailleur : pas de projection."
    over = has & (s0 > TARGETS[-1])
    text[over] = "Cumul sur 12 mois glissants de " + s0_txt[over] + " mSv : au-delà de la limite de 20 mSv."
    done |= over
    for target in TARGETS:
        crossing = (future > target) & (s0[:, None] <= target)
        first = np.where(crossing.any(axis=1), crossing.argmax(axis=1) + 1, 0)
        sel = ~done & (first > 0)
        if sel.any():
            months = last[sel] + first[sel]
            labels = {mi: month_label(mi) for mi in np.unique(months)}
            when = np.array([labels[mi] for mi in months], dtype=object)
            text[sel] = ("Au rythme des 3 derniers mois (" + rate_txt[sel] + " mSv par mois), le cumul sur 12 mois "
                         f"atteindra {target:.0f} mSv vers " + when + ".")
            done |= sel
    rest = ~done
    if rest.any():
        peak = fr_numbers(np.maximum(future.max(axis=1), s0))
        horizon = {mi: month_label(mi) for mi in np.unique(last[rest] + 12)}
        until = np.array([horizon[mi] for mi in last[rest] + 12], dtype=object)
        peak_value = np.maximum(future.max(axis=1), s0)[rest]
        bound = np.where(peak_value <= TARGETS[0], "6", "20").astype(object)
        text[rest] = ("Cumul sur 12 mois de " + s0_txt[rest] + " mSv ; au rythme actuel, il resterait sous " + bound
                      + " mSv jusqu'en " + until + " (au plus " + peak[rest] + " mSv).")
    return np.asarray(text[frame.worker] if frame.n else np.zeros(0, dtype=object))
