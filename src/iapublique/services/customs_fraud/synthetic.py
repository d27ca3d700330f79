"""Seeded generator of French-looking import declarations with injected frauds and their ground truth.

The stream covers 18 months of declarations lodged at real French customs offices, for real HS6 goods
with duty rates close to the EU common customs tariff and realistic unit values. Importers, declarants
and sellers have histories: most are clean, some defraud repeatedly, some appear only late in the period
(new fraudsters the training data has never seen). Three kinds of fraud are injected, each with its
truth (``fraud_type``) and the duty evaded (``duty_at_stake``): undervaluation, misclassification into
a lower-rate heading of the same chapter, and a false preferential origin. Noise is deliberate:
legitimate outliers, genuine preferential claims, fraud patterns that drift over time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Office:
    """A French customs office of the demo (code used in files, name shown to people, its traffic)."""

    code: str
    name: str
    modes: tuple[str, ...]
    weight: float


OFFICES: tuple[Office, ...] = (
    Office("ROISSY-FRET", "Roissy fret (aéroport Paris-Charles-de-Gaulle)", ("4",), 0.20),
    Office("ROISSY-EXPRESS", "Roissy fret express et postal", ("4", "5"), 0.10),
    Office("ORLY", "Orly aéroport", ("4",), 0.04),
    Office("LE-HAVRE-PORT", "Le Havre port", ("1",), 0.18),
    Office("MARSEILLE-FOS", "Marseille-Fos port", ("1",), 0.13),
    Office("DUNKERQUE-PORT", "Dunkerque port", ("1",), 0.07),
    Office("LYON-ST-EXUPERY", "Lyon Saint-Exupéry aéroport", ("4", "3"), 0.05),
    Office("LILLE-LESQUIN", "Lille-Lesquin", ("3", "4"), 0.04),
    Office("STRASBOURG", "Strasbourg", ("3", "2"), 0.04),
    Office("MONTOIR", "Saint-Nazaire Montoir", ("1",), 0.04),
    Office("BORDEAUX-BASSENS", "Bordeaux-Bassens port", ("1",), 0.03),
    Office("TOULOUSE-BLAGNAC", "Toulouse-Blagnac aéroport", ("4",), 0.03),
    Office("MULHOUSE", "Mulhouse Saint-Louis", ("3", "2"), 0.03),
    Office("CALAIS", "Calais port et tunnel", ("3",), 0.02),
)
"""Offices and their share of declarations; modes: 1 maritime, 2 rail, 3 route, 4 aérien, 5 postal."""


@dataclass(frozen=True)
class Product:
    """An HS6 heading: French label, third-country duty rate (%), median unit value (€/kg), typical mass."""

    hs6: str
    label: str
    rate: float
    unit_value: float
    mass: float
    origins: tuple[str, ...]
    lower: str = ""
    sensitive: bool = False


PRODUCTS: tuple[Product, ...] = (
    Product("610910", "T-shirts en coton", 12.0, 18.0, 400.0, ("CN", "BD", "TR", "IN", "VN", "MA")),
    Product("611030", "Chandails en fibres synthétiques", 12.0, 22.0, 300.0, ("CN", "BD", "TR", "VN", "KH")),
    Product("620342", "Pantalons en coton pour hommes", 12.0, 25.0, 350.0, ("CN", "BD", "PK", "TR", "MA", "TN"),
            lower="621710"),
    Product("620462", "Pantalons en coton pour femmes", 12.0, 27.0, 300.0, ("CN", "BD", "TR", "MA", "TN", "IN"),
            lower="621710"),
    Product("621710", "Accessoires confectionnés du vêtement", 6.3, 20.0, 150.0, ("CN", "IN", "TR")),
    Product("640299", "Chaussures à dessus en caoutchouc ou plastique", 16.9, 12.0, 500.0, ("CN", "VN", "ID", "IN"),
            lower="640399"),
    Product("640411", "Chaussures de sport à dessus textile", 16.9, 20.0, 400.0, ("CN", "VN", "ID", "KH"),
            lower="640399"),
    Product("640399", "Chaussures à dessus en cuir naturel", 8.0, 35.0, 300.0, ("CN", "VN", "IN", "BR", "TN")),
    Product("420222", "Sacs à main à l'extérieur en plastique ou textile", 9.7, 20.0, 250.0, ("CN", "VN", "IN"),
            lower="420221"),
    Product("420221", "Sacs à main à l'extérieur en cuir", 3.0, 60.0, 150.0, ("CN", "IN", "VN", "TN")),
    Product("852872", "Téléviseurs en couleurs", 14.0, 45.0, 800.0, ("CN", "TR", "KR", "MY", "TH"), lower="852852"),
    Product("852852", "Moniteurs pour machines de traitement de l'information", 0.0, 60.0, 500.0,
            ("CN", "TW", "KR", "TH")),
    Product("850760", "Accumulateurs au lithium-ion", 2.7, 30.0, 600.0, ("CN", "KR", "JP"), sensitive=True),
    Product("851712", "Téléphones portables", 0.0, 400.0, 60.0, ("CN", "VN", "IN", "KR")),
    Product("851660", "Fours, cuisinières et réchauds", 2.7, 12.0, 900.0, ("CN", "TR", "TH")),
    Product("847130", "Ordinateurs portables", 0.0, 150.0, 120.0, ("CN", "TW", "VN")),
    Product("871200", "Bicyclettes sans moteur", 14.0, 9.0, 2000.0, ("CN", "TW", "KH", "VN"), lower="871491"),
    Product("871160", "Cycles à moteur électrique", 6.0, 25.0, 1500.0, ("CN", "TW", "VN"), lower="871491",
            sensitive=True),
    Product("871491", "Cadres et fourches de cycles", 4.7, 12.0, 800.0, ("CN", "TW", "VN")),
    Product("870899", "Parties et accessoires de véhicules automobiles", 4.5, 8.0, 1500.0,
            ("CN", "TR", "JP", "KR", "MA", "IN")),
    Product("950300", "Jouets", 4.7, 8.0, 700.0, ("CN", "VN", "ID"), lower="950490", sensitive=True),
    Product("950490", "Articles de jeux de société", 0.0, 10.0, 400.0, ("CN", "VN")),
    Product("940540", "Appareils d'éclairage électriques", 4.7, 15.0, 500.0, ("CN", "VN", "TR"), lower="940599",
            sensitive=True),
    Product("940599", "Parties d'appareils d'éclairage", 2.7, 10.0, 300.0, ("CN", "TR")),
    Product("392690", "Autres ouvrages en matières plastiques", 6.5, 5.0, 1200.0, ("CN", "TR", "IN", "VN")),
    Product("732690", "Autres ouvrages en fer ou en acier", 2.7, 4.0, 2500.0, ("CN", "IN", "TR"), lower="730890"),
    Product("730890", "Constructions et parties en fer ou acier", 0.0, 2.0, 8000.0, ("CN", "TR", "IN")),
    Product("760612", "Tôles en alliages d'aluminium", 7.5, 3.5, 20000.0, ("CN", "TR", "IN", "KR"), lower="760120"),
    Product("760120", "Aluminium sous forme brute, allié", 6.0, 2.5, 25000.0, ("IN", "AE", "TR", "CN")),
    Product("721049", "Tôles d'acier zinguées", 0.0, 0.9, 30000.0, ("CN", "IN", "KR", "TR", "VN")),
    Product("030617", "Crevettes congelées", 12.0, 7.0, 10000.0, ("EC", "IN", "VN", "AR", "BD")),
    Product("160414", "Préparations et conserves de thon", 24.0, 5.0, 12000.0, ("TH", "EC", "MU", "PH", "VN"),
            lower="160420"),
    Product("160420", "Autres préparations et conserves de poissons", 14.0, 4.5, 8000.0, ("TH", "VN", "MA", "CN")),
    Product("090121", "Café torréfié non décaféiné", 7.5, 9.0, 3000.0, ("BR", "CO", "VN", "CH"), lower="090111"),
    Product("090111", "Café vert non décaféiné", 0.0, 4.0, 18000.0, ("BR", "VN", "CO", "ET", "UG")),
    Product("180632", "Chocolat non fourré en tablettes", 8.3, 6.0, 4000.0, ("CH", "GB", "TR", "US")),
    Product("200911", "Jus d'orange congelé", 15.2, 1.5, 20000.0, ("BR", "MX", "US"), lower="200912"),
    Product("200912", "Jus d'orange non congelé", 12.2, 1.2, 20000.0, ("BR", "MX", "MA")),
    Product("841510", "Climatiseurs muraux", 2.7, 12.0, 2000.0, ("CN", "TH", "MY")),
    Product("900410", "Lunettes de soleil", 2.9, 60.0, 80.0, ("CN", "IT", "US")),
    Product("910211", "Montres-bracelets à affichage mécanique", 4.5, 800.0, 15.0, ("CN", "CH", "HK", "JP")),
    Product("330499", "Produits de beauté et de maquillage", 0.0, 20.0, 400.0, ("CN", "KR", "US", "GB"),
            sensitive=True),
    Product("300490", "Médicaments conditionnés", 0.0, 150.0, 100.0, ("IN", "US", "CH", "GB", "CN"),
            sensitive=True),
    Product("401110", "Pneumatiques neufs pour voitures", 4.5, 4.0, 6000.0, ("CN", "TH", "KR", "JP", "TR")),
    Product("691110", "Vaisselle en porcelaine", 12.0, 3.0, 3000.0, ("CN", "TH", "TR"), lower="691200"),
    Product("691200", "Vaisselle en autres céramiques", 5.0, 2.5, 3000.0, ("CN", "TR", "PT")),
    Product("854143", "Modules photovoltaïques", 0.0, 20.0, 5000.0, ("CN", "VN", "MY")),
)
"""HS6 goods of the demo; ``lower`` is a lower-rate heading of the same chapter used to misclassify."""

FTA = ("VN", "KR", "JP", "MA", "TN", "TR", "GB", "CH", "MX", "CO", "EC", "SG")
"""Origins with an EU preferential agreement (claim under preference code 300)."""
GSP = ("BD", "KH", "PK", "PH", "IN", "ID", "ET", "UG", "MU")
"""Origins under the generalised system of preferences (preference code 200)."""
FAKE_ORIGINS = ("VN", "MA", "TR", "KR", "TN", "MY")
"""Countries claimed by false-origin frauds (transhipment or false certificates)."""
HUBS = ("HK", "SG", "AE", "TR", "MY")
"""Transit countries goods commonly leave from."""
UPMARKET = {"JP": 1.5, "KR": 1.3, "US": 1.4, "CH": 1.8, "GB": 1.3, "TW": 1.2, "IT": 2.0}
"""Unit-value multipliers of origins that sell higher-end goods."""
COURIERS = tuple(f"EXP{i:02d}" for i in range(1, 9))
"""Express carriers (identifiers of the demo)."""

START = dt.date(2023, 1, 1)
DAYS = 547
"""The stream covers 2023-01-01 to 2024-06-30 (18 months)."""

TRUTH_COLUMNS = ("fraud", "critical_fraud", "fraud_type", "duty_at_stake")


def _day_weights() -> np.ndarray:
    """Relative daily volumes: weekdays busy, weekends quiet, August low, autumn peak, slow growth."""
    days = pd.date_range(START, periods=DAYS, freq="D")
    weekday = np.where(days.day_of_week < 5, 1.0, 0.15)
    month = days.month.to_numpy()
    season = 1.0 + 0.25 * np.cos((month - 10) / 12 * 2 * np.pi) - 0.35 * (month == 8)
    growth = 1.0 + 0.2 * np.arange(DAYS) / DAYS
    return weekday * season * growth


@dataclass
class _Parties:
    """Importers, declarants and sellers of one generated stream, with their risk profiles."""

    imp_start: np.ndarray
    imp_weight: np.ndarray
    imp_products: np.ndarray
    imp_origin: np.ndarray
    imp_sellers: np.ndarray
    imp_declarants: np.ndarray
    imp_office: np.ndarray
    imp_risk: np.ndarray
    imp_type: np.ndarray
    imp_use: np.ndarray
    imp_pay: np.ndarray
    imp_proc: np.ndarray
    dec_risk: np.ndarray
    sel_risk: np.ndarray


def _parties(size: int, rng: np.random.Generator) -> _Parties:
    """Draw the parties and their histories (activity, products, partners, propensity to defraud)."""
    n_imp = max(150, size // 9)
    n_dec = max(30, size // 160)
    n_sel = max(120, size // 12)
    n_prod = len(PRODUCTS)
    # activity: heavy-tailed; some importers start late (new businesses, new fraudsters)
    weight = rng.pareto(1.3, n_imp) + 0.2
    late = rng.random(n_imp) < 0.25
    start = np.where(late, rng.integers(0, DAYS - 20, n_imp), 0)
    products = rng.integers(0, n_prod, (n_imp, 4))
    origin = rng.integers(0, 6, (n_imp, 4))
    sellers = rng.integers(0, n_sel, (n_imp, 3))
    declarants = rng.integers(0, n_dec, (n_imp, 2))
    office_p = np.array([o.weight for o in OFFICES])
    office = rng.choice(len(OFFICES), size=(n_imp, 2), p=office_p / office_p.sum())
    # risk profile: clean, occasional, repeat fraudster; late starters are more often fraudsters
    u = rng.random(n_imp)
    repeat_share = np.where(late, 0.2, 0.08)
    risk = np.where(u < repeat_share, rng.uniform(0.4, 0.9, n_imp),
                    np.where(u < repeat_share + 0.15, rng.uniform(0.08, 0.3, n_imp), rng.uniform(0.0, 0.02, n_imp)))
    fraud_kind = rng.choice(3, size=n_imp, p=[0.5, 0.25, 0.25])
    use = rng.choice(np.array(["RV", "MP", "CF", "EC"]), size=n_imp, p=[0.5, 0.2, 0.15, 0.15])
    pay = np.where(late, rng.choice(np.array(["PI", "CE", "CD"]), n_imp, p=[0.5, 0.35, 0.15]),
                   rng.choice(np.array(["PI", "CE", "CD"]), n_imp, p=[0.15, 0.6, 0.25]))
    big = weight > np.quantile(weight, 0.8)
    proc = np.where(big, rng.choice(np.array(["S", "C", "N"]), n_imp, p=[0.5, 0.3, 0.2]),
                    rng.choice(np.array(["N", "S"]), n_imp, p=[0.75, 0.25]))
    dec_risk = np.where(rng.random(n_dec) < 0.06, rng.uniform(0.08, 0.25, n_dec), 0.0)
    sel_risk = np.where(rng.random(n_sel) < 0.04, rng.uniform(0.1, 0.35, n_sel), 0.0)
    return _Parties(start, weight, products, origin, sellers, declarants, office, risk, fraud_kind, use, pay, proc,
                    dec_risk, sel_risk)


def generate(size: int, seed: int = 0) -> pd.DataFrame:
    """``size`` declaration lines sorted by date, with truth columns; deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    weights = _day_weights()
    cdf = np.cumsum(weights) / weights.sum()
    p = _parties(size, rng)

    # who declares, when: importer by activity, day drawn inside its active window (seasonal)
    imp = rng.choice(len(p.imp_weight), size=size, p=p.imp_weight / p.imp_weight.sum())
    lo = np.where(p.imp_start[imp] > 0, cdf[np.maximum(p.imp_start[imp] - 1, 0)], 0.0)
    day = np.minimum(np.searchsorted(cdf, lo + rng.random(size) * (1.0 - lo)), DAYS - 1)
    order = np.argsort(day, kind="stable")
    imp, day = imp[order], day[order]

    slot = rng.choice(4, size=size, p=[0.55, 0.25, 0.12, 0.08])
    prod = p.imp_products[imp, slot]
    rate_true = np.array([x.rate for x in PRODUCTS])[prod]
    uv_med = np.array([x.unit_value for x in PRODUCTS])[prod]
    mass_med = np.array([x.mass for x in PRODUCTS])[prod]
    hs_codes = np.array([x.hs6 for x in PRODUCTS])
    lower_idx = np.array([hs_codes.tolist().index(x.lower) if x.lower else -1 for x in PRODUCTS])
    sensitive = np.array([x.sensitive for x in PRODUCTS])

    # origin: the importer's usual supplier country for this good most of the time
    origin_table = np.array([[x.origins[i % len(x.origins)] for i in range(6)] for x in PRODUCTS])
    usual = origin_table[prod, p.imp_origin[imp, slot] % 6]
    other = origin_table[prod, rng.integers(0, 6, size)]
    origin = np.where(rng.random(size) < 0.75, usual, other)

    # transport, office, courier
    light = mass_med < 200
    mode = np.where(light, rng.choice(np.array(["4", "5", "1"]), size, p=[0.6, 0.2, 0.2]),
                    rng.choice(np.array(["1", "3", "4", "2"]), size, p=[0.7, 0.15, 0.1, 0.05]))
    mode = np.where(p.imp_use[imp] == "EC", np.where(rng.random(size) < 0.6, "5", "4"), mode)
    serves = np.array([[m in o.modes for m in "012345"] for o in OFFICES])
    home = p.imp_office[imp, (rng.random(size) < 0.2).astype(int)]
    fits = serves[home, mode.astype(int)]
    by_mode = {m: np.array([i for i, o in enumerate(OFFICES) if m in o.modes]) for m in "12345"}
    office = home.copy()
    for m, cands in by_mode.items():
        bad = ~fits & (mode == m)
        if bad.any():
            w = np.array([OFFICES[i].weight for i in cands])
            office[bad] = rng.choice(cands, int(bad.sum()), p=w / w.sum())
    express = (mode == "5") | ((mode == "4") & (rng.random(size) < 0.4))
    courier = np.array(COURIERS, dtype=object)[rng.integers(0, len(COURIERS), size)]
    courier[~express] = None

    # quantities and values: lognormal around the good's reference, importer positioning, origin premium
    imp_pos = np.exp(rng.normal(0, 0.25, len(p.imp_weight)))[imp]
    premium = np.array([UPMARKET.get(o, 1.0) for o in origin])
    mode_mass = np.select([mode == "5", mode == "4"], [0.02, 0.15], 1.0)
    mass = np.round(mass_med * mode_mass * np.exp(rng.normal(0, 0.9, size)), 1) + 0.1
    uv = uv_med * imp_pos * premium * np.exp(rng.normal(0, 0.35, size))
    outlier = rng.random(size) < 0.025  # samples, end-of-series, second-hand: legitimate odd prices
    uv = np.where(outlier, uv * np.exp(rng.normal(-0.6, 1.0, size)), uv)
    price_true = np.round(mass * uv, 2)

    # tariff treatment: preference claims by genuine partner-country goods
    departure = np.where(rng.random(size) < 0.82, origin, np.array(HUBS)[rng.integers(0, len(HUBS), size)])
    in_fta, in_gsp = np.isin(origin, FTA), np.isin(origin, GSP)
    claim = (rate_true > 0) & (rng.random(size) < 0.7)
    tax_type = np.where(claim & in_fta, "300", np.where(claim & in_gsp, "200", "100"))
    gsp_full = np.isin(origin, ("BD", "KH", "PK", "PH", "ET", "UG", "MU"))
    rate = np.select([tax_type == "300", (tax_type == "200") & gsp_full, tax_type == "200"],
                     [0.0, 0.0, np.maximum(rate_true - 3.5, 0.0)], rate_true)
    quota = (tax_type == "100") & (rate_true > 10) & (rng.random(size) < 0.03)
    tax_type = np.where(quota, "120", tax_type)
    rate = np.where(quota, 0.0, rate)
    indicator = np.select(
        [tax_type == "300", tax_type == "200"],
        [rng.choice(np.array(["REX", "EUR1", "DEC"]), size, p=[0.5, 0.35, 0.15]),
         rng.choice(np.array(["REX", "FORMA"]), size, p=[0.7, 0.3])],
        rng.choice(np.array(["MARQ", "FACT", "AUC"]), size, p=[0.5, 0.3, 0.2]),
    )

    # who defrauds: importer propensity, complicit declarant or seller, high-duty goods, drift in time
    dec_slot = (rng.random(size) < 0.2).astype(int)
    declarant = p.imp_declarants[imp, dec_slot]
    seller = p.imp_sellers[imp, rng.choice(3, size, p=[0.6, 0.3, 0.1])]
    t = day / DAYS
    duty_weight = np.clip(rate_true / 12.0, 0.0, 1.5)
    prob = (p.imp_risk[imp] + p.dec_risk[declarant] + p.sel_risk[seller]) * (0.4 + 0.6 * duty_weight)
    prob = np.clip(1.4 * prob * (0.9 + 0.3 * t) + 0.004, 0.0, 0.95)
    fraud = (rng.random(size) < prob) & (rate > 0)

    # which fraud: the importer's habit most of the time, when the goods allow it
    habit = p.imp_type[imp]
    kind = np.where(rng.random(size) < 0.75, habit, rng.integers(0, 3, size))
    has_lower = lower_idx[prod] >= 0
    kind = np.where((kind == 1) & (~has_lower | (tax_type != "100")), 0, kind)
    kind = np.where((kind == 2) & (tax_type != "100"), 0, kind)

    hs6 = hs_codes[prod]
    price = price_true.copy()
    under = fraud & (kind == 0)
    depth = np.clip(rng.uniform(0.25, 0.8, size) + 0.15 * t, 0.2, 0.92)  # undervaluation grows subtler
    price = np.where(under, np.round(price_true * depth, 2), price)
    misc = fraud & (kind == 1)
    new_prod = np.where(misc, lower_idx[prod], prod)
    hs6 = hs_codes[new_prod]
    rate = np.where(misc, np.array([x.rate for x in PRODUCTS])[new_prod], rate)
    false_origin = fraud & (kind == 2)
    claimed = np.array(FAKE_ORIGINS)[rng.integers(0, len(FAKE_ORIGINS), size)]
    claimed = np.where(claimed == origin, "VN", claimed)
    route = rng.random(size)
    departure = np.where(false_origin, np.where(route < 0.45, origin, np.where(route < 0.8, claimed, departure)),
                         departure)
    origin = np.where(false_origin, claimed, origin)
    tax_type = np.where(false_origin, "300", tax_type)
    indicator = np.where(false_origin, rng.choice(np.array(["DEC", "REX", "EUR1"]), size, p=[0.5, 0.3, 0.2]),
                         indicator)
    rate = np.where(false_origin, 0.0, rate)
    duty_true = price_true * np.where(tax_type == "100", rate_true, np.where(false_origin, rate_true, rate)) / 100.0
    duty_true = np.where(misc, price_true * rate_true / 100.0, duty_true)
    duty_declared = price * rate / 100.0
    duty_at_stake = np.where(fraud, np.round(np.maximum(duty_true - duty_declared, 0.0), 2), 0.0)
    fraud_type = np.select([under, misc, false_origin], ["valeur", "classement", "origine"], "")
    critical = np.where(fraud, 1 + (rng.random(size) < np.where(sensitive[prod], 0.35, 0.03)), 0)

    dates = pd.to_datetime(START) + pd.to_timedelta(day, unit="D")
    year = dates.year.to_numpy() % 100
    ids = [f"{y:02d}FR{seed % 1000:03d}{i:09d}" for y, i in zip(year, range(size), strict=True)]
    import_type = rng.choice(np.array(["4000", "4200", "4071", "5100"]), size, p=[0.75, 0.1, 0.09, 0.06])
    return pd.DataFrame({
        "declaration_id": ids,
        "date": dates,
        "office_id": np.array([o.code for o in OFFICES])[office],
        "process_type": p.imp_proc[imp],
        "import_type": import_type,
        "import_use": p.imp_use[imp],
        "payment_type": p.imp_pay[imp],
        "mode_of_transport": mode,
        "declarant_id": np.char.add("RDE", np.char.zfill(declarant.astype(str), 5)),
        "importer_id": np.char.add("FR", np.char.zfill((imp * 7919 + 10_000_019).astype(str), 14)),
        "seller_id": np.char.add("VD", np.char.zfill(seller.astype(str), 6)),
        "courier_id": courier,
        "hs6_code": hs6,
        "country_of_departure": departure,
        "country_of_origin": origin,
        "tax_rate": rate.astype(float),
        "tax_type": tax_type,
        "country_of_origin_indicator": indicator,
        "net_mass": mass.astype(float),
        "item_price": price.astype(float),
        "fraud": fraud.astype(int),
        "critical_fraud": critical.astype(int),
        "fraud_type": pd.Series(fraud_type).replace("", None).to_numpy(),
        "duty_at_stake": duty_at_stake.astype(float),
    })


def office_names() -> dict[str, str]:
    """Office code -> French name, for pages and explanations."""
    return {o.code: o.name for o in OFFICES}


def product_labels() -> dict[str, str]:
    """HS6 code -> French label of the demo goods."""
    return {x.hs6: x.label for x in PRODUCTS}
