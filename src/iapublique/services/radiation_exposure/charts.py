"""Server-side SVG charts for the page, each returned with the data table shown beside it (accessibility)."""

from __future__ import annotations

import math
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
SECTOR_LABELS: dict[str, str] = {
    "medical": "médical",
    "nucleaire": "nucléaire",
    "industrie_non_nucleaire": "industrie non nucléaire",
    "radioactivite_naturelle": "radioactivité naturelle",
    "recherche": "recherche",
    "aviation": "aviation (personnel navigant)",
    "autre": "autre",
}
"""French names of the sectors of the register."""
PALETTE = ("#000091", "#e1000f", "#18753c", "#b34000", "#6a6af4", "#009099", "#a558a0", "#716043")


@dataclass
class Chart:
    """An SVG chart with its title, a French caption and the same data as a table."""

    title: str
    svg: str
    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


def sector_label(code: str) -> str:
    """French name of a sector code (``industrie_non_nucleaire`` → ``industrie non nucléaire``)."""
    return SECTOR_LABELS.get(code, str(code).replace("_", " "))


def siret_label(siret: str) -> str:
    """A SIRET as it is usually written: SIREN in groups of three, then the NIC (``992 879 067 48236``)."""
    s = str(siret)
    if len(s) == 14 and s.isdigit():
        return f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}"
    return s


def group_label(by: str, value: str) -> str:
    """How a group of a trend is named: a sector's French name or a formatted SIRET."""
    return sector_label(value) if by == "sector" else siret_label(value)


def quarter_label(quarter_index: int) -> str:
    """'T2 2024' for a quarter index (year * 4 + quarter - 1)."""
    year, quarter = divmod(int(quarter_index), 4)
    return f"T{quarter + 1} {year}"


def _month_index(values: pd.Series) -> np.ndarray:
    d = pd.to_datetime(values, errors="coerce")
    return (d.dt.year * 12 + d.dt.month - 1).fillna(-1).astype(int).to_numpy()


NICE_STEPS = (1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_max(value: float) -> float:
    """The top of a vertical axis at or above ``value`` whose four grid steps are round numbers."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    raw = value / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(s for s in NICE_STEPS if s * power >= raw * (1 - 1e-9)) * power
    return step * 4


def _axis_digits(y_max: float) -> int:
    """Decimals of the vertical axis labels, enough to show each grid step exactly."""
    step = y_max / 4
    return max(0, min(4, -math.floor(math.log10(step)) + 1)) if step < 1 else 0


def _frame(title: str, y_max: float, ticks: list[str], body: list[str], unit: str = "mSv") -> str:
    """Axes, period ticks and horizontal grid around the chart body."""
    w = WIDTH - MARGIN["left"] - MARGIN["right"]
    h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>"]
    digits = _axis_digits(y_max)
    for k in range(5):
        value = y_max * k / 4
        y = MARGIN["top"] + h - h * k / 4
        parts.append(f'<line x1="{MARGIN["left"]}" y1="{y:.1f}" x2="{MARGIN["left"] + w}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{MARGIN["left"] - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(fr(value, digits))}</text>")
    step = max(1, -(-len(ticks) // 8))
    for i, label in enumerate(ticks):
        if i % step == 0:
            x = MARGIN["left"] + w * (i + 0.5) / max(1, len(ticks))
            parts.append(f'<text x="{x:.1f}" y="{HEIGHT - MARGIN["bottom"] + 16}" text-anchor="middle">'
                         f"{escape(label)}</text>")
    parts.append(f'<text x="14" y="{MARGIN["top"] + h / 2:.0f}" transform="rotate(-90 14 {MARGIN["top"] + h / 2:.0f})"'
                 f' text-anchor="middle">{escape(unit)}</text>')
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
    y_max = nice_max(float(max(22.0, rolling.max() * 1.05, per_month.max() * 1.05)) if rolling.max() > 5 else float(
        max(7.0, rolling.max() * 1.1, per_month.max() * 1.1)))
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
    crowded = y(6.0) - y(20.0) < 14  # on a tall axis both lines nearly merge: one label for both
    for limit, label in ((6.0, "6 mSv (catégorie B, mineurs)"), (20.0, "20 mSv (limite)")):
        if limit <= y_max:
            body.append(f'<line x1="{MARGIN["left"]}" x2="{MARGIN["left"] + w}" y1="{y(limit):.1f}" '
                        f'y2="{y(limit):.1f}" stroke="{PALETTE[3]}" stroke-dasharray="6 4"/>')
            if crowded and limit == 6.0:
                continue
            shown = "6 et 20 mSv (seuils)" if crowded else label
            body.append(f'<text x="{MARGIN["left"] + w - 4}" y="{y(limit) - 4:.1f}" text-anchor="end" '
                        f'fill="{PALETTE[3]}">{escape(shown)}</text>')
    title = f"Doses corps entier du travailleur {worker_id} et cumul sur 12 mois glissants"
    projection = str(res["projection"].iloc[0]) if len(res) else ""
    rows = [[month_label(m), fr(float(per_month[m])), fr(float(rolling[m])), "oui" if alerts[m] else "non"]
            for m in months]
    caption = ("Barres : dose du mois (rouge si une alerte porte sur ce mois) ; courbe verte : cumul sur 12 mois "
               f"glissants ; pointillés : 6 et 20 mSv. {projection}")
    return Chart(title, _frame(title, y_max, [month_label(m) for m in months], body), caption,
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
    y_max = nice_max(float(max(smooth.to_numpy().max() * 1.05, 0.05)))
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
                    f"{escape(group_label(by, g)[:18])}</text>")
    alert_counts = pd.Series(results["alert"].to_numpy()).groupby(groups).sum()
    label = "secteur" if by == "sector" else "employeur"
    title = f"Dose mensuelle moyenne par travailleur suivi, par {label} (moyenne mobile sur 3 mois)"
    rows = [[group_label(by, g), str(int(workers[g])), fr(float(table.loc[g].sum() / max(1, len(months)) * 12)),
             str(int(alert_counts.get(g, 0)))] for g in chosen if g in table.index]
    return Chart(title, _frame(title, y_max, [month_label(m) for m in months], body),
                 f"Une courbe par {label} (les {len(chosen)} plus suivis) ; le tableau donne la dose annualisée.",
                 [label.capitalize(), "Travailleurs", "Dose annualisée moyenne (mSv)", "Alertes"], rows)


def effective_dose(records: pd.DataFrame, results: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Counted effective dose of each row (0 outside passive/internal channels) and whether the row is usable.

    Rows under investigation (``SUSPECT_KINDS``) and rows without a valid end date are not usable: their
    value may be wrong, so they would distort a trend.
    """
    eff = records["dosimetry_type"].isin(["passive_corps_entier", "interne"]).to_numpy()
    dose = pd.to_numeric(records["dose_msv"], errors="coerce").fillna(0).clip(lower=0, upper=1000).to_numpy()
    below = records["below_threshold"].fillna(False).astype(bool).to_numpy() if "below_threshold" in records else False
    suspect = results["alert_kinds"].astype(str).str.contains("|".join(SUSPECT_KINDS)).to_numpy()
    usable = (_month_index(records["period_end"]) >= 0) & ~suspect
    return np.where(eff & ~below, dose, 0.0), usable


def _chosen_groups(records: pd.DataFrame, by: str, top: int) -> list[str]:
    """The ``top`` groups with the most followed workers (ties broken by name, for stable charts)."""
    counts = records.groupby(records[by].astype(str))["worker_id"].nunique()
    ordered = sorted(zip(counts.index.astype(str), counts.to_numpy(dtype=int), strict=True),
                     key=lambda kv: (-int(kv[1]), kv[0]))
    return [g for g, _ in ordered[:top]]


def _line_chart(title: str, ticks: list[str], series: list[tuple[str, np.ndarray]], unit: str) -> str:
    """Lines (with a dot at each period) of several series over the same periods, legend at the bottom."""
    peak = max((float(np.max(v)) for _, v in series if len(v)), default=0.0)
    y_max = nice_max(peak * 1.05) if peak > 0 else 1.0
    w = WIDTH - MARGIN["left"] - MARGIN["right"]
    h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    n = max(1, len(ticks))
    body: list[str] = []
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [(MARGIN["left"] + (i + 0.5) * w / n, MARGIN["top"] + h - h * float(v) / y_max)
                  for i, v in enumerate(values)]
        body.append('<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                    + f'" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points)
        body.append(f'<text x="{MARGIN["left"] + 8 + 110 * (k % 6)}" y="{HEIGHT - 8}" fill="{colour}">'
                    f"{escape(name[:18])}</text>")
    return _frame(title, y_max, ticks, body, unit)


def trusted_dates(results: pd.DataFrame) -> np.ndarray:
    """Rows whose dates can place them in time (not flagged ``date_incoherente``)."""
    return ~results["alert_kinds"].astype(str).str.contains("date_incoherente").to_numpy()


def _group_quarter_table(records: pd.DataFrame, values: np.ndarray, keep: np.ndarray, dated: np.ndarray, by: str,
                         top: int) -> tuple[list[str], list[int], pd.DataFrame]:
    """Sum of ``values`` per chosen group and quarter (rows: groups, columns: quarters).

    The quarters run over the wear periods of rows with ``dated`` set, so a wrong date (a year 2033
    typed for 2023) neither stretches the axis nor lands in a quarter of its own.
    """
    chosen = _chosen_groups(records, by, top)
    quarters_all = _month_index(records["period_end"]) // 3
    inside = dated & (quarters_all >= 0)
    if not inside.any():
        return chosen, [], pd.DataFrame()
    quarters = list(range(int(quarters_all[inside].min()), int(quarters_all[inside].max()) + 1))
    df = pd.DataFrame({"g": records[by].astype(str).to_numpy(), "q": quarters_all, "v": values})[keep & inside]
    df = df[df["g"].isin(chosen)]
    table = (df.groupby(["g", "q"])["v"].sum().unstack().reindex(index=chosen, columns=quarters)
             .fillna(0.0))
    return chosen, quarters, table


def collective_dose_trends(records: pd.DataFrame, results: pd.DataFrame, by: str = "sector", top: int = 6) -> Chart:
    """Collective effective dose (sum over workers, man·mSv) per quarter, by sector or employer."""
    dose, usable = effective_dose(records, results)
    chosen, quarters, table = _group_quarter_table(records, dose, usable, trusted_dates(results), by, top)
    label = "secteur" if by == "sector" else "employeur"
    title = f"Dose collective efficace par trimestre et par {label} (homme·mSv)"
    columns = [label.capitalize(), *[quarter_label(q) for q in quarters], "Total"]
    if table.empty:
        return Chart(title, "", "Aucune dose corps entier ou interne sur la période.", columns)
    ticks = [quarter_label(q) for q in quarters]
    values = {g: table.loc[g].to_numpy(dtype=float) for g in chosen}
    series = [(group_label(by, g), values[g]) for g in chosen]
    rows = [[group_label(by, g), *[fr(float(v)) for v in values[g]], fr(float(values[g].sum()))] for g in chosen]
    caption = (f"Une courbe par {label} (les {len(chosen)} qui suivent le plus de travailleurs) : somme des doses "
               "efficaces (dosimétrie passive corps entier et interne) des périodes de port finissant dans le "
               "trimestre, hors enregistrements en cours de vérification (valeurs implausibles, erreurs d'unité, "
               "doublons, dates incohérentes, pics individuels).")
    return Chart(title, _line_chart(title, ticks, series, "homme·mSv"), caption, columns, rows)


def alert_trends(records: pd.DataFrame, results: pd.DataFrame, by: str = "sector", top: int = 6) -> Chart:
    """Alerts raised per quarter (end of the wear period), by sector or employer, with the regulatory share."""
    alert = results["alert"].fillna(False).astype(bool).to_numpy()
    regulatory = (results["severity"].astype(str) == "reglementaire").to_numpy()
    dated = trusted_dates(results)
    chosen, quarters, table = _group_quarter_table(records, alert.astype(float), alert, dated, by, top)
    label = "secteur" if by == "sector" else "employeur"
    title = f"Alertes par trimestre et par {label}"
    columns = [label.capitalize(), *[quarter_label(q) for q in quarters], "Total", "Dont réglementaires",
               "Hors période (dates incohérentes)"]
    if table.empty:
        return Chart(title, "", "Aucune alerte sur la période.", columns)
    groups = pd.Series(records[by].astype(str).to_numpy())
    totals = pd.Series(alert).groupby(groups).sum()
    reg_counts = pd.Series(regulatory & alert).groupby(groups).sum()
    ticks = [quarter_label(q) for q in quarters]
    values = {g: table.loc[g].to_numpy(dtype=float) for g in chosen}
    series = [(group_label(by, g), values[g]) for g in chosen]
    rows = [[group_label(by, g), *[str(int(v)) for v in values[g]], str(int(totals.get(g, 0))),
             str(int(reg_counts.get(g, 0))), str(int(totals.get(g, 0)) - int(values[g].sum()))] for g in chosen]
    caption = (f"Une courbe par {label} (les {len(chosen)} qui suivent le plus de travailleurs) : nombre "
               "d'enregistrements en alerte, rattachés au trimestre de fin de la période de port ; les alertes "
               "dont les dates sont incohérentes ne sont pas placées dans le temps mais comptent dans le total.")
    return Chart(title, _line_chart(title, ticks, series, "alertes"), caption, columns, rows)


@dataclass(frozen=True)
class Quantity:
    """A regulated quantity: its channels and the thresholds (mSv) over 12 rolling months."""

    label: str
    channels: tuple[str, ...]
    limit: float
    minor_limit: float
    category_b: float | None = None


QUANTITIES: tuple[Quantity, ...] = (
    Quantity("Dose efficace (corps entier et interne)", ("passive_corps_entier", "interne"), 20.0, 6.0, 6.0),
    Quantity("Dose équivalente aux extrémités", ("extremites",), 500.0, 150.0),
    Quantity("Dose équivalente à la peau", ("peau",), 500.0, 500.0),
    Quantity("Dose équivalente au cristallin", ("cristallin",), 20.0, 15.0),
)
"""The same limits as the regulatory layer (``regulatory.RULES``), grouped by quantity for the worker view."""


def applicable_threshold(q: Quantity, minor: bool, category: str) -> tuple[float, str]:
    """The lowest threshold that applies to this worker for ``q``, and its French name."""
    options = [(q.limit, "limite réglementaire")]
    if minor:
        options.append((q.minor_limit, "limite des travailleurs de 16 à 18 ans"))
    if category == "B" and q.category_b is not None:
        options.append((q.category_b, "seuil de la catégorie B"))
    return min(options, key=lambda o: o[0])


def limit_gauges(records: pd.DataFrame, results: pd.DataFrame, worker_id: str) -> Chart:
    """Each regulated quantity of one worker: current and highest 12-month sums as shares of its threshold."""
    mask = (records["worker_id"].astype(str) == str(worker_id)).to_numpy()
    rec = records[mask]
    rolling = pd.to_numeric(results["rolling_12m_msv"][mask], errors="coerce").fillna(0.0).to_numpy()
    months = _month_index(rec["period_end"])
    channel = rec["dosimetry_type"].astype(str).to_numpy()
    yob = pd.to_numeric(rec["year_of_birth"], errors="coerce").to_numpy()
    category = str(rec["category"].dropna().iloc[-1]) if rec["category"].notna().any() else ""
    title = f"Cumuls sur 12 mois glissants du travailleur {worker_id} rapportés aux limites"
    columns = ["Grandeur", "Cumul actuel (mSv)", "Cumul maximal (mSv)", "Seuil applicable (mSv)", "Part du seuil"]
    measured: list[tuple[Quantity, float, float, float, str]] = []
    for q in QUANTITIES:
        sel = np.isin(channel, q.channels) & (months >= 0)
        if not sel.any():
            continue
        last = int(months[sel].max())
        current = float(rolling[sel & (months == last)].max())
        highest = float(rolling[sel].max())
        age = last // 12 - yob[sel & (months == last)]
        minor = bool(np.any((age >= 16) & (age <= 18)))
        limit, name = applicable_threshold(q, minor, category)
        measured.append((q, current, highest, limit, name))
    if not measured:
        return Chart(title, "", "Aucune dose mesurée pour une grandeur réglementée.", columns)
    left, right, row_h, top = 250, 24, 44, 28
    height = top + row_h * len(measured) + 36
    scale = max(1.2, max(hi / lim for _, _, hi, lim, _ in measured) * 1.05)
    scale = min(scale, 3.0)
    width = WIDTH - left - right

    def x(share: float) -> float:
        return left + width * min(share, scale) / scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>"]
    for share in (0.0, 0.5, 1.0) + ((2.0,) if scale >= 2.0 else ()):
        style = f'stroke="{PALETTE[3]}" stroke-dasharray="6 4"' if share == 1.0 else 'stroke="#ddd"'
        parts.append(f'<line x1="{x(share):.1f}" x2="{x(share):.1f}" y1="{top - 8}" y2="{height - 28}" {style}/>')
        parts.append(f'<text x="{x(share):.1f}" y="{height - 12}" text-anchor="middle">{fr(share * 100, 0)} %</text>')
    rows: list[list[str]] = []
    for i, (q, current, highest, limit, name) in enumerate(measured):
        y0 = top + i * row_h
        parts.append(f'<text x="{left - 8}" y="{y0 + 10}" text-anchor="end">{escape(q.label)}</text>')
        parts.append(f'<text x="{left - 8}" y="{y0 + 24}" text-anchor="end">{escape(fr(limit, 0))} mSv : '
                     f"{escape(name)}</text>")
        over = current > limit or highest > limit
        parts.append(f'<rect x="{left}" y="{y0}" width="{x(highest / limit) - left:.1f}" height="12" '
                     f'fill="#cacafb"/>')
        parts.append(f'<rect x="{left}" y="{y0 + 14}" width="{x(current / limit) - left:.1f}" height="12" '
                     f'fill="{PALETTE[1] if over else PALETTE[0]}"/>')
        rows.append([q.label, fr(current), fr(highest), f"{fr(limit, 0)} ({name})",
                     f"{fr(current / limit * 100, 0)} %"])
    parts.append("</svg>")
    caption = ("Pour chaque grandeur mesurée : barre claire, cumul le plus haut atteint sur 12 mois glissants ; "
               "barre foncée, cumul des 12 derniers mois (rouge au-delà du seuil) ; pointillés : 100 % du seuil "
               "applicable au travailleur (âge, catégorie).")
    return Chart(title, "".join(parts), caption, columns, rows)
