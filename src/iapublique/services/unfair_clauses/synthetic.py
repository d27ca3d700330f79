"""Realistic French demo documents (terms of sale, quotes, invoices) with their expected findings.

Documents are assembled from pools of ordinary clauses by sector, into which unfair clauses of the
seed corpus are injected; quotes and invoices get item lines, totals and mentions, some of which are
removed or miscalculated on purpose. The ``truth_findings`` column lists the expected finding codes
(with the clause text for unfair clauses), so ``evaluate`` can score the service on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iapublique.services.unfair_clauses.legal import FAIR
from iapublique.services.unfair_clauses.mentions import required_mentions
from iapublique.services.unfair_clauses.model import load_corpus


@dataclass(frozen=True)
class Sector:
    """A line of business: who the professional is, what is sold, and what a quote or invoice lists."""

    key: str
    pro: str
    client: str
    company: str
    goods: bool
    items: tuple[tuple[str, float], ...]


SECTORS: tuple[Sector, ...] = (
    Sector(
        "telecom",
        "l'Opérateur",
        "l'Abonné",
        "Fibrelia Télécom SAS",
        False,
        (("Forfait fibre 1 Gb/s (mois)", 29.99), ("Frais de mise en service", 49.0), ("Location box", 3.0)),
    ),
    Sector(
        "gym",
        "le Club",
        "l'Adhérent",
        "Forme & Tonus SARL",
        False,
        (("Cotisation mensuelle", 34.9), ("Frais d'inscription", 49.0), ("Séance de coaching", 45.0)),
    ),
    Sector(
        "ecommerce",
        "le Vendeur",
        "l'Acheteur",
        "MaisonDéco en ligne SAS",
        True,
        (("Lampe de bureau laiton", 89.0), ("Tapis berbère 160x230", 249.0), ("Frais de livraison", 9.9)),
    ),
    Sector(
        "garage",
        "le Garage",
        "le Client",
        "Garage des Tilleuls EURL",
        True,
        (("Plaquettes de frein avant", 64.5), ("Main-d'œuvre (heure)", 58.0), ("Vidange moteur", 79.0)),
    ),
    Sector(
        "works",
        "l'Entreprise",
        "le Maître d'ouvrage",
        "Bâti Rénov' Atlantique SARL",
        True,
        (("Carrelage grès cérame (m²)", 42.0), ("Pose carrelage (m²)", 35.0), ("Ragréage (m²)", 12.5)),
    ),
    Sector(
        "travel",
        "l'Organisateur",
        "le Voyageur",
        "Horizons Lointains Voyages SAS",
        False,
        (("Séjour 7 nuits demi-pension", 890.0), ("Assurance annulation", 45.0), ("Transfert aéroport", 30.0)),
    ),
    Sector(
        "energy",
        "le Fournisseur",
        "le Client",
        "Volta Énergies SA",
        False,
        (
            ("Abonnement électricité 6 kVA (mois)", 15.65),
            ("Consommation (kWh)", 0.2516),
            ("Entretien chaudière", 120.0),
        ),
    ),
    Sector(
        "rental",
        "le Loueur",
        "le Locataire",
        "LocaRoute SAS",
        True,
        (
            ("Location utilitaire 12 m³ (jour)", 79.0),
            ("Kilomètres supplémentaires", 0.35),
            ("Rachat de franchise", 15.0),
        ),
    ),
    Sector(
        "school",
        "l'École",
        "l'Élève",
        "Académie Langues Vivantes SARL",
        False,
        (("Cours d'anglais (heure)", 32.0), ("Manuel et supports", 45.0), ("Frais de dossier", 60.0)),
    ),
)

FAIR_POOL: tuple[str, ...] = (
    "Les présentes conditions s'appliquent à toute commande passée auprès de {pro} par {client}.",
    "{Client} reçoit, avant la conclusion du contrat, un exemplaire des présentes conditions.",
    "Les prix sont exprimés en euros toutes taxes comprises.",
    "Le paiement s'effectue par carte bancaire, par chèque ou par virement.",
    "Une facture est adressée à {client} à chaque échéance.",
    "{Pro} s'engage à exécuter la prestation avec soin et conformément aux règles de l'art.",
    "{Client} s'engage à fournir des informations exactes et à jour.",
    "Toute réclamation peut être adressée au service client par courrier, par téléphone ou par courriel.",
    "Le contrat prend effet à la date de sa signature.",
    "{Pro} informe {client} de toute difficulté susceptible de retarder l'exécution de la prestation.",
    "Les données personnelles de {client} sont traitées conformément au règlement général sur la protection "
    "des données.",
    "{Client} dispose d'un droit d'accès, de rectification et d'effacement de ses données.",
    "La nullité d'une clause n'affecte pas la validité des autres stipulations.",
    "Chacune des parties peut résilier le contrat à durée indéterminée avec un préavis d'un mois.",
    "En cas de force majeure, l'exécution du contrat est suspendue pendant la durée de l'empêchement.",
    "{Pro} est titulaire d'une assurance de responsabilité civile professionnelle.",
    "Le présent contrat est soumis au droit français.",
    "Les horaires d'ouverture sont affichés sur le site internet et à l'accueil.",
    "{Client} peut consulter à tout moment l'historique de ses commandes dans son espace personnel.",
    "Les coordonnées de {pro} figurent en tête des présentes conditions.",
    "Une confirmation de la commande est envoyée par courriel à {client}.",
    "{Client} peut suivre l'avancement de sa demande en ligne.",
    "Les produits restent la propriété de {pro} jusqu'au paiement complet du prix.",
    "Les frais de livraison sont indiqués avant la validation de la commande.",
    "En cas d'interruption du service de plus de deux jours, {client} est remboursé au prorata.",
    "{Client} peut résilier le contrat par courrier, par courriel ou depuis son espace en ligne.",
    "Les échanges entre les parties peuvent se faire par voie électronique.",
    "{Pro} remet à {client} un justificatif de chaque paiement.",
    "Les cartes cadeaux sont valables douze mois à compter de leur achat.",
    "Le contrat est conclu pour une durée de douze mois renouvelable par tacite reconduction, {client} étant "
    "informé par écrit de la faculté de ne pas le reconduire.",
)
MEDIATOR = (
    "En cas de litige, {client} peut recourir gratuitement au médiateur de la consommation : Médiation "
    "Consommation Conseil, 8 rue de la Paix, 44000 Nantes, www.mcc-mediation.fr, sans préjudice de son droit "
    "de saisir le juge."
)
WARRANTY = (
    "{Pro} est tenu de la garantie légale de conformité pendant deux ans à compter de la délivrance du bien, "
    "ainsi que de la garantie des vices cachés."
)
WITHDRAWAL = (
    "{Client} dispose d'un délai de quatorze jours pour exercer son droit de rétractation, sans avoir à "
    "justifier de motifs ni à payer de pénalités."
)
ARTICLE_TITLES = (
    "Objet",
    "Commande",
    "Prix",
    "Paiement",
    "Exécution",
    "Durée",
    "Résiliation",
    "Responsabilité",
    "Réclamations",
    "Données personnelles",
    "Litiges",
    "Dispositions diverses",
)
CITIES = (
    ("12 rue Nationale", "37000 Tours"),
    ("5 avenue Jean-Jaurès", "31000 Toulouse"),
    ("18 quai des Chartrons", "33000 Bordeaux"),
    ("3 place Kléber", "67000 Strasbourg"),
    ("27 rue de la République", "69002 Lyon"),
    ("9 boulevard Carnot", "59000 Lille"),
)
CLIENTS = (
    "Mme Claire Morel",
    "M. Karim Benali",
    "Mme Sophie Lefèvre",
    "M. Julien Caron",
    "Mme Aïcha Diallo",
    "M. Thomas Girard",
)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill(template: str, sector: Sector) -> str:
    return template.format(pro=sector.pro, client=sector.client, Pro=_cap(sector.pro), Client=_cap(sector.client))


def _money(x: float) -> str:
    return f"{x:,.2f}".replace(",", " ").replace(".", ",")


def _unfair_pool() -> dict[str, list[str]]:
    texts, labels = load_corpus("seed_fr.tsv")
    pool: dict[str, list[str]] = {}
    for t, lab in zip(texts, labels, strict=True):
        if lab != FAIR:
            pool.setdefault(lab, []).append(t)
    return pool


def _conditions(
    rng: np.random.Generator, sector: Sector, pool: dict[str, list[str]], i: int
) -> tuple[str, list[dict[str, str]]]:
    truth: list[dict[str, str]] = []
    fair = list(rng.choice(len(FAIR_POOL), size=int(rng.integers(12, 20)), replace=False))
    sentences = [_fill(FAIR_POOL[k], sector) for k in fair]
    n_unfair = int(rng.choice([0, 1, 2, 3, 4], p=[0.15, 0.25, 0.3, 0.2, 0.1]))
    codes = list(pool)
    for code in rng.choice(len(codes), size=n_unfair, replace=False):
        text = str(rng.choice(pool[codes[code]]))
        sentences.insert(int(rng.integers(0, len(sentences) + 1)), text)
        truth.append({"code": codes[code], "text": text})
    online = sector.key in ("ecommerce", "telecom", "travel") or rng.random() < 0.3
    if online:
        sentences.append(
            "Les commandes sont passées en ligne sur le site de "
            + sector.pro.replace("l'", "").replace("le ", "")
            + "."
        )
    omitted = []
    for template, code in (
        (MEDIATOR, "MENTION-mediateur"),
        (WARRANTY, "MENTION-garantie"),
        (WITHDRAWAL, "MENTION-retractation"),
    ):
        if rng.random() < 0.75:
            sentences.append(_fill(template, sector))
        else:
            omitted.append(code)
    per_article = max(1, len(sentences) // len(ARTICLE_TITLES) + 1)
    lines = [f"CONDITIONS GÉNÉRALES – {sector.company.upper()}", ""]
    for a in range(0, len(sentences), per_article):
        n = a // per_article + 1
        lines.append(f"Article {n} – {ARTICLE_TITLES[(n - 1) % len(ARTICLE_TITLES)]}")
        lines.append(" ".join(sentences[a : a + per_article]))
        lines.append("")
    text = "\n".join(lines)
    # A mention is expected where the documented criteria make it applicable (goods sold, distance selling).
    applicable = set(required_mentions(text, "conditions"))
    truth += [{"code": code, "text": ""} for code in omitted if code in applicable]
    return text, truth


def _items(rng: np.random.Generator, sector: Sector) -> tuple[list[str], float, list[dict[str, str]]]:
    rows = []
    total = 0.0
    truth: list[dict[str, str]] = []
    for name, price in sector.items:
        qty = float(rng.integers(1, 12))
        line_total = round(qty * price, 2)
        shown = line_total
        if rng.random() < 0.12:
            shown = round(line_total + float(rng.choice([-10.0, 10.0, 1.0, 100.0])), 2)
            truth.append({"code": "CALC-ligne", "text": ""})
        total += shown
        rows.append(f"{name} | {qty:g} | {_money(price)} | {_money(shown)}")
    return rows, round(total, 2), truth


def _commercial(rng: np.random.Generator, sector: Sector, kind: str, i: int) -> tuple[str, list[dict[str, str]]]:
    street, city = CITIES[int(rng.integers(len(CITIES)))]
    cstreet, ccity = CITIES[int(rng.integers(len(CITIES)))]
    client = CLIENTS[int(rng.integers(len(CLIENTS)))]
    siren = f"{int(rng.integers(100, 999))} {int(rng.integers(100, 999))} {int(rng.integers(100, 999))}"
    truth: list[dict[str, str]] = []
    drop: set[str] = set()
    optional = (
        [
            "MENTION-numero",
            "MENTION-siren",
            "MENTION-tva-intra",
            "MENTION-echeance",
            "MENTION-penalites",
            "MENTION-date",
        ]
        if kind == "facture"
        else ["MENTION-validite", "MENTION-mediateur"]
    )
    for code in optional:
        if rng.random() < 0.15:
            drop.add(code)
            truth.append({"code": code, "text": ""})
    title = "FACTURE" if kind == "facture" else "DEVIS"
    lines = [
        f"{title}" + ("" if "MENTION-numero" in drop else f" n° {'F' if kind == 'facture' else 'D'}-2024-{1000 + i}"),
        "",
        sector.company,
        street,
        city,
    ]
    if "MENTION-siren" not in drop:
        lines.append(f"SIRET : {siren} 00012")
    if "MENTION-tva-intra" not in drop:
        lines.append(f"N° TVA intracommunautaire : FR{int(rng.integers(10, 99))} {siren}")
    lines += ["", "Client :", client, cstreet, ccity, ""]
    if "MENTION-date" not in drop:
        lines.append(f"Date : {int(rng.integers(1, 28)):02d}/{int(rng.integers(1, 12)):02d}/2024")
    lines += ["", "Désignation | Quantité | Prix unitaire HT | Total HT"]
    rows, ht, calc_truth = _items(rng, sector)
    truth += calc_truth
    lines += rows
    if rng.random() < 0.1:
        shown_ht = round(ht + float(rng.choice([-20.0, 15.0, 50.0])), 2)
        truth.append({"code": "CALC-total-ht", "text": ""})
    else:
        shown_ht = ht
    tva = round(shown_ht * 0.2, 2)
    if rng.random() < 0.1:
        tva = round(tva + float(rng.choice([-5.0, 7.5, 12.0])), 2)
        truth.append({"code": "CALC-tva", "text": ""})
    ttc = round(shown_ht + tva, 2)
    if rng.random() < 0.1:
        ttc = round(ttc + float(rng.choice([-3.0, 10.0, 25.0])), 2)
        truth.append({"code": "CALC-total-ttc", "text": ""})
    lines += ["", f"Total HT | {_money(shown_ht)} €", f"TVA 20 % | {_money(tva)} €", f"Total TTC | {_money(ttc)} €", ""]
    if kind == "facture":
        if "MENTION-echeance" not in drop:
            lines.append(f"Date d'échéance : paiement à {int(rng.choice([15, 30]))} jours à réception de facture.")
        if "MENTION-penalites" not in drop:
            lines.append("Pénalités de retard : trois fois le taux d'intérêt légal.")
    else:
        if "MENTION-validite" not in drop:
            lines.append(f"Devis valable {int(rng.choice([30, 60, 90]))} jours à compter de sa date d'émission.")
        lines.append("Bon pour accord, date et signature du client :")
        if "MENTION-mediateur" not in drop:
            lines.append(_fill(MEDIATOR, sector))
    return "\n".join(lines), truth


def generate(size: int, seed: int = 0) -> pd.DataFrame:
    """``size`` documents (about 60 % terms, 20 % quotes, 20 % invoices) with their expected findings."""
    rng = np.random.default_rng(seed)
    pool = _unfair_pool()
    rows = []
    for i in range(size):
        sector = SECTORS[int(rng.integers(len(SECTORS)))]
        kind = str(rng.choice(["conditions", "devis", "facture"], p=[0.6, 0.2, 0.2]))
        if kind == "conditions":
            text, truth = _conditions(rng, sector, pool, i)
            title = f"Conditions générales – {sector.company}"
        else:
            text, truth = _commercial(rng, sector, kind, i)
            title = f"{'Facture' if kind == 'facture' else 'Devis'} {sector.company}"
        rows.append(
            {
                "document_id": f"DOC-{seed}-{i:05d}",
                "title": title,
                "kind": "" if rng.random() < 0.7 else kind,
                "text": text,
                "language": "fr",
                "truth_kind": kind,
                "truth_findings": json.dumps(truth, ensure_ascii=False),
            }
        )
    return pd.DataFrame(rows)
