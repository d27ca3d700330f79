"""Input and output items of the radiation-exposure service: one dose record in, one verdict out.

Workers' attributes (birth year, employer, sector, job, category) are repeated on every dose record so
that a single CSV or Parquet file carries everything the detection needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from iapublique.core.service import ResultBase

DosimetryType = Literal["passive_corps_entier", "operationnelle", "extremites", "peau", "cristallin", "interne"]
CHANNELS: tuple[str, ...] = ("passive_corps_entier", "operationnelle", "extremites", "peau", "cristallin", "interne")
"""Dosimetry channels, in the order of their integer codes."""

CHANNEL_LABELS: dict[str, str] = {
    "passive_corps_entier": "dosimétrie passive corps entier",
    "operationnelle": "dosimétrie opérationnelle",
    "extremites": "dosimétrie des extrémités",
    "peau": "dosimétrie de la peau",
    "cristallin": "dosimétrie du cristallin",
    "interne": "dosimétrie interne",
}

RECORDING_THRESHOLD_MSV: dict[str, float] = {
    "passive_corps_entier": 0.05,
    "operationnelle": 0.001,
    "extremites": 0.1,
    "peau": 0.1,
    "cristallin": 0.1,
    "interne": 0.05,
}
"""Recording thresholds (mSv) used when a record is flagged below threshold: the dose is unknown but smaller."""

KIND_LABELS: dict[str, str] = {
    "depassement_20msv_12mois": "dose efficace supérieure à 20 mSv sur 12 mois glissants",
    "extremites_500": "dose aux extrémités supérieure à 500 mSv sur 12 mois glissants",
    "peau_500": "dose à la peau supérieure à 500 mSv sur 12 mois glissants",
    "cristallin_20": "dose au cristallin supérieure à 20 mSv sur 12 mois glissants",
    "mineur_6msv": "travailleur de 16 à 18 ans : dose efficace supérieure à 6 mSv sur 12 mois glissants",
    "mineur_extremites_150": "travailleur de 16 à 18 ans : dose aux extrémités supérieure à 150 mSv sur 12 mois",
    "mineur_cristallin_15": "travailleur de 16 à 18 ans : dose au cristallin supérieure à 15 mSv sur 12 mois",
    "categorie_b_6msv": "travailleur de catégorie B : dose efficace supérieure à 6 mSv sur 12 mois glissants",
    "retard_dosimetre": "dosimètre reçu par le laboratoire plus de 60 jours après la fin de la période de port",
    "dosimetre_manquant": "aucune mesure pour une période de port (dosimètre perdu ou non transmis)",
    "pic_individuel": "pic de dose par rapport à l'historique du travailleur",
    "pic_pairs": "dose très au-dessus de celles des pairs (même secteur et même métier)",
    "ecart_passif_operationnel": "écart entre dosimétrie passive et opérationnelle hors de [0,5 ; 2]",
    "valeur_implausible": "valeur de dose physiquement implausible ou incohérente",
    "erreur_unite": "valeur probablement saisie en µSv au lieu de mSv (facteur 1 000)",
    "doublon": "enregistrement en double pour le même travailleur, le même type et la même période",
    "date_incoherente": "dates de période ou de réception incohérentes",
    "derive": "dérive durable à la hausse des doses (détection de rupture)",
}
"""French label of every alert kind (regulatory kinds first)."""

REGULATORY_KINDS: tuple[str, ...] = (
    "depassement_20msv_12mois",
    "extremites_500",
    "peau_500",
    "cristallin_20",
    "mineur_6msv",
    "mineur_extremites_150",
    "mineur_cristallin_15",
    "categorie_b_6msv",
    "retard_dosimetre",
    "dosimetre_manquant",
)
ANOMALY_KINDS: tuple[str, ...] = tuple(k for k in KIND_LABELS if k not in REGULATORY_KINDS)
SEVERITIES: tuple[str, ...] = ("reglementaire", "forte", "moyenne", "faible", "aucune")


class Record(BaseModel):
    """One dose record of one worker for one wear period, with the worker's attributes repeated."""

    record_id: str = Field(description="Identifiant de l'enregistrement de dose")
    worker_id: str = Field(description="Identifiant pseudonymisé du travailleur")
    year_of_birth: int = Field(description="Année de naissance du travailleur")
    sex: str | None = Field(default=None, description="Sexe (F, M) si connu")
    employer_siret: str = Field(description="SIRET de l'établissement employeur")
    sector: str = Field(description="Secteur d'activité (medical, nucleaire, aviation…)")
    job: str = Field(description="Métier du travailleur")
    category: Literal["A", "B", "none"] | None = Field(
        default=None, description="Catégorie de classement : A, B ou none (non classé)"
    )
    follow_up_start: dt.date | None = Field(default=None, description="Début du suivi dosimétrique du travailleur")
    follow_up_end: dt.date | None = Field(default=None, description="Fin du suivi dosimétrique (vide si en cours)")
    period_start: dt.date = Field(description="Début de la période de port (AAAA-MM-JJ)")
    period_end: dt.date = Field(description="Fin de la période de port (AAAA-MM-JJ)")
    dosimetry_type: DosimetryType = Field(
        description="Type de dosimétrie : passive_corps_entier, operationnelle, extremites, peau, cristallin, interne"
    )
    dose_msv: float | None = Field(default=None, description="Dose en mSv ; vide si aucune mesure (dosimètre perdu)")
    below_threshold: bool | None = Field(
        default=False, description="Dose inférieure au seuil d'enregistrement (inconnue mais faible, pas nulle)"
    )
    laboratory: str | None = Field(default=None, description="Laboratoire ou organisme de dosimétrie")
    received_date: dt.date | None = Field(default=None, description="Date de réception du résultat (AAAA-MM-JJ)")


class Result(ResultBase):
    """Verdict on one dose record: alert, kinds, severity, rolling sum, projection and reason."""

    record_id: str = Field(description="Identifiant de l'enregistrement de dose")
    worker_id: str = Field(description="Identifiant pseudonymisé du travailleur")
    employer_siret: str = Field(description="SIRET de l'employeur du travailleur (périmètre des accès restreints)")
    alert: bool = Field(description="Vrai si l'enregistrement demande l'attention d'un expert")
    alert_kinds: str = Field(description="Types d'alerte, séparés par des virgules")
    severity: str = Field(description="Gravité : reglementaire, forte, moyenne, faible ou aucune")
    rolling_12m_msv: float = Field(description="Cumul sur 12 mois glissants de la grandeur de la ligne (mSv)")
    projection: str = Field(description="Projection du cumul sur 12 mois glissants du travailleur")
    reason: str = Field(description="Raison de l'alerte, en français")
