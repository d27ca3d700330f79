"""Server-side SVG charts for the page, each returned with the data table shown beside it (accessibility)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.projection import month_label
from iapublique.services.radiation_exposure.reasons import fr

WIDTH, HEIGHT = 720, 300
MARGIN = {"left": 56, "right": 16, "top": 20, "bottom": 48}
SUSPECT_KINDS = ("valeur_implausible", "erreur_unite", "doublon", "date_incoherente", "pic_individuel")
"""Rows left out of trends while under investigation: their value may be wrong."""
PALETTE = ("#000091", "#e1000f", "#18753c", "#b34000", "#6a6af4", "#009099", "#a558a0", "#716043")


@dataclass
class Chart:
    """An SVG chart with its title, a French caption and the same data as a table."""

    title: str
    svg: str
    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


def _month_index(values: pd.Series) -> np.ndarray:
    d = pd.to_datetime(values, errors="coerce")
    return (d.dt.year * 12 + d.dt.month - 1).fillna(-1).astype(int).to_numpy()


def _frame(title: str, y_max: float, months: list[int], body: list[str]) -> str:
    """Axes, month ticks and horizontal grid around the chart body."""
    w = WIDTH - MARGIN["left"] - MARGIN["right"]
    h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>"]
    for k in range(5):
        value = y_max * k / 4
        y = MARGIN["top"] + h - h * k / 4
        parts.append(f'<line x1="{MARGIN["left"]}" y1="{y:.1f}" x2="{MARGIN["left"] + w}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{MARGIN["left"] - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fr(value, 1))}</text>')
    step = max(1, len(months) // 8)
    for i, m in enumerate(months):
        if i % step == 0:
            x = MARGIN["left"] + w * (i + 0.5) / max(1, len(months))
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - MARGIN["bottom"] + 16}" text-anchor="middle">'
                         f"{escape(month_label(m))}</text>")
    parts.append(f'<text x="14" y="{MARGIN["top"] + h / 2:.0f}" transform="rotate(-90 14 {MARGIN["top"] + h / 2:.0f})"'
                 ' text-anchor="middle">mSv</text>')
    parts.extend(body)
    parts.append("</svg>")
    return "".join(parts)


def worker_timeline(records: pd.DataFrame, results: pd.DataFrame, worker_id: str) -> Chart:
    """Whole-body doses of one worker per month, the rolling 12-month sum against 6 and 20 mSv, the projection."""
    mask = (records["worker_id"].astype(str) == str(worker_id)).to_numpy()
    rec = records[mask]
    res = results[mask]
    eff = rec["dosimetry_type"].isin(["passive_corps_entier", "interne"]).to_numpy()
    months_all = _month_index(rec["period_end"])
    dose = pd.to_numeric(rec["dose_msv"], errors="coerce").fillna(0).clip(lower=0).to_numpy()
    valid = eff & (months_all >= 0)
    if not valid.any():
        return Chart(f"Doses du travailleur {worker_id}", "", "Aucune dosimétrie corps entier pour ce travailleur.",
                     ["Mois", "Dose (mSv)", "Cumul 12 mois (mSv)"])
    first, last = int(months_all[valid].min()), int(months_all[valid].max())
    months = list(range(first, last + 1))
    per_month = pd.Series(dose[valid]).groupby(months_all[valid]).sum().reindex(months, fill_value=0.0)
    rolling = per_month.rolling(12, min_periods=1).sum()
    alerts = pd.Series(res["alert"].to_numpy()[valid]).groupby(months_all[valid]).any().reindex(months,
                                                                                                  fill_value=False)
    y_max = float(max(22.0, rolling.max() * 1.1, per_month.max() * 1.1)) if rolling.max() > 5 else float(
        max(7.0, rolling.max() * 1.2, per_month.max() * 1.2))
    w = WIDTH - MARGIN["left"] - MARGIN["right"]
    h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]

    def y(v: float) -> float:
        return MARGIN["top"] + h - h * min(v, y_max) / y_max

    bw = w / len(months)
    body = []
    for i, m in enumerate(months):
        x = MARGIN["left"] + i * bw
        v = float(per_month[m])
        colour = PALETTE[1] if alerts[m] else PALETTE[0]
        body.append(f'<rect x="{x + bw * 0.15:.1f}" y="{y(v):.1f}" width="{bw * 0.7:.1f}" '
                    f'height="{MARGIN["top"] + h - y(v):.1f}" fill="{colour}"/>')
    points = " ".join(f"{MARGIN['left'] + (i + 0.5) * bw:.1f},{y(float(rolling[m])):.1f}" for i, m in enumerate(months))
    body.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[2]}" stroke-width="2"/>')
    for limit, label in ((6.0, "6 mSv (catégorie B, mineurs)"), (20.0, "20 mSv (limite)")):
        if limit <= y_max:
            body.append(f'<line x1="{MARGIN["left"]}" x2="{MARGIN["left"] + w}" y1="{y(limit):.1f}" '
                        f'y2="{y(limit):.1f}" stroke="{PALETTE[3]}" stroke-dasharray="6 4"/>')
            body.append(f'<text x="{MARGIN["left"] + w - 4}" y="{y(limit) - 4:.1f}" text-anchor="end" '
                        f'fill="{PALETTE[3]}">{escape(label)}</text>')
    title = f"Doses corps entier du travailleur {worker_id} et cumul sur 12 mois glissants"
    projection = str(res["projection"].iloc[0]) if len(res) else ""
    rows = [[month_label(m), fr(float(per_month[m])), fr(float(rolling[m])), "oui" if alerts[m] else "non"]
            for m in months]
    caption = ("Barres : dose du mois (rouge si une alerte porte sur ce mois) ; courbe verte : cumul sur 12 mois "
               f"glissants ; pointillés : 6 et 20 mSv. {projection}")
    return Chart(title, _frame(title, y_max, months, body), caption,
                 ["Mois", "Dose (mSv)", "Cumul 12 mois (mSv)", "Alerte"], rows)


def group_trends(records: pd.DataFrame, results: pd.DataFrame, by: str = "sector", top: int = 6) -> Chart:
    """Mean monthly whole-body dose per followed worker, by sector or employer, with alert counts."""
    eff = records["dosimetry_type"].isin(["passive_corps_entier", "interne"]).to_numpy()
    months_all = _month_index(records["period_end"])
    dose = pd.to_numeric(records["dose_msv"], errors="coerce").fillna(0).clip(lower=0, upper=1000).to_numpy()
    groups = records[by].astype(str).to_numpy()
    suspect = results["alert_kinds"].astype(str).str.contains("|".join(SUSPECT_KINDS)).to_numpy()
    ok = eff & (months_all >= 0) & ~suspect
    df = pd.DataFrame({"g": groups[ok], "m": months_all[ok], "d": dose[ok],
                       "w": records["worker_id"].astype(str).to_numpy()[ok]})
    workers = df.groupby("g")["w"].nunique()
    chosen = list(workers.sort_values(ascending=False).index[:top])
    df = df[df["g"].isin(chosen)]
    if df.empty:
        return Chart("Tendances", "", "Aucune donnée.", ["Groupe"])
    months = list(range(int(df["m"].min()), int(df["m"].max()) + 1))
    table = df.groupby(["g", "m"])["d"].sum().unstack().fillna(0.0).reindex(columns=months, fill_value=0.0)
    table = table.div(workers.reindex(table.index), axis=0)
    # quarterly dosimeters put three months of dose on one month: smooth over a quarter
    smooth = table.T.rolling(3, min_periods=1).mean().T
    y_max = float(max(smooth.to_numpy().max() * 1.15, 0.05))
    w = WIDTH - MARGIN["left"] - MARGIN["right"]
    h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    body = []
    for k, g in enumerate(chosen):
        if g not in smooth.index:
            continue
        pts = " ".join(f"{MARGIN['left'] + (i + 0.5) * w / len(months):.1f},"
                       f"{MARGIN['top'] + h - h * float(smooth.loc[g, m]) / y_max:.1f}" for i, m in enumerate(months))
        colour = PALETTE[k % len(PALETTE)]
        body.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.append(f'<text x="{MARGIN["left"] + 8 + 110 * (k % 6)}" y="{HEIGHT - 8}" fill="{colour}">'
                    f"{escape(g[:18])}</text>")
    alert_counts = pd.Series(results["alert"].to_numpy()).groupby(groups).sum()
    label = "secteur" if by == "sector" else "employeur"
    title = f"Dose mensuelle moyenne par travailleur suivi, par {label} (moyenne mobile sur 3 mois)"
    rows = [[g, str(int(workers[g])), fr(float(table.loc[g].sum() / max(1, len(months)) * 12)),
             str(int(alert_counts.get(g, 0)))] for g in chosen if g in table.index]
    return Chart(title, _frame(title, y_max, months, body),
                 f"Une courbe par {label} (les {len(chosen)} plus suivis) ; le tableau donne la dose annualisée.",
                 [label.capitalize(), "Travailleurs", "Dose annualisée moyenne (mSv)", "Alertes"], rows)
