"""The anomaly layer: vectorised statistics of every detector, one value per dose record.

Logs of doses are used throughout; a below-threshold dose is unknown but small, so it is placed at
half the recording threshold for baselines and never counts as evidence of a spike or a drift.
Baselines are robust (medians); the month effect of an employer (a nuclear outage, an airline's
summer schedule) is removed by comparing each worker with colleagues of the same employer that month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.doseframe import (
    EXTREMITIES,
    MONTH_SPAN,
    OPERATIONAL,
    PASSIVE,
    SKIN,
    DoseFrame,
)

MIN_SPIKE_MSV = 0.5
"""A reading under 0.5 mSv is never reported as a spike: it is within ordinary dosimetric noise."""
IMPLAUSIBLE_WHOLE_BODY_MSV = 1000.0
IMPLAUSIBLE_LOCAL_MSV = 10000.0
RATIO_MIN_MSV = 0.3
RATIO_DRIFT_MIN_OP_MSV = 0.02
"""Smallest operational sum for a period to enter the passive/operational drift test."""
DRIFT_MIN_ANNUAL_MSV = 1.0
"""Drifts are tested for workers whose earlier doses average at least 1 mSv a year (the dose above which a
worker is classified as exposed): below it, +50 % is a few hundredths of a mSv a month and an alert would
only use the false-alert budget where no drift can be seen."""
RATIO_DRIFT_BOUND = 2.0
"""Passive/operational ratios outside [1/2, 2] are mismatches, not evidence of (or references for) a drift."""
PASSIVE_STEP_MSV = 0.01
"""Rounding step of passive readings (its error enters the scale of small ratios)."""
DRIFT_FACTOR = 1.5
DRIFT_RAMP_MONTHS = 3
"""The drift to detect: ×1.5 (+50 %) reached linearly over three months (the issue's definition)."""
DRIFT_SHIFT = float(np.log(DRIFT_FACTOR))
"""The drift to detect in log units; the CUSUM allowance is half of it."""
DRIFT_BURN_IN = 3
DRIFT_CLIP = 4.0
"""Largest deviation (in standard deviations) one period may add to a CUSUM."""
GROUP_MIN_PEERS = 5
"""Informative colleagues needed to estimate a peer group's month effect (else the employer's is used)."""
SCAN_WINDOWS = (2, 3, 4)
"""Lengths (in wear periods) of the recent windows whose mean deviation the scan test examines."""
SCAN_CLIP = 3.0
"""Largest standardised deviation one period may bring to the scan test (a lone spike is not a drift)."""
SCALE_PRIOR = 12.0
"""Weight, in periods, of the peer-group scale in each worker's own scale (shrinkage for short histories)."""
SCAN_BURN_IN = 2
GLR_WINDOWS = (1, 2, 3)
"""Periods since the presumed start of a drift that the GLR test examines (the goal: an alert within 3)."""
GLR_BURN_IN = 2
"""Earlier periods a worker needs before a GLR window can be tested (its reference level)."""
GLR_CLIP = 3.0
"""Largest standardised deviation one period may bring to the GLR test (a lone spike is not a drift)."""
GLR_SCALE_PRIOR = 12.0
"""Weight, in periods, of the peers' scale in each worker's own scale for the likelihood-ratio test."""


@dataclass
class Baselines:
    """Per-row robust references: the worker's usual log-dose and the employer-month effect."""

    log_dose: np.ndarray
    usable: np.ndarray
    worker_level: np.ndarray
    month_effect: np.ndarray
    n_history: np.ndarray
    group_effect: np.ndarray
    """Month effect of the worker's peer group (employer × job × channel × wear length), else the employer's."""


def log_dose(frame: DoseFrame) -> tuple[np.ndarray, np.ndarray]:
    """Log of the dose with censored values at half the threshold; ``usable`` marks rows that enter baselines."""
    thr = frame.threshold
    finite = np.isfinite(frame.dose) & (frame.dose >= 0)
    value = np.where(frame.censored | ~finite | (frame.dose < thr), thr / 2, frame.dose)
    usable = finite & ~frame.same_period_duplicate
    return np.log(np.maximum(value, 1e-6)), usable


def baselines(frame: DoseFrame) -> Baselines:
    """Robust worker levels per channel and employer-month effects, without any row loop."""
    ld, usable = log_dose(frame)
    wc = frame.worker * 8 + frame.channel
    s = pd.Series(np.where(usable, ld, np.nan))
    level = s.groupby(wc).transform("median").to_numpy()
    count = s.groupby(wc).transform("count").to_numpy()
    resid = ld - level
    informative = usable & ~frame.censored & np.isin(frame.channel, [PASSIVE, OPERATIONAL, EXTREMITIES])
    key = (frame.employer * 8 + frame.channel) * MONTH_SPAN + (frame.month - frame.month.min())
    r = pd.Series(np.where(informative, resid, np.nan))
    grouped = r.groupby(key)
    med = grouped.transform("median").to_numpy()
    cnt = grouped.transform("count").to_numpy()
    effect = np.where(cnt >= 3, np.nan_to_num(med), 0.0)
    level = np.where(np.isfinite(level), level, np.log(frame.threshold / 2))
    return Baselines(ld, usable, level, effect, count, _group_effect(frame, key, r, effect))


def _group_effect(frame: DoseFrame, employer_key: np.ndarray, resid: pd.Series, employer_effect: np.ndarray
                  ) -> np.ndarray:
    """Common month effect of each row's peer group: same employer, job, channel and wear length that month.

    Colleagues doing the same job for the same employer share its workload (an outage, a flight season, a
    busy month at the cath lab); the median of their deviations from their own usual level is that common
    part. With fewer than ``GROUP_MIN_PEERS`` informative colleagues, the employer-wide effect is used.
    """
    length = np.where(np.isfinite(frame.end - frame.start) & (frame.end - frame.start > 40), 1, 0)
    key = (employer_key * 4096 + frame.peer_key % 4096) * 2 + length
    grouped = resid.groupby(key)
    med = grouped.transform("median").to_numpy()
    cnt = grouped.transform("count").to_numpy()
    return np.where(cnt >= GROUP_MIN_PEERS, np.nan_to_num(med), employer_effect)


def spike_stats(frame: DoseFrame, base: Baselines, sigma: np.ndarray) -> dict[str, np.ndarray]:
    """Three spike detectors: ratio to the usual dose, robust z, robust z net of the employer-month effect."""
    real = np.isfinite(frame.dose) & ~frame.censored & (frame.dose >= MIN_SPIKE_MSV)
    few = base.n_history < 3
    ratio = (base.log_dose - base.worker_level) / np.log(10)
    z = (base.log_dose - base.worker_level) / sigma
    z_month = (base.log_dose - base.worker_level - base.month_effect) / sigma
    off = -np.inf
    return {
        "ratio_fixe": np.where(real & ~few, ratio, off),
        "z_robuste": np.where(real & ~few, z, off),
        "z_robuste_mois": np.where(real & ~few, z_month, off),
    }


def peer_stat(frame: DoseFrame, base: Baselines, log_q999: np.ndarray) -> np.ndarray:
    """Log-excess of a dose over the 99.9th percentile of its peers' doses (same sector, job, channel)."""
    real = np.isfinite(frame.dose) & ~frame.censored & (frame.dose >= MIN_SPIKE_MSV)
    return np.where(real, base.log_dose - base.month_effect - log_q999, -np.inf)


def unit_error(frame: DoseFrame, base: Baselines) -> np.ndarray:
    """Rows about 1000 times the worker's usual dose whose value / 1000 would be ordinary (µSv typed as mSv)."""
    decades = (base.log_dose - base.worker_level - base.month_effect) / np.log(10)
    real = np.isfinite(frame.dose) & ~frame.censored & (frame.dose >= 5.0) & (base.n_history >= 3)
    usual_not_censored = np.exp(base.worker_level) >= frame.threshold
    return real & usual_not_censored & (decades > 2.3) & (decades < 3.7)


def implausible(frame: DoseFrame) -> np.ndarray:
    """Negative doses, values beyond physical plausibility, a below-threshold flag beside a large dose."""
    d = frame.dose
    finite = np.isfinite(d)
    local = np.isin(frame.channel, [EXTREMITIES, SKIN])
    limit = np.where(local, IMPLAUSIBLE_LOCAL_MSV, IMPLAUSIBLE_WHOLE_BODY_MSV)
    censored_big = frame.censored & finite & (d > frame.threshold)
    return finite & ((d < 0) | (d >= limit)) | censored_big


def incoherent_dates(frame: DoseFrame) -> np.ndarray:
    """Wear periods that end before they start or last over 100 days, results received before the end."""
    length = frame.end - frame.start
    bad = ~np.isfinite(length) | (length < 0) | (length > 100)
    received_early = np.isfinite(frame.received) & (frame.received < frame.end)
    birth_day = (frame.year_of_birth - 1970 + 14) * 365.25
    too_young = np.isfinite(frame.start) & (frame.start < birth_day)
    return bad | received_early | too_young


def passive_operational(frame: DoseFrame) -> tuple[np.ndarray, np.ndarray]:
    """Operational dose summed over each passive row's wear months (NaN if none) and the mismatch statistic."""
    op_sum = np.full(frame.n, np.nan)
    op = (frame.channel == OPERATIONAL) & np.isfinite(frame.dose) & ~frame.same_period_duplicate
    if not op.any():
        return op_sum, np.full(frame.n, -np.inf)
    op_val = np.where(frame.censored, 0.0, np.clip(frame.dose, 0, None))
    op_key = frame.worker[op] * MONTH_SPAN + (frame.month[op] - frame.month.min())
    monthly = pd.Series(op_val[op]).groupby(op_key).sum()
    passive = np.flatnonzero((frame.channel == PASSIVE) & np.isfinite(frame.start) & np.isfinite(frame.end))
    start_month = _month_of(frame.start[passive])
    n_months = np.clip(frame.month[passive] - start_month + 1, 1, 4)
    total = np.zeros(len(passive))
    found = np.zeros(len(passive), dtype=bool)
    for k in range(4):
        key = frame.worker[passive] * MONTH_SPAN + (frame.month[passive] - k - frame.month.min())
        pos = monthly.index.get_indexer(key)
        hit = (pos >= 0) & (k < n_months)
        total[hit] += monthly.to_numpy()[pos[hit]]
        found |= hit
    op_sum[passive[found]] = total[found]
    p = np.where(frame.censored, frame.threshold / 2, frame.dose)
    ok = np.isfinite(op_sum) & np.isfinite(p) & (p >= 0)
    big = np.maximum(p, op_sum) >= RATIO_MIN_MSV
    apart = np.abs(p - op_sum) >= 0.2
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.abs(np.log(np.maximum(p, 0.005) / np.maximum(op_sum, 0.005))) / np.log(2)
    stat = np.where(ok & big & apart & ~frame.same_period_duplicate, lr, -np.inf)
    return op_sum, stat


def _month_of(days: np.ndarray) -> np.ndarray:
    d = days.astype("int64").astype("datetime64[D]")
    return np.asarray((d.astype("datetime64[Y]").astype(np.int64) + 1970) * 12 + d.astype("datetime64[M]").astype(
        np.int64) % 12)


def _cusum(group: np.ndarray, order_key: np.ndarray, signal: np.ndarray, active: np.ndarray,
           allowance: np.ndarray) -> np.ndarray:
    """Upper CUSUM of a standardised signal per group in time order (Lindley recursion in closed form).

    The signal of a row is its deviation from the mean of the group's earlier active rows (after a burn-in),
    so each group is compared with its own past; inactive rows (censored, duplicates) add nothing.
    """
    n = len(signal)
    out = np.zeros(n)
    if n == 0:
        return out
    order = np.lexsort([order_key, group])
    gs = pd.Series(group[order])
    a = active[order]
    raw = np.where(a, signal[order], np.nan)
    # winsorised around the group's median: one outlier (a spike, a unit error) neither moves the
    # reference nor looks like a sustained drift
    centre = pd.Series(raw).groupby(gs).transform("median").to_numpy()
    x = np.where(a, np.clip(raw, centre - DRIFT_CLIP, centre + DRIFT_CLIP), 0.0)
    count_before = pd.Series(a.astype(float)).groupby(gs).cumsum().to_numpy() - a
    sum_before = pd.Series(x).groupby(gs).cumsum().to_numpy() - x
    mean_before = np.divide(sum_before, count_before, out=np.zeros(n), where=count_before > 0)
    live = a & (count_before >= DRIFT_BURN_IN)
    dev = np.where(live, np.clip(x - mean_before, -DRIFT_CLIP, DRIFT_CLIP) - allowance[order], 0.0)
    c = pd.Series(dev).groupby(gs).cumsum().to_numpy()
    low = np.minimum(pd.Series(c).groupby(gs).cummin().to_numpy(), 0.0)
    out[order] = c - low
    return out


def drift_stats(frame: DoseFrame, base: Baselines, op_sum: np.ndarray, sigma: np.ndarray,
                sigma_ratio: float) -> dict[str, np.ndarray]:
    """Two CUSUM drift detectors on passive rows (in standard deviations): own history and passive/operational."""
    passive = (frame.channel == PASSIVE) & base.usable & np.isfinite(frame.start)
    active_hist = passive & ~frame.censored & (frame.dose >= frame.threshold)
    # a quarterly period holds three months of dose: compare per-month levels
    months = np.clip(frame.month - _month_of(np.where(np.isfinite(frame.start), frame.start, 0.0)) + 1, 1, 3)
    signal_hist = (base.log_dose - base.month_effect - np.log(months)) / sigma
    hist = _cusum(frame.worker, frame.end, signal_hist, active_hist, DRIFT_SHIFT / 2 / sigma)
    p = frame.dose
    active_ratio = passive & np.isfinite(op_sum) & ~frame.censored & (p >= 0.1) & (op_sum >= 0.1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.where(active_ratio, np.log(np.maximum(p, 1e-3) / np.maximum(op_sum, 1e-3)), 0.0) / sigma_ratio
    allowance = np.full(frame.n, DRIFT_SHIFT / 2 / sigma_ratio)
    ratio = _cusum(frame.worker, frame.end, lr, active_ratio, allowance)
    return {"cusum_historique": np.where(passive, hist, np.nan), "cusum_ratio": np.where(passive, ratio, np.nan)}


def _active_in_order(group: np.ndarray, order_key: np.ndarray,
                     active: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """Positions of the active rows sorted by group then time, and their groups (for grouped running sums)."""
    idx = np.flatnonzero(active)
    idx = idx[np.lexsort([order_key[idx], group[idx]])]
    return idx, pd.Series(group[idx])


def _scan(group: np.ndarray, order_key: np.ndarray, value: np.ndarray, active: np.ndarray,
          prior_scale: np.ndarray) -> np.ndarray:
    """Scan test of a rise per group: the largest standardised mean deviation over the last 2–4 periods.

    Each active value is compared with the mean of the group's earlier (winsorised) values and divided by a
    worker-specific scale: the spread of the worker's own successive differences, shrunk towards the peer
    scale ``prior_scale`` for short histories. Only the past enters each period's figure, so an alert at a
    period uses nothing that came later. NaN on inactive rows (they neither raise nor reset the test).
    """
    out = np.full(len(value), np.nan)
    idx, g = _active_in_order(group, order_key, active)
    if len(idx) == 0:
        return out
    v = value[idx]
    ps = prior_scale[idx]
    centre = pd.Series(v).groupby(g).transform("median").to_numpy()
    x = np.clip(v, centre - SCAN_CLIP * ps, centre + SCAN_CLIP * ps)
    n_before = g.groupby(g).cumcount().to_numpy().astype(float)
    xs = pd.Series(x)
    mean_before = np.divide(xs.groupby(g).cumsum().to_numpy() - x, n_before, out=np.zeros(len(x)),
                            where=n_before > 0)
    diff = (xs - xs.groupby(g).shift(1)).fillna(0.0).to_numpy()
    d2 = np.minimum(diff ** 2, (2 * SCAN_CLIP * ps) ** 2)
    past_d2 = pd.Series(d2).groupby(g).cumsum().to_numpy() - d2
    n_diff = np.maximum(n_before - 1, 0)
    var = (SCALE_PRIOR * ps ** 2 + past_d2 / 2) / (SCALE_PRIOR + n_diff)
    scale = np.sqrt(var * (1 + 1 / np.maximum(n_before, 1)))
    live = n_before >= SCAN_BURN_IN
    u = np.where(live, np.clip((x - mean_before) / scale, -SCAN_CLIP, SCAN_CLIP), 0.0)
    csum = pd.Series(u).groupby(g).cumsum()
    best = np.full(len(u), -np.inf)
    for length in SCAN_WINDOWS:
        window = (csum - csum.groupby(g).shift(length).fillna(0.0)).to_numpy()
        best = np.maximum(best, window / np.sqrt(length))
    out[idx] = np.where(live, best, 0.0)
    return out


def ramp_shape(months_per_period: int, periods: int, factor: float = DRIFT_FACTOR,
               ramp_months: int = DRIFT_RAMP_MONTHS) -> np.ndarray:
    """Expected log-rise of each wear period since a drift began: ×``factor`` reached linearly over the ramp.

    A drift may begin in any month of a quarterly period (equally likely): that period's rise is the mean,
    over those three possible starts, of the log of its months' average level.
    """
    months = np.arange(periods * months_per_period)
    total = np.zeros(periods)
    for first in range(months_per_period):
        since = months - first
        level = np.where(since >= 0, 1 + (factor - 1) * np.clip((since + 1) / ramp_months, 0, 1), 1.0)
        total += np.log(level.reshape(periods, months_per_period).mean(axis=1))
    return np.asarray(total / months_per_period)


def _ramp_llr(group: np.ndarray, order_key: np.ndarray, value: np.ndarray, active: np.ndarray,
              prior_scale: np.ndarray, quarterly_row: np.ndarray) -> np.ndarray:
    """Log-likelihood ratio of "a +50 % ramp began j active periods ago" against "no drift", for each j.

    For a start ``j`` periods back (``GLR_WINDOWS``), the last ``j`` values are compared with the mean of
    all earlier ones (the reference, at least ``GLR_BURN_IN`` periods) and projected on the expected ramp
    (:func:`ramp_shape`, monthly or quarterly) in units of the worker's scale: ``T = Σ a_k u_k`` with
    ``a_k = δ_k / σ``. ``T`` has mean ``M = Σ a_k²`` under the drift and variance ``V = M + (Σ a_k)² / n0``
    (the reference's own error) under both, so its log-likelihood ratio is ``(M T − M² / 2) / V``. Unlike a
    z-score, it weighs the evidence by what a +50 % drift can show on that worker: a steady worker (aircrew,
    the passive/operational ratio) reaches the alert threshold, a worker whose monthly dose varies by 40 %
    needs a far stronger rise — so the false-alert budget goes where drifts can be seen.

    The scale is the worker's own spread of one-step prediction errors before the window, shrunk towards
    ``prior_scale`` (the peers', weight ``GLR_SCALE_PRIOR`` periods). Each value is first winsorised against the
    worker's earlier values and each standardised deviation capped at ``GLR_CLIP``, so a spike moves neither
    the reference nor the scale. Only the past enters a period's figures. Returns an (n, len(GLR_WINDOWS))
    array, NaN where a window cannot be tested (inactive row, short history).
    """
    out = np.full((len(value), len(GLR_WINDOWS)), np.nan)
    idx, g = _active_in_order(group, order_key, active)
    if len(idx) == 0:
        return out
    v = value[idx]
    ps = prior_scale[idx]
    n_before = g.groupby(g).cumcount().to_numpy()
    # winsorise each value around the mean of the worker's earlier values (themselves winsorised once)
    raw_before = pd.Series(v).groupby(g).cumsum().to_numpy() - v
    mean_raw = np.divide(raw_before, n_before, out=v.copy(), where=n_before > 0)
    x1 = np.clip(v, mean_raw - GLR_CLIP * ps, mean_raw + GLR_CLIP * ps)
    before1 = pd.Series(x1).groupby(g).cumsum().to_numpy() - x1
    mean1 = np.divide(before1, n_before, out=v.copy(), where=n_before > 0)
    x = np.clip(v, mean1 - GLR_CLIP * ps, mean1 + GLR_CLIP * ps)
    csum = pd.Series(x).groupby(g).cumsum().to_numpy()
    mean_before = np.divide(csum - x, n_before, out=np.zeros(len(x)), where=n_before > 0)
    err2 = np.where(n_before > 0, (x - mean_before) ** 2 / (1 + 1 / np.maximum(n_before, 1)), 0.0)
    err_sum = pd.Series(err2).groupby(g).cumsum().to_numpy()
    longest = max(GLR_WINDOWS)
    shapes = np.stack([ramp_shape(1, longest), ramp_shape(3, longest)])
    q = quarterly_row[idx].astype(np.int64)
    pos = np.arange(len(x))
    for col, j in enumerate(GLR_WINDOWS):
        n0 = n_before - j + 1
        ok = n0 >= GLR_BURN_IN
        base = np.where(ok, pos - j, 0)
        ref = csum[base] / np.maximum(n0, 1)
        var = (GLR_SCALE_PRIOR * ps ** 2 + err_sum[base]) / (GLR_SCALE_PRIOR + np.maximum(n0 - 1, 0))
        scale = np.sqrt(var)
        t = np.zeros(len(x))
        a1 = np.zeros(len(x))
        a2 = np.zeros(len(x))
        for back in range(j):
            row = np.where(ok, pos - back, 0)
            a = shapes[q[row], j - 1 - back] / scale
            t += a * np.clip((v[row] - ref) / scale, -GLR_CLIP, GLR_CLIP)
            a1 += a
            a2 += a ** 2
        var_t = a2 + a1 ** 2 / np.maximum(n0, 1)
        out[idx, col] = np.where(ok, (a2 * t - a2 ** 2 / 2) / var_t, np.nan)
    return out


def glr_stats(frame: DoseFrame, base: Baselines, op_sum: np.ndarray, sigma: np.ndarray,
              ratio_sigma: np.ndarray) -> dict[str, np.ndarray]:
    """Likelihood-ratio drift tests on passive rows (largest over the possible starts, NaN where untested).

    ``glr_historique``: per-month doses net of the peer group's month (an exposure or a dosimeter drift);
    ``glr_ratio``: log passive / operational of the same months (a drift of the passive dosimeter alone);
    ``glr_combine``: the likelihood ratio of "a drift" averaged over its two kinds, equally likely a priori:
    the exposure rose (both dosimetries rise: the history's ratio ``e^h``, the passive/operational ratio is
    unchanged) or the passive dosimeter drifted (the history and the ratio rise together; their noises —
    the work's variability, the two dosimeters' measurement errors — being nearly independent, their ratios
    multiply: ``e^(h + r)``), so ``h + log((1 + e^r) / 2)``; without a usable ratio (no operational
    dosimetry, or not in that window) it is ``h``. Both series' windows count their own tested periods.

    Only workers whose earlier doses average ``DRIFT_MIN_ANNUAL_MSV`` a year are tested
    (:func:`drift_relevant`). The ratio series takes the rows of :func:`ratio_drift_rows`; its scale is
    ``ratio_sigma`` (learned by wear length) plus the rounding of the passive reading to 0.01 mSv.
    """
    hist_value, active_hist = history_series(frame, base)
    q = quarterly(frame)
    hist = _ramp_llr(frame.worker, frame.end, hist_value, active_hist, sigma, q)
    p = frame.dose
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.log(np.maximum(p, 1e-3) / np.maximum(op_sum, 1e-3))
    active_ratio = ratio_drift_rows(frame, base, op_sum, lr)
    lr = np.where(active_ratio, lr, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rounding = np.where(active_ratio, PASSIVE_STEP_MSV / np.sqrt(12) / np.maximum(p, 1e-3), 0.0)
    ratio = _ramp_llr(frame.worker, frame.end, lr, active_ratio, np.sqrt(ratio_sigma ** 2 + rounding ** 2), q)
    joint = hist + np.where(np.isfinite(ratio), np.logaddexp(0.0, np.nan_to_num(ratio)) - np.log(2.0), 0.0)
    joint = np.where(np.isfinite(hist), joint, ratio)
    relevant = drift_relevant(frame, base)[:, None]
    return {name: _best(np.where(relevant, llr, np.nan))
            for name, llr in (("glr_historique", hist), ("glr_ratio", ratio), ("glr_combine", joint))}


def drift_relevant(frame: DoseFrame, base: Baselines) -> np.ndarray:
    """Passive rows of workers whose earlier wear periods average at least ``DRIFT_MIN_ANNUAL_MSV`` a year.

    The mean monthly dose of all the worker's earlier passive periods, a below-threshold reading counting
    as zero (so a mostly unexposed worker stays below); only the past enters it.
    """
    rows = np.flatnonzero((frame.channel == PASSIVE) & base.usable & np.isfinite(frame.start)
                          & np.isfinite(frame.dose) & (frame.dose >= 0))
    out = np.zeros(frame.n, dtype=bool)
    if len(rows) == 0:
        return out
    rows = rows[np.lexsort([frame.end[rows], frame.worker[rows]])]
    months = np.clip(frame.month[rows] - _month_of(frame.start[rows]) + 1, 1, 3)
    dose = np.where(frame.censored[rows], 0.0, frame.dose[rows])
    g = pd.Series(frame.worker[rows])
    dose_before = pd.Series(dose).groupby(g).cumsum().to_numpy() - dose
    months_before = pd.Series(months.astype(float)).groupby(g).cumsum().to_numpy() - months
    rate = np.divide(dose_before, months_before, out=np.zeros(len(rows)), where=months_before > 0)
    out[rows] = rate * 12 >= DRIFT_MIN_ANNUAL_MSV
    return out


def ratio_drift_rows(frame: DoseFrame, base: Baselines, op_sum: np.ndarray, log_ratio: np.ndarray) -> np.ndarray:
    """Passive rows that enter the passive/operational drift test.

    A reading above its recording threshold, whose months carry operational readings summing to at least
    ``RATIO_DRIFT_MIN_OP_MSV``, and whose ratio lies within [1/2, 2]: a reading outside is a
    passive/operational mismatch (its own alert kind, often a lost or swapped dosimeter, an operational
    spike) and would corrupt the worker's reference level.
    """
    passive = (frame.channel == PASSIVE) & base.usable & np.isfinite(frame.start)
    return np.asarray(passive & np.isfinite(op_sum) & ~frame.censored & (frame.dose >= frame.threshold)
                      & (op_sum >= RATIO_DRIFT_MIN_OP_MSV) & (np.abs(log_ratio) < np.log(RATIO_DRIFT_BOUND)))


def _best(llr: np.ndarray) -> np.ndarray:
    """Largest log-likelihood ratio over the windows of each row (NaN where none could be tested)."""
    return np.asarray(np.fmax.reduce(llr, axis=1))


def quarterly(frame: DoseFrame) -> np.ndarray:
    """Rows whose wear period is longer than 40 days (quarterly dosimeters)."""
    length = frame.end - frame.start
    return np.asarray(np.isfinite(length) & (length > 40))


def history_series(frame: DoseFrame, base: Baselines) -> tuple[np.ndarray, np.ndarray]:
    """Per-month log dose of passive rows net of the peer group's month effect, and the rows that carry one."""
    passive = (frame.channel == PASSIVE) & base.usable & np.isfinite(frame.start)
    active = passive & ~frame.censored & (frame.dose >= frame.threshold)
    months = np.clip(frame.month - _month_of(np.where(np.isfinite(frame.start), frame.start, 0.0)) + 1, 1, 3)
    return base.log_dose - np.log(months) - base.group_effect, active


def scan_stats(frame: DoseFrame, base: Baselines, op_sum: np.ndarray, sigma: np.ndarray,
               sigma_ratio: float) -> dict[str, np.ndarray]:
    """Scan drift tests on passive rows: doses net of the peer group's month, and the passive/operational ratio.

    ``sigma`` is the peers' per-period scale of the history series (same job and wear length), the prior of
    each worker's own scale.
    """
    hist_value, active_hist = history_series(frame, base)
    hist = _scan(frame.worker, frame.end, hist_value, active_hist, sigma)
    p = frame.dose
    passive = (frame.channel == PASSIVE) & base.usable & np.isfinite(frame.start)
    active_ratio = passive & np.isfinite(op_sum) & ~frame.censored & (p >= 0.1) & (op_sum >= 0.1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.where(active_ratio, np.log(np.maximum(p, 1e-3) / np.maximum(op_sum, 1e-3)), 0.0)
    ratio = _scan(frame.worker, frame.end, lr, active_ratio, np.full(frame.n, sigma_ratio))
    return {"balayage_historique": hist, "balayage_ratio": ratio}


def first_crossings(frame: DoseFrame, stat: np.ndarray, threshold: float) -> np.ndarray:
    """Rows where a worker's drift statistic crosses ``threshold`` upwards (one alert per crossing).

    Rows whose statistic is NaN (not tested: other channels, censored doses) are skipped: they neither
    raise an alert nor end a run above the threshold.
    """
    tested = np.flatnonzero(np.isfinite(stat))
    order = tested[np.lexsort([frame.end[tested], frame.worker[tested]])]
    a = stat[order] >= threshold
    w = frame.worker[order]
    prev = np.concatenate([[False], a[:-1]])
    same = np.concatenate([[False], w[1:] == w[:-1]])
    cross = a & ~(prev & same)
    out = np.zeros(frame.n, dtype=bool)
    out[order] = cross
    return out
