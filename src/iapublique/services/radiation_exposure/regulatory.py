"""The regulatory layer: exhaustive, deterministic checks of dose limits and dosimeter returns.

Doses are attached to the month in which their wear period ends. The sum over "any 12 consecutive
months" is checked at every month holding a record of the worker, which is exhaustive: the window
ending at the last record of any 12-month window contains all of that window's records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iapublique.services.radiation_exposure.doseframe import (
    EXTREMITIES,
    INTERNAL,
    LENS,
    MONTH_SPAN,
    PASSIVE,
    SKIN,
    SUM_GROUP,
    WEAR_CHANNELS,
    DoseFrame,
)

EPS = 1e-9
MAX_RETURN_DAYS = 60
"""A worn dosimeter's result must reach the laboratory within 60 days after its wear period."""
MAX_GAP_DAYS = 7
"""Days of a follow-up left uncovered between two passive wear periods before it counts as missing."""


@dataclass(frozen=True)
class Rule:
    """A dose limit over 12 rolling months on some channels, for some workers."""

    kind: str
    channels: tuple[int, ...]
    limit: float
    population: str  # "all", "minor" or "category_b"


RULES: tuple[Rule, ...] = (
    Rule("depassement_20msv_12mois", (PASSIVE, INTERNAL), 20.0, "all"),
    Rule("extremites_500", (EXTREMITIES,), 500.0, "all"),
    Rule("peau_500", (SKIN,), 500.0, "all"),
    Rule("cristallin_20", (LENS,), 20.0, "all"),
    Rule("mineur_6msv", (PASSIVE, INTERNAL), 6.0, "minor"),
    Rule("mineur_extremites_150", (EXTREMITIES,), 150.0, "minor"),
    Rule("mineur_cristallin_15", (LENS,), 15.0, "minor"),
    Rule("categorie_b_6msv", (PASSIVE, INTERNAL), 6.0, "category_b"),
)


def rolling_12m(group: np.ndarray, month: np.ndarray, value: np.ndarray, window: int = 12) -> np.ndarray:
    """Sum of ``value`` over the rows of the same group whose month lies in [month - window + 1, month]."""
    n = len(value)
    if n == 0:
        return np.zeros(0)
    key = group.astype(np.int64) * MONTH_SPAN * 2 + (month - month.min())
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    csum = np.concatenate([[0.0], np.cumsum(value[order])])
    hi = np.searchsorted(sorted_key, key, side="right")
    lo = np.searchsorted(sorted_key, key - window, side="right")
    out: np.ndarray = csum[hi] - csum[lo]
    return np.round(out, 9)


def rolling_by_channel(frame: DoseFrame) -> np.ndarray:
    """Rolling 12-month sum of each row's quantity (effective dose for passive and internal rows)."""
    group = frame.worker * 8 + SUM_GROUP[frame.channel]
    return rolling_12m(group, frame.month, frame.counted_dose)


def population_mask(frame: DoseFrame, population: str) -> np.ndarray:
    """Rows of workers the rule applies to at the time of the record."""
    if population == "minor":
        age = frame.age
        return (age >= 16) & (age <= 18)
    if population == "category_b":
        return frame.category == "B"
    return np.ones(frame.n, dtype=bool)


def passive_gaps(frame: DoseFrame) -> np.ndarray:
    """Passive rows starting over ``MAX_GAP_DAYS`` after all earlier wear periods (or the follow-up start)."""
    flags = np.zeros(frame.n, dtype=bool)
    idx = np.flatnonzero((frame.channel == PASSIVE) & np.isfinite(frame.start) & np.isfinite(frame.end))
    if len(idx) == 0:
        return flags
    order = idx[np.lexsort([frame.end[idx], frame.start[idx], frame.worker[idx]])]
    w = frame.worker[order]
    ends = frame.end[order]
    # running maximum of period ends within each worker, shifted by one row
    offset = w.astype(float) * 1e7
    running = np.maximum.accumulate(ends + offset) - offset
    prev = np.concatenate([[np.nan], running[:-1]])
    first = np.concatenate([[True], w[1:] != w[:-1]])
    # before the first period, the follow-up start (when known) is what must be covered
    prev = np.where(first, frame.follow_up_start[order] - 1, prev)
    gap = np.isfinite(prev) & (frame.start[order] - prev > MAX_GAP_DAYS + 1)
    flags[order] = gap
    return flags


def regulatory_flags(frame: DoseFrame, rolling: np.ndarray) -> dict[str, np.ndarray]:
    """Every regulatory kind -> boolean array of rows in breach (deterministic and exhaustive)."""
    flags: dict[str, np.ndarray] = {}
    for rule in RULES:
        on_channel = np.isin(frame.channel, rule.channels)
        flags[rule.kind] = on_channel & population_mask(frame, rule.population) & (rolling > rule.limit + EPS)
    wear = WEAR_CHANNELS[frame.channel]
    delay = frame.received - frame.end
    flags["retard_dosimetre"] = wear & np.isfinite(delay) & (delay > MAX_RETURN_DAYS)
    missing = ~np.isfinite(frame.dose) & ~frame.censored
    flags["dosimetre_manquant"] = missing | passive_gaps(frame)
    return flags


def rule_limit(kind: str) -> float | None:
    """The limit (mSv) of a dose rule, ``None`` for return/missing rules."""
    for rule in RULES:
        if rule.kind == kind:
            return rule.limit
    return None
