"""Seeded generator of a realistic dose register with injected anomalies and their log as ground truth.

Calibrated on SISERI's published national figures (2022: 386,080 followed workers, about 60 % medical,
22 % nuclear, 5.5 % natural radioactivity, 4.2 % non-nuclear industry, 2.7 % research, plus aircrew;
mean individual dose about 0.9 mSv among exposed workers; about 93 % under 1 mSv a year). Doses are
zero-inflated and log-normal above the recording threshold; cat. A workers wear monthly dosimeters,
others quarterly ones; some workers carry operational, extremity, eye-lens, skin or internal dosimetry.
Legitimately high or irregular doses are part of the population (nuclear outages, interventional
cardiology, industrial radiography, seasonal aircrew) so that a method cannot just flag large values.
Everything is vectorised with numpy: 400,000 workers over 12 months take seconds, not minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.doseframe import (
    EXTREMITIES,
    INTERNAL,
    LENS,
    OPERATIONAL,
    PASSIVE,
    SKIN,
    SUM_GROUP,
    THRESHOLDS,
    WEAR_CHANNELS,
)
from iapublique.services.radiation_exposure.schema import CHANNELS

START_MONTH = np.datetime64("2023-01", "M")
DRIFT_FACTOR = 1.5
"""Level reached by an injected drift, relative to the worker's usual level (the issue's +50 %)."""
TRUTH_COLUMNS: tuple[str, ...] = ("is_anomaly", "anomaly_kind", "is_gross", "is_breach", "breach_kinds", "drift_start")
GROSS_SPIKE_MIN_MSV = 1.0
GROSS_SPIKE_MIN_FACTOR = 5.0
"""A spike is a gross anomaly when it adds at least 1 mSv and multiplies the worker's usual reading by 5."""


@dataclass(frozen=True)
class Job:
    """Dose profile of one job: share, exposure, levels (monthly, mSv) and dosimetry channels."""

    sector: str
    job: str
    share: float
    p_exposed: float
    level: float
    sd_between: float
    sd_within: float
    p_cat_a: float
    p_operational: float
    pattern: str = "flat"  # flat, outage, season
    outage_sensitivity: float = 0.0
    p_extremities: float = 0.0
    extremity_factor: float = 0.0
    p_lens: float = 0.0
    lens_factor: float = 0.0
    p_skin: float = 0.0
    skin_factor: float = 0.0
    p_internal: float = 0.0
    internal_level: float = 0.0


SECTOR_SHARES: dict[str, float] = {
    "medical": 0.600,
    "nucleaire": 0.220,
    "radioactivite_naturelle": 0.055,
    "industrie_non_nucleaire": 0.042,
    "recherche": 0.027,
    "aviation": 0.045,
    "autre": 0.011,
}

JOBS: tuple[Job, ...] = (
    Job("medical", "radiologie", 0.35, 0.14, 0.035, 0.8, 0.55, 0.05, 0.05),
    Job("medical", "cardiologie_interventionnelle", 0.08, 0.7, 0.06, 0.9, 0.45, 0.6, 0.8,
        p_extremities=0.9, extremity_factor=12.0, p_lens=0.7, lens_factor=1.8),
    Job("medical", "medecine_nucleaire", 0.10, 0.7, 0.07, 0.7, 0.45, 0.4, 0.5,
        p_extremities=0.85, extremity_factor=35.0, p_skin=0.1, skin_factor=25.0),
    Job("medical", "radiotherapie", 0.12, 0.15, 0.03, 0.7, 0.5, 0.1, 0.1),
    Job("medical", "dentaire", 0.25, 0.03, 0.02, 0.6, 0.5, 0.0, 0.0),
    Job("medical", "veterinaire", 0.10, 0.08, 0.03, 0.7, 0.5, 0.0, 0.0),
    Job("nucleaire", "maintenance", 0.45, 0.6, 0.035, 0.8, 0.4, 0.7, 1.0, "outage", 1.0),
    Job("nucleaire", "exploitation", 0.30, 0.35, 0.02, 0.7, 0.4, 0.3, 1.0, "outage", 0.3),
    Job("nucleaire", "decontamination", 0.10, 0.8, 0.08, 0.7, 0.45, 0.9, 1.0, "outage", 0.7,
        p_internal=0.1, internal_level=0.01),
    Job("nucleaire", "logistique", 0.15, 0.3, 0.02, 0.6, 0.45, 0.1, 0.9),
    Job("radioactivite_naturelle", "mines_thermes", 1.0, 0.6, 0.03, 0.7, 0.45, 0.2, 0.0,
        p_internal=0.9, internal_level=0.03),
    Job("industrie_non_nucleaire", "radiographie_industrielle", 0.5, 0.6, 0.05, 1.0, 0.6, 0.7, 0.9,
        p_extremities=0.3, extremity_factor=3.0),
    Job("industrie_non_nucleaire", "controle_industriel", 0.5, 0.3, 0.03, 0.7, 0.5, 0.1, 0.2),
    Job("recherche", "recherche", 1.0, 0.2, 0.03, 0.8, 0.55, 0.1, 0.2, p_extremities=0.1, extremity_factor=5.0),
    Job("aviation", "personnel_navigant", 1.0, 0.99, 0.14, 0.3, 0.15, 0.0, 0.0, "season"),
    Job("autre", "divers", 1.0, 0.1, 0.03, 0.7, 0.5, 0.05, 0.1),
)

LABORATORIES = ("LAB-LANDAUER", "LAB-IRSN", "LAB-APVL", "LAB-MIRION", "LAB-CEA")
AIRCREW_LAB = "SIEVERT-CALCUL"
HIGH_DOSE_JOBS = ("cardiologie_interventionnelle", "radiographie_industrielle", "decontamination", "maintenance")


def _luhn_digit(body: np.ndarray) -> np.ndarray:
    """Luhn check digit of rows of digits (SIRET numbers end with one)."""
    digits = body[:, ::-1].copy()
    doubled = digits[:, ::2] * 2
    digits[:, ::2] = np.where(doubled > 9, doubled - 9, doubled)
    return np.asarray((10 - digits.sum(axis=1) % 10) % 10)


def _sirets(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct-looking 14-digit SIRET numbers with a valid Luhn key."""
    body = rng.integers(0, 10, size=(n, 13))
    body[:, 0] = rng.integers(1, 10, size=n)
    full = np.concatenate([body, _luhn_digit(body)[:, None]], axis=1)
    return np.array(["".join(map(str, row)) for row in full], dtype=object)


def _period_sums(x: np.ndarray, w: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Sums of monthly values ``x[w, start:start+length]`` for many periods at once."""
    csum = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    return np.asarray(csum[w, start + length] - csum[w, start])


def _periods(mask_workers: np.ndarray, length: np.ndarray, first: np.ndarray, last: np.ndarray,
             months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(worker, start month, length) of every wear period inside each worker's follow-up."""
    ws: list[np.ndarray] = []
    ss: list[np.ndarray] = []
    ls: list[np.ndarray] = []
    for span in (1, 3):
        sel = np.flatnonzero(mask_workers & (length == span))
        starts = np.arange(0, months, span)
        grid_w = np.repeat(sel, len(starts))
        grid_s = np.tile(starts, len(sel))
        keep = (grid_s >= first[grid_w]) & (grid_s + span - 1 <= last[grid_w])
        ws.append(grid_w[keep])
        ss.append(grid_s[keep])
        ls.append(np.full(int(keep.sum()), span))
    return np.concatenate(ws), np.concatenate(ss), np.concatenate(ls)


def generate(n_workers: int, months: int = 24, seed: int = 0, *, truth: bool = True,
             anomaly_rate: float = 1.0, drift_factor: float = DRIFT_FACTOR) -> pd.DataFrame:
    """A dose register for ``n_workers`` over ``months`` (multiple of 3), with truth columns.

    ``truth=False`` skips the reference breach computation (for very large speed tests);
    ``anomaly_rate`` scales every injection rate (1.0 = the documented default); ``drift_factor`` is the
    sustained level a drift reaches (1.5: +50 %, the issue's definition; 2: a doubling).
    """
    if months % 3 or months < 3:
        raise ValueError("le nombre de mois doit être un multiple de 3 (au moins 3).")
    if not 1.0 < drift_factor <= 10.0:
        raise ValueError("le facteur de dérive doit être compris entre 1 (exclu) et 10.")
    rng = np.random.default_rng(seed)
    n = int(n_workers)
    # ---- workers -----------------------------------------------------------------------------
    sector_names = list(SECTOR_SHARES)
    jobs = list(JOBS)
    job_p = np.array([SECTOR_SHARES[j.sector] * j.share for j in jobs])
    job_idx = rng.choice(len(jobs), size=n, p=job_p / job_p.sum())
    attr = {f: np.array([getattr(j, f) for j in jobs]) for f in Job.__dataclass_fields__ if f not in ("sector", "job",
                                                                                                      "pattern")}
    def ja(name: str) -> np.ndarray:
        return np.asarray(attr[name][job_idx])

    sector = np.array([j.sector for j in jobs], dtype=object)[job_idx]
    job = np.array([j.job for j in jobs], dtype=object)[job_idx]
    pattern = np.array([j.pattern for j in jobs], dtype=object)[job_idx]
    exposed = rng.random(n) < ja("p_exposed")
    level = np.where(exposed, ja("level") * np.exp(rng.normal(0, 1, n) * ja("sd_between")), 0.002)
    sd_within = ja("sd_within")
    u = rng.random(n)
    category = np.where(u < ja("p_cat_a"), "A", np.where(rng.random(n) < 0.85, "B", "none")).astype(object)
    category[(sector == "aviation") & (rng.random(n) < 0.3)] = "none"
    period_len = np.where(category == "A", 1, np.where(rng.random(n) < 0.2, 1, 3))
    age0 = rng.integers(20, 65, size=n)
    minor = (rng.random(n) < 0.004) & np.isin(sector, ["medical", "nucleaire", "industrie_non_nucleaire"])
    age0[minor] = rng.integers(16, 18, size=int(minor.sum()))
    year0 = int(str(START_MONTH)[:4])
    year_of_birth = year0 - age0
    p_female = pd.Series(sector).map({"medical": 0.7, "nucleaire": 0.15, "aviation": 0.5}).fillna(0.3).to_numpy()
    sex = np.where(rng.random(n) < p_female, "F", "M").astype(object)
    quarters = months // 3
    first_q = np.where(rng.random(n) < 0.15, rng.integers(0, max(1, quarters - 1), size=n), 0)
    last_q = np.where(rng.random(n) < 0.1, rng.integers(first_q + 1, quarters + 1) - 1, quarters - 1)
    last_q = np.maximum(last_q, first_q)
    first_m, last_m = first_q * 3, last_q * 3 + 2
    has_op = rng.random(n) < ja("p_operational")
    has_ext = rng.random(n) < ja("p_extremities")
    has_lens = rng.random(n) < ja("p_lens")
    has_skin = rng.random(n) < ja("p_skin")
    has_int = rng.random(n) < ja("p_internal")
    ext_factor = ja("extremity_factor") * np.exp(rng.normal(0, 0.5, n))
    lens_factor = ja("lens_factor") * np.exp(rng.normal(0, 0.35, n))
    skin_factor = ja("skin_factor") * np.exp(rng.normal(0, 0.5, n))
    int_level = ja("internal_level") * np.exp(rng.normal(0, 0.6, n))
    # ---- employers and their month effects (outages, flight seasons) ---------------------------
    employer = np.zeros(n, dtype=np.int64)
    n_emp_total = 0
    emp_sector: list[str] = []
    for sec in sector_names:
        sel = np.flatnonzero(sector == sec)
        k = max(2, int(np.ceil(len(sel) / 45)))
        weights = rng.pareto(1.5, k) + 1
        employer[sel] = n_emp_total + rng.choice(k, size=len(sel), p=weights / weights.sum())
        emp_sector += [sec] * k
        n_emp_total += k
    emp_sector_arr = np.array(emp_sector, dtype=object)
    month_of_year = (np.arange(months) % 12)
    emp_effect = np.exp(rng.normal(0, 0.05, (n_emp_total, months)))
    nuc = np.flatnonzero(emp_sector_arr == "nucleaire")
    outage_month = rng.integers(0, 12, size=len(nuc))
    outage_len = rng.integers(1, 3, size=len(nuc))
    for j, e in enumerate(nuc):
        off = (month_of_year - outage_month[j]) % 12
        emp_effect[e, off < outage_len[j]] *= 6.0
    air = np.flatnonzero(emp_sector_arr == "aviation")
    phase = rng.normal(0, 0.5, len(air))
    emp_effect[air] *= 1 + 0.3 * np.sin(2 * np.pi * (month_of_year[None, :] - 3) / 12 + phase[:, None])
    sens = np.where(pattern == "flat", 1.0, np.where(pattern == "season", 1.0, ja("outage_sensitivity")))
    effect = emp_effect[employer] ** sens[:, None]
    # ---- true monthly exposures --------------------------------------------------------------
    x = level[:, None] * effect * np.exp(rng.normal(0, 1, (n, months)) * sd_within[:, None])
    internal_x = int_level[:, None] * np.exp(rng.normal(0, 0.5, (n, months)))
    # legitimate regulatory breaches: incidents and sustained high exposures
    high = np.flatnonzero(np.isin(job, HIGH_DOSE_JOBS) & exposed)
    incident = rng.choice(high, size=min(len(high), max(1, round(n * 0.0004))), replace=False) if len(high) else \
        np.zeros(0, dtype=np.int64)
    if len(incident):
        m_inc = rng.integers(first_m[incident], last_m[incident] + 1)
        x[incident, m_inc] += rng.uniform(12, 35, len(incident))
    sustained = rng.choice(high, size=min(len(high), max(1, round(n * 0.0002))), replace=False) if len(high) else \
        np.zeros(0, dtype=np.int64)
    x[sustained] *= (rng.uniform(1.7, 2.6, len(sustained)) / np.maximum(x[sustained].mean(axis=1), 1e-6))[:, None]
    cat_b_exposed = np.flatnonzero((category == "B") & exposed & (level > 0.05))
    over_b = rng.choice(cat_b_exposed, size=min(len(cat_b_exposed), max(1, round(n * 0.0008))), replace=False) \
        if len(cat_b_exposed) else np.zeros(0, dtype=np.int64)
    x[over_b] *= (rng.uniform(0.55, 0.9, len(over_b)) / np.maximum(x[over_b].mean(axis=1), 1e-6))[:, None]
    minors = np.flatnonzero(minor & exposed)
    hot_minors = minors[rng.random(len(minors)) < 0.3]
    x[hot_minors] *= (rng.uniform(0.55, 0.8, len(hot_minors)) / np.maximum(x[hot_minors].mean(axis=1), 1e-6))[:, None]
    lens_w = np.flatnonzero(has_lens & exposed)
    hot_lens = lens_w[rng.random(len(lens_w)) < 0.05]
    lens_factor[hot_lens] = rng.uniform(2.0, 3.0, len(hot_lens)) / np.maximum(x[hot_lens].mean(axis=1), 1e-6)
    ext_w = np.flatnonzero(has_ext & exposed & (job == "medecine_nucleaire"))
    hot_ext = ext_w[rng.random(len(ext_w)) < 0.03]
    ext_factor[hot_ext] = rng.uniform(48, 65, len(hot_ext)) / np.maximum(x[hot_ext].mean(axis=1), 1e-6)
    # ---- drifts: ×drift_factor (+50 % by default) reached over three months, of the exposure or the dosimeter --
    drift_rate = 0.02 * anomaly_rate
    drift_pool = np.flatnonzero(exposed & (level >= 0.08) & (last_m - first_m >= 11))
    drifting = drift_pool[rng.random(len(drift_pool)) < drift_rate * n / max(1, len(drift_pool))]
    drift_month = np.full(n, -1)
    if len(drifting):
        lo = first_m[drifting] + 6
        hi = np.maximum(lo + 1, last_m[drifting] - 5)
        drift_month[drifting] = rng.integers(lo, hi)
    drift_kind = np.where(rng.random(n) < 0.5, "exposition", "dosimetre").astype(object)
    mm = np.arange(months)[None, :]
    ramp = np.where(drift_month[:, None] >= 0,
                    1 + (drift_factor - 1) * np.clip((mm - drift_month[:, None] + 1) / 3, 0, 1)
                    * (mm >= drift_month[:, None]), 1.0)
    exposure_ramp = np.where((drift_kind == "exposition")[:, None], ramp, 1.0)
    dosimeter_ramp = np.where((drift_kind == "dosimetre")[:, None], ramp, 1.0)
    x = x * exposure_ramp
    # ---- records per channel -------------------------------------------------------------------
    parts: list[dict[str, np.ndarray]] = []

    def add(channel: int, w: np.ndarray, s: np.ndarray, ln: np.ndarray, value: np.ndarray, lab: np.ndarray) -> None:
        parts.append({"w": w, "s": s, "l": ln, "c": np.full(len(w), channel), "v": value, "lab": lab})

    worker_lab = rng.integers(0, len(LABORATORIES), size=n)
    all_w = np.ones(n, dtype=bool)
    w, s, ln = _periods(all_w, period_len, first_m, last_m, months)
    x_dosi = x * dosimeter_ramp
    passive = _period_sums(x_dosi, w, s, ln) * np.exp(rng.normal(0, 0.08, len(w)))
    add(PASSIVE, w, s, ln, passive, worker_lab[w])
    w, s, ln = _periods(has_op, np.ones(n, dtype=np.int64), first_m, last_m, months)
    add(OPERATIONAL, w, s, ln, x[w, s] * np.exp(rng.normal(0, 0.12, len(w))), np.full(len(w), -1))
    for channel, has, factor, noise in ((EXTREMITIES, has_ext, ext_factor, 0.25), (LENS, has_lens, lens_factor, 0.2),
                                        (SKIN, has_skin, skin_factor, 0.25)):
        w, s, ln = _periods(has, period_len, first_m, last_m, months)
        value = _period_sums(x, w, s, ln) * factor[w] * np.exp(rng.normal(0, noise, len(w)))
        add(channel, w, s, ln, value, worker_lab[w])
    w, s, ln = _periods(has_int, np.full(n, 3), first_m, last_m, months)
    add(INTERNAL, w, s, ln, _period_sums(internal_x, w, s, ln), worker_lab[w])
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    rw, rs, rl, rc, rv = cols["w"], cols["s"], cols["l"], cols["c"], cols["v"]
    n_rows = len(rw)
    thr = THRESHOLDS[rc]
    step = np.where(rc == OPERATIONAL, 0.001, 0.01)
    recorded = np.round(rv / step) * step
    censored = recorded < thr
    recorded = np.where(censored, 0.0, recorded)
    start_d = (START_MONTH + rs).astype("datetime64[D]")
    end_d = (START_MONTH + rs + rl).astype("datetime64[D]") - np.timedelta64(1, "D")
    delay = np.where(WEAR_CHANNELS[rc], np.round(np.exp(rng.normal(np.log(18), 0.42, n_rows))),
                     np.where(rc == OPERATIONAL, rng.integers(1, 4, n_rows),
                              np.round(np.exp(rng.normal(np.log(30), 0.3, n_rows)))))
    received_d = end_d + delay.astype("timedelta64[D]")
    # ---- anomaly log ---------------------------------------------------------------------------
    is_anomaly = np.zeros(n_rows, dtype=bool)
    is_gross = np.zeros(n_rows, dtype=bool)
    kind = np.full(n_rows, "", dtype=object)

    def mark(rows: np.ndarray, name: str, gross: np.ndarray | bool) -> None:
        is_anomaly[rows] = True
        is_gross[rows] |= gross
        kind[rows] = np.where(kind[rows] == "", name, kind[rows] + "," + name)

    drift_start = np.full(n_rows, np.datetime64("NaT"), dtype="datetime64[D]")
    dw = drift_month[rw]
    has_drift = dw >= 0
    if has_drift.any():
        # drift_start: start of the first passive period containing the drift month
        first_period = (dw // np.where(period_len[rw] == 3, 3, 1)) * np.where(period_len[rw] == 3, 3, 1)
        drift_start[has_drift] = (START_MONTH + first_period[has_drift]).astype("datetime64[D]")
        affected = has_drift & (rs + rl - 1 >= dw) & ((rc == PASSIVE) | ((rc == OPERATIONAL)
                                                                         & (drift_kind[rw] == "exposition")))
        mark(np.flatnonzero(affected), "derive", False)
    rate = anomaly_rate
    # passive vs operational mismatch
    op_workers = has_op[rw]
    cand = np.flatnonzero((rc == PASSIVE) & op_workers & (recorded >= 0.3) & ~is_anomaly)
    pick = cand[rng.random(len(cand)) < 0.03 * rate]
    factor = np.where(rng.random(len(pick)) < 0.5, rng.uniform(0.15, 0.4, len(pick)), rng.uniform(2.5, 6, len(pick)))
    recorded[pick] = np.round(recorded[pick] * factor, 2)
    censored[pick] = recorded[pick] < thr[pick]
    recorded[pick] = np.where(censored[pick], 0.0, recorded[pick])
    mark(pick, "ecart_passif_operationnel", True)
    # spikes from 0.1 mSv to 7 Sv on passive, operational and extremity readings
    usual = pd.Series(np.where(censored, thr / 2, recorded)).groupby(rw * 8 + rc).transform("median").to_numpy()
    cand = np.flatnonzero(np.isin(rc, [PASSIVE, OPERATIONAL, EXTREMITIES]) & ~is_anomaly)
    pick = cand[rng.random(len(cand)) < 0.003 * rate]
    added = 10 ** rng.uniform(-1, np.log10(7000), len(pick))
    base = np.where(censored[pick], 0.0, recorded[pick])
    recorded[pick] = np.round(base + added, 2)
    censored[pick] = False
    gross = (added >= GROSS_SPIKE_MIN_MSV) & (recorded[pick] >= GROSS_SPIKE_MIN_FACTOR * usual[pick])
    mark(pick, "pic", gross)
    # unit errors: a value in µSv typed as mSv
    cand = np.flatnonzero(~censored & (recorded >= 0.05) & (recorded <= 5) & ~is_anomaly & (rc != OPERATIONAL))
    pick = cand[rng.random(len(cand)) < 0.002 * rate]
    recorded[pick] = np.round(recorded[pick] * 1000, 2)
    mark(pick, "erreur_unite", True)
    # implausible values: negative, sentinel, or below-threshold flag with a large dose
    cand = np.flatnonzero(~is_anomaly)
    pick = cand[rng.random(len(cand)) < 0.0004 * rate]
    how = rng.integers(0, 3, len(pick))
    recorded[pick] = np.where(how == 0, -np.round(rng.uniform(0.1, 5, len(pick)), 2),
                              np.where(how == 1, 9999.99, np.round(rng.uniform(1, 8, len(pick)), 2)))
    censored[pick] = how == 2
    mark(pick, "valeur_implausible", True)
    # lost dosimeters: no reading for the wear period
    cand = np.flatnonzero((rc == PASSIVE) & ~is_anomaly)
    pick = cand[rng.random(len(cand)) < 0.003 * rate]
    dose = recorded.astype(float)
    dose[pick] = np.nan
    censored[pick] = False
    received_d[pick] = np.datetime64("NaT")
    mark(pick, "dosimetre_perdu", True)
    # bad dates
    cand = np.flatnonzero(~is_anomaly)
    pick = cand[rng.random(len(cand)) < 0.0008 * rate]
    how = rng.integers(0, 4, len(pick))
    s0, e0 = start_d[pick].copy(), end_d[pick].copy()
    ten_years = np.timedelta64(3652, "D")
    start_d[pick] = np.where(how == 0, e0, np.where(how == 3, s0 - ten_years, s0))
    end_d[pick] = np.where(how == 0, s0, np.where(how == 1, e0 + ten_years, e0))
    received_d[pick] = np.where(how == 2, s0 - rng.integers(10, 60, len(pick)).astype("timedelta64[D]"),
                                received_d[pick])
    mark(pick, "date_incoherente", True)
    # an anomalous operational reading also makes its passive counterpart of the same months a mismatch
    op_bad = (rc == OPERATIONAL) & is_anomaly & ~pd.Series(kind).str.contains("derive").to_numpy()
    if op_bad.any():
        bad_keys = pd.Index(rw[op_bad].astype(np.int64) * 10_000 + rs[op_bad])
        for k in range(3):
            pas = np.flatnonzero((rc == PASSIVE) & (rl > k))
            hit = pas[bad_keys.get_indexer(rw[pas].astype(np.int64) * 10_000 + rs[pas] + k) >= 0]
            mark(hit[~pd.Series(kind[hit]).str.contains("ecart_induit").to_numpy()], "ecart_induit", False)
    # assemble
    siret = _sirets(rng, n_emp_total)
    lab_names = np.array([*LABORATORIES, ""], dtype=object)
    lab = lab_names[cols["lab"]]
    lab = np.where(sector[rw] == "aviation", AIRCREW_LAB, lab)
    frame = pd.DataFrame({
        "w": rw, "c": rc, "start": start_d, "end": end_d, "received": received_d, "dose": dose,
        "censored": censored, "lab": lab, "is_anomaly": is_anomaly, "is_gross": is_gross, "kind": kind,
        "drift_start": drift_start, "order_key": (END_KEY := end_d.astype(np.int64)) + rng.random(n_rows),
    })
    del END_KEY
    # missing wear periods: a passive record that never arrived; the next one of the worker is marked
    passive_rows = frame.index[(frame["c"] == PASSIVE) & ~frame["is_anomaly"]].to_numpy()
    drop = passive_rows[rng.random(len(passive_rows)) < 0.0015 * rate]
    if len(drop):
        passive_df = frame[frame["c"] == PASSIVE].sort_values(["w", "start"])
        nxt = passive_df.groupby("w").cumcount(ascending=False)
        following = pd.Series(passive_df.index, index=passive_df.index).groupby(passive_df["w"]).shift(-1)
        drop = np.array([d for d in drop if nxt.loc[d] > 0], dtype=np.int64)
        if len(drop):
            later = following.loc[drop].astype(int).to_numpy()
            later = later[~np.isin(later, drop)]
            frame.loc[later, "is_anomaly"] = True
            frame.loc[later, "is_gross"] = True
            frame.loc[later, "kind"] = np.where(frame.loc[later, "kind"] == "", "periode_manquante",
                                                frame.loc[later, "kind"] + ",periode_manquante")
            frame = frame.drop(index=pd.Index(drop))
    # duplicates: the same record received again later
    cand = frame.index[~frame["is_anomaly"]].to_numpy()
    dup = cand[rng.random(len(cand)) < 0.0015 * rate]
    copies = frame.loc[dup].copy()
    copies["received"] = copies["received"] + pd.to_timedelta(rng.integers(3, 40, len(copies)), unit="D")
    copies["is_anomaly"] = True
    copies["is_gross"] = True
    copies["kind"] = "doublon"
    copies["order_key"] = copies["order_key"] + rng.uniform(1, 40, len(copies))
    frame = pd.concat([frame, copies], ignore_index=True).sort_values("order_key", kind="stable")
    frame = frame.reset_index(drop=True)
    wk = frame["w"].to_numpy()
    worker_ids = pd.Series(rng.permutation(max(n, 1) * 7)[: n] + 10_000_000).astype(str).radd("T").to_numpy()
    out = pd.DataFrame({
        "record_id": pd.Series(np.arange(len(frame)) + 1).astype(str).str.zfill(9).radd("D").to_numpy(),
        "worker_id": worker_ids[wk],
        "year_of_birth": year_of_birth[wk].astype(np.int64),
        "sex": sex[wk],
        "employer_siret": siret[employer[wk]],
        "sector": sector[wk],
        "job": job[wk],
        "category": category[wk],
        "follow_up_start": pd.to_datetime((START_MONTH + first_m[wk]).astype("datetime64[D]")),
        "follow_up_end": pd.to_datetime(np.where(last_m[wk] < months - 1, (START_MONTH + last_m[wk] + 1).astype(
            "datetime64[D]") - np.timedelta64(1, "D"), np.datetime64("NaT"))),
        "period_start": pd.to_datetime(frame["start"]),
        "period_end": pd.to_datetime(frame["end"]),
        "dosimetry_type": np.array(CHANNELS, dtype=object)[frame["c"].to_numpy()],
        "dose_msv": frame["dose"].to_numpy(dtype=float),
        "below_threshold": frame["censored"].to_numpy(dtype=bool),
        "laboratory": frame["lab"].to_numpy(),
        "received_date": pd.to_datetime(frame["received"]),
        "is_anomaly": frame["is_anomaly"].to_numpy(dtype=bool),
        "anomaly_kind": frame["kind"].to_numpy(),
        "is_gross": frame["is_gross"].to_numpy(dtype=bool),
        "drift_start": pd.to_datetime(frame["drift_start"]),
    })
    if truth:
        breach, kinds = reference_breaches(out)
    else:
        breach, kinds = np.zeros(len(out), dtype=bool), np.full(len(out), "", dtype=object)
    out.insert(len(out.columns) - 1, "is_breach", breach)
    out.insert(len(out.columns) - 1, "breach_kinds", kinds)
    return out


# ---- reference implementation of the regulatory rules (independent, plain loops) ------------------

_LIMITS: tuple[tuple[str, tuple[str, ...], float, str], ...] = (
    ("depassement_20msv_12mois", ("passive_corps_entier", "interne"), 20.0, "all"),
    ("extremites_500", ("extremites",), 500.0, "all"),
    ("peau_500", ("peau",), 500.0, "all"),
    ("cristallin_20", ("cristallin",), 20.0, "all"),
    ("mineur_6msv", ("passive_corps_entier", "interne"), 6.0, "minor"),
    ("mineur_extremites_150", ("extremites",), 150.0, "minor"),
    ("mineur_cristallin_15", ("cristallin",), 15.0, "minor"),
    ("categorie_b_6msv", ("passive_corps_entier", "interne"), 6.0, "category_b"),
)


def reference_breaches(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Regulatory breaches of each row, by a plain reading of the rules (the truth the service must match).

    Written independently of the vectorised layer: for each worker and rule, it walks the records and
    sums by hand the doses of the 12 calendar months ending with the record's month.
    """
    n = len(df)
    kinds: list[list[str]] = [[] for _ in range(n)]
    end = pd.to_datetime(df["period_end"])
    month = (end.dt.year * 12 + end.dt.month - 1).fillna(0).astype(int).to_numpy()
    dose = df["dose_msv"].to_numpy(dtype=float)
    censored = df["below_threshold"].fillna(False).astype(bool).to_numpy()
    channel = df["dosimetry_type"].astype(str).to_numpy()
    start_v = pd.to_datetime(df["period_start"])
    received = pd.to_datetime(df["received_date"])
    key_dose = np.where(censored, -1.0, np.nan_to_num(dose, nan=-2.0))
    # an identical record received again is not counted twice (first arrival kept)
    dedup = pd.DataFrame({"w": df["worker_id"].astype(str).to_numpy(), "c": channel, "s": start_v, "e": end,
                          "d": key_dose, "r": received, "pos": np.arange(n)})
    dedup = dedup.sort_values(["r", "pos"], na_position="last")
    repeated = np.zeros(n, dtype=bool)
    repeated[dedup.loc[dedup.duplicated(["w", "c", "s", "e", "d"]), "pos"].to_numpy()] = True
    counted = np.where(np.isfinite(dose) & (dose > 0) & ~censored & ~repeated, dose, 0.0)
    age = end.dt.year.fillna(0).astype(int).to_numpy() - df["year_of_birth"].astype(int).to_numpy()
    category = df["category"].astype(object).fillna("").to_numpy()
    workers = df["worker_id"].astype(str).to_numpy()
    for name, chans, limit, population in _LIMITS:
        on = np.isin(channel, chans)
        totals = pd.Series(counted[on]).groupby(workers[on]).sum()
        suspects = set(totals.index[totals > limit])
        rows_by_worker: dict[str, list[int]] = {}
        for r in np.flatnonzero(on).tolist():
            if workers[r] in suspects:
                rows_by_worker.setdefault(workers[r], []).append(r)
        for rows in rows_by_worker.values():
            for i in rows:
                if population == "minor" and not 16 <= age[i] <= 18:
                    continue
                if population == "category_b" and category[i] != "B":
                    continue
                total = sum(counted[j] for j in rows if month[i] - 11 <= month[j] <= month[i])
                if total > limit + 1e-9:
                    kinds[i].append(name)
    wear = np.isin(channel, ["passive_corps_entier", "extremites", "peau", "cristallin"])
    late = (received - end).dt.days.to_numpy(dtype=float, na_value=np.nan)
    for r in np.flatnonzero(wear & (late > 60)).tolist():
        kinds[r].append("retard_dosimetre")
    missing = ~np.isfinite(dose) & ~censored
    gap = np.zeros(n, dtype=bool)
    passive = np.flatnonzero((channel == "passive_corps_entier") & start_v.notna().to_numpy() & end.notna().to_numpy())
    by_worker: dict[str, list[int]] = {}
    for r in passive.tolist():
        by_worker.setdefault(workers[r], []).append(r)
    s_days = start_v.to_numpy().astype("datetime64[D]").astype(np.int64)
    e_days = end.to_numpy().astype("datetime64[D]").astype(np.int64)
    follow = pd.to_datetime(df["follow_up_start"]) if "follow_up_start" in df else pd.Series(pd.NaT, index=df.index)
    f_days = follow.to_numpy().astype("datetime64[D]")
    for rows in by_worker.values():
        rows.sort(key=lambda j: (s_days[j], e_days[j]))
        first_day = f_days[rows[0]]
        covered_until: int | None = None if np.isnat(first_day) else int(first_day.astype(np.int64)) - 1
        for j in rows:
            if covered_until is not None and s_days[j] - covered_until > 8:
                gap[j] = True
            covered_until = int(e_days[j]) if covered_until is None else max(covered_until, int(e_days[j]))
    for r in np.flatnonzero(missing | gap).tolist():
        kinds[r].append("dosimetre_manquant")
    names = np.array([",".join(k) for k in kinds], dtype=object)
    return np.array([bool(k) for k in kinds]), names


def group_of(channel: str) -> int:
    """Rolling-sum group of a channel name (effective dose for passive and internal)."""
    return int(SUM_GROUP[CHANNELS.index(channel)])
