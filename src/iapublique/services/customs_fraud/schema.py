"""Input and output items of the customs risk-targeting service: one import declaration line, one score.

Field names are snake_case; aliases are the column names of the customs declaration files (the layout of
the Korea Customs Service open data set, which the service reads as is). The label columns ``Fraud`` and
``Critical Fraud`` are not inputs: they are read separately (see :func:`read_labelled` in the service).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from iapublique.core.service import ResultBase

FraudType = Literal["valeur", "classement", "origine"]

FRAUD_TYPE_LABELS: dict[str, str] = {
    "valeur": "minoration de valeur",
    "classement": "fausse espèce tarifaire (classement)",
    "origine": "fausse origine préférentielle",
}
"""French label of each suspected fraud type."""

CRITICAL_LABELS: dict[int, str] = {0: "aucune fraude", 1: "fraude", 2: "fraude critique (sécurité)"}
"""French label of each class of the critical-fraud head."""


class Record(BaseModel):
    """One import declaration line, as filed by the declarant."""

    model_config = ConfigDict(populate_by_name=True)

    declaration_id: str = Field(alias="Declaration ID", description="Identifiant de la déclaration")
    date: dt.date = Field(alias="Date", description="Date de dépôt de la déclaration")
    office_id: str = Field(alias="Office ID", description="Bureau de douane de dédouanement")
    process_type: str = Field(alias="Process Type", description="Type de procédure de déclaration")
    import_type: str = Field(alias="Import Type", description="Régime douanier d'importation")
    import_use: str = Field(alias="Import Use", description="Usage des marchandises importées")
    payment_type: str = Field(alias="Payment Type", description="Mode de paiement des droits")
    mode_of_transport: str = Field(alias="Mode of Transport", description="Mode de transport à la frontière")
    declarant_id: str = Field(alias="Declarant ID", description="Identifiant du déclarant (représentant en douane)")
    importer_id: str = Field(alias="Importer ID", description="Identifiant de l'importateur")
    seller_id: str | None = Field(default=None, alias="Seller ID", description="Identifiant du vendeur étranger")
    courier_id: str | None = Field(
        default=None, alias="Courier ID", description="Identifiant du transporteur express (fret express seulement)"
    )
    hs6_code: str = Field(alias="HS6 Code", description="Code de la nomenclature du système harmonisé (6 chiffres)")
    country_of_departure: str = Field(alias="Country of Departure", description="Pays de provenance (départ)")
    country_of_origin: str = Field(alias="Country of Origin", description="Pays d'origine déclaré")
    tax_rate: float = Field(alias="Tax Rate", description="Taux de droit de douane appliqué (%)")
    tax_type: str = Field(alias="Tax Type", description="Type de taux (préférence tarifaire demandée)")
    country_of_origin_indicator: str = Field(
        alias="Country of Origin Indicator", description="Justificatif ou marquage de l'origine"
    )
    net_mass: float = Field(alias="Net Mass", description="Masse nette (kg)")
    item_price: float = Field(alias="Item Price", description="Valeur en douane déclarée de l'article")


class Labels(BaseModel):
    """Truth columns that labelled files may carry (inspection outcomes), all optional."""

    model_config = ConfigDict(populate_by_name=True)

    fraud: int | None = Field(default=None, alias="Fraud", description="Fraude constatée (0/1)")
    critical_fraud: int | None = Field(
        default=None, alias="Critical Fraud", description="Gravité : 0 aucune, 1 fraude, 2 fraude critique"
    )
    fraud_type: str | None = Field(default=None, description="Type de fraude constatée")
    duty_at_stake: float | None = Field(default=None, description="Droits éludés constatés")


class Result(ResultBase):
    """Risk score of one declaration, with the suspected fraud, the duty at stake and the reasons."""

    declaration_id: str = Field(description="Identifiant de la déclaration")
    rank: int = Field(description="Rang dans le lot (1 = la plus suspecte)")
    fraud_type: FraudType | None = Field(
        default=None, description="Type de fraude suspecté : valeur, classement ou origine (vide si risque faible)"
    )
    duty_at_stake: float = Field(
        description="Estimation des droits éludés si la fraude suspectée est confirmée (devise des valeurs déclarées)"
    )
    critical_class: int = Field(description="Classe de gravité prédite : 0 aucune, 1 fraude, 2 fraude critique")
    critical_probability: float = Field(description="Probabilité d'une fraude critique (sécurité)")
    drivers: str = Field(description="Les cinq principaux facteurs du score, en français")
