"""The unit-value chart of the detail view, drawn on the server as SVG geometry (no script, no image file).

The reference is the distribution of unit values (declared value per kg) of the same HS6 code × origin
in the fitted model (its stored quantiles), falling back like the model to HS6, HS4 then HS2 when the
cell is thin, or, for a model without references, to the declarations of the analysed batch. The chart
is a histogram whose bars span consecutive quantiles (each holds 5 % of the reference declarations), on
a logarithmic axis, with the declaration's own unit value marked; a data table carries the same figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from iapublique.services.customs_fraud.model import MIN_REFERENCE, QUANTILES, UV_LEVELS, prepare

LEVEL_LABELS = ("SH6 × origine", "SH6", "SH4 (position)", "SH2 (chapitre)")
"""French names of the reference levels of :data:`UV_LEVELS`, most specific first."""
MIN_BATCH_REFERENCE = 10
"""Fewest declarations of the batch needed for a batch reference."""
TABLE_QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
"""Quantiles listed in the chart's data table."""

MIN_BAR_SHARE = 0.04
"""Narrowest bar, as a share of the axis (narrower quantile intervals are merged with their neighbours)."""

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 24, 24, 48, 56


@dataclass(frozen=True)
class UnitValueReference:
    """A reference distribution of unit values: where it comes from and its quantiles (€/kg)."""

    level: str
    cell: str
    count: int
    probabilities: tuple[float, ...]
    values: tuple[float, ...]
    source: str

    @property
    def median(self) -> float:
        """The median unit value of the reference."""
        return float(np.interp(0.5, self.probabilities, self.values))

    def rank_of(self, value: float) -> float | None:
        """Where ``value`` falls in the reference, as a share (interpolated between the stored quantiles)."""
        if not math.isfinite(value) or value <= 0:
            return None
        logs = np.log(self.values)
        return float(np.interp(math.log(value), logs, self.probabilities, left=0.0, right=1.0))


def unit_value(record: dict[str, Any]) -> float:
    """The declared value per kg of a record (NaN without a positive mass and price)."""
    try:
        mass, price = float(record.get("net_mass") or 0), float(record.get("item_price") or 0)
    except (TypeError, ValueError):
        return float("nan")
    return price / mass if mass > 0 and price > 0 else float("nan")


def model_reference(model: Any, record: dict[str, Any]) -> UnitValueReference | None:
    """The model's reference cell for this record (the first level with enough declarations), or None."""
    refs = getattr(model, "uv_refs_", None)
    if not refs:
        return None
    cols = prepare(pd.DataFrame([record]))
    for level, label, ref in zip(UV_LEVELS, LEVEL_LABELS, refs, strict=False):
        key = "|".join(str(cols[part][0]) for part in level)
        pos = np.flatnonzero(np.asarray(ref.keys) == key)
        if len(pos) and ref.count[pos[0]] >= MIN_REFERENCE:
            logs = np.asarray(ref.quantiles[pos[0]], dtype=float)
            return UnitValueReference(
                level=label,
                cell=key.replace("|", " × "),
                count=int(ref.count[pos[0]]),
                probabilities=tuple(float(q) for q in QUANTILES),
                values=tuple(float(v) for v in np.exp(logs)),
                source="données d'entraînement du modèle",
            )
    return None


def batch_reference(frame: pd.DataFrame, record: dict[str, Any]) -> UnitValueReference | None:
    """The same HS6 × origin among the analysed batch's declarations, when they are enough."""
    hs6 = frame["hs6_code"].astype(str).str.strip().str.zfill(6)
    same = (hs6 == str(record.get("hs6_code", "")).strip().zfill(6)) & (
        frame["country_of_origin"].astype(str) == str(record.get("country_of_origin", ""))
    )
    mass = pd.to_numeric(frame.loc[same, "net_mass"], errors="coerce").to_numpy(dtype=float)
    price = pd.to_numeric(frame.loc[same, "item_price"], errors="coerce").to_numpy(dtype=float)
    ok = (mass > 0) & (price > 0)
    if ok.sum() < MIN_BATCH_REFERENCE:
        return None
    values = np.quantile(price[ok] / mass[ok], QUANTILES)
    return UnitValueReference(
        level=LEVEL_LABELS[0],
        cell=f"{str(record.get('hs6_code', '')).zfill(6)} × {record.get('country_of_origin', '')}",
        count=int(ok.sum()),
        probabilities=tuple(float(q) for q in QUANTILES),
        values=tuple(float(v) for v in values),
        source="déclarations du lot analysé",
    )


@dataclass(frozen=True)
class Bar:
    """One histogram bar: its box in SVG units and the unit values it spans."""

    x: float
    y: float
    width: float
    height: float
    low: float
    high: float
    share: float


@dataclass(frozen=True)
class Tick:
    """An axis tick: its position and the unit value it shows."""

    x: float
    value: float


@dataclass
class UnitValueChart:
    """Everything the SVG template draws: bars, ticks, median and declaration markers, table rows."""

    reference: UnitValueReference
    value: float
    rank: float | None
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    median_x: float = 0.0
    value_x: float | None = None
    outside: str = ""
    """``below`` / ``above`` when the declaration's unit value lies beyond the drawn axis, else empty."""
    table: list[tuple[str, float]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    top: float = TOP
    left: float = LEFT
    right: float = WIDTH - RIGHT


def merged_bins(probabilities: np.ndarray, logs: np.ndarray, min_width: float) -> list[tuple[int, int]]:
    """Index pairs (start, end) of quantile intervals merged until each spans ``min_width`` log-units.

    Quantiles of a small reference often sit very close together, which would draw needle-thin,
    misleadingly tall bars; merging neighbours keeps every bar's mass (a multiple of 5 %) and its width.
    """
    bins: list[tuple[int, int]] = []
    start = 0
    for end in range(1, len(logs)):
        if logs[end] - logs[start] >= min_width:
            bins.append((start, end))
            start = end
    if start < len(logs) - 1:
        if bins:
            bins[-1] = (bins[-1][0], len(logs) - 1)
        else:
            bins.append((start, len(logs) - 1))
    return bins


def build_chart(reference: UnitValueReference, value: float) -> UnitValueChart:
    """Bars between quantiles (height = share of declarations per log-unit), ticks, markers and table rows."""
    probs = np.asarray(reference.probabilities, dtype=float)
    logs = np.log(np.asarray(reference.values, dtype=float))
    lo, hi = float(logs[0]), float(logs[-1])
    log_value = math.log(value) if math.isfinite(value) and value > 0 else None
    if log_value is not None:
        lo, hi = min(lo, log_value), max(hi, log_value)
    span = max(hi - lo, 0.2)
    pad = 0.06 * span
    lo, hi = lo - pad, hi + pad
    # keep the axis readable when one declaration is extremely far from the reference
    max_span = 6 * max(float(logs[-1] - logs[0]), 0.5)
    clip_lo = float(logs[0]) - max_span / 2
    clip_hi = float(logs[-1]) + max_span / 2
    lo, hi = max(lo, clip_lo), min(hi, clip_hi)
    chart = UnitValueChart(reference, value, reference.rank_of(value))
    inner = chart.right - chart.left

    def x_of(log_v: float) -> float:
        return chart.left + (log_v - lo) / (hi - lo) * inner

    bins = merged_bins(probs, logs, MIN_BAR_SHARE * (hi - lo)) if float(logs[-1] - logs[0]) > 0 else []
    if bins:
        densities = [(probs[b] - probs[a]) / (logs[b] - logs[a]) for a, b in bins]
        top = max(densities)
        usable = chart.baseline - chart.top
        for (a, b), density in zip(bins, densities, strict=True):
            x0, x1 = x_of(float(logs[a])), x_of(float(logs[b]))
            h = usable * float(density) / top
            chart.bars.append(
                Bar(
                    x0,
                    chart.baseline - h,
                    max(x1 - x0, 0.5),
                    h,
                    float(np.exp(logs[a])),
                    float(np.exp(logs[b])),
                    float(probs[b] - probs[a]),
                )
            )
    chart.median_x = x_of(math.log(reference.median))
    if log_value is not None:
        if log_value < lo:
            chart.outside, chart.value_x = "below", chart.left
        elif log_value > hi:
            chart.outside, chart.value_x = "above", chart.right
        else:
            chart.value_x = x_of(log_value)
    chart.ticks = [Tick(x_of(t), float(math.exp(t))) for t in np.linspace(lo + pad / 2, hi - pad / 2, 5)]
    chart.table = [
        (f"{round(q * 100)}e centile", float(np.interp(q, reference.probabilities, reference.values)))
        for q in TABLE_QUANTILES
    ]
    return chart


def rank_text(rank: float | None) -> str:
    """Where a unit value falls, in French words (e.g. « sous le 5e centile »)."""
    if rank is None:
        return "valeur unitaire non calculable (masse ou valeur nulle)"
    if rank <= QUANTILES[0]:
        return f"sous le {round(QUANTILES[0] * 100)}e centile de la référence"
    if rank >= QUANTILES[-1]:
        return f"au-dessus du {round(QUANTILES[-1] * 100)}e centile de la référence"
    return f"vers le {round(rank * 100)}e centile de la référence"


def significant(value: float, digits: int = 3) -> float:
    """A value rounded to ``digits`` significant figures (axis labels)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def decimals_for(value: float, digits: int = 3) -> int:
    """Decimals needed to show ``value`` with ``digits`` significant figures."""
    if value == 0 or not math.isfinite(value):
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(value))))
