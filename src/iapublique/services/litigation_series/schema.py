"""Input and output items of the service: one requête in, its series (or not) out."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from iapublique.core.service import ResultBase

Status = Literal["serie", "nouvelle_serie", "isolee"]

STATUS_LABELS: dict[str, str] = {
    "serie": "Appartient à une série",
    "nouvelle_serie": "Début possible d'une nouvelle série",
    "isolee": "Requête isolée",
}
"""French label of each status."""


class Record(BaseModel):
    """One requête registered at a tribunal administratif: its text and metadata."""

    model_config = ConfigDict(populate_by_name=True)

    case_id: str = Field(alias="id", description="Numéro d'enregistrement de la requête (numéro de dossier)")
    text: str = Field(alias="texte", description="Texte intégral de la requête",
                      json_schema_extra={"widget": "textarea"})
    court: str = Field(default="", alias="juridiction", description="Juridiction saisie (ex. « Lyon »)")
    registered_on: dt.date | None = Field(
        default=None, alias="date_enregistrement", description="Date d'enregistrement au greffe"
    )
    matter: str = Field(default="", alias="matiere", description="Matière du contentieux (facultatif)")
    ocr_confidence: float | None = Field(
        default=None,
        alias="confiance_ocr",
        description="Confiance moyenne de la reconnaissance de caractères (0 à 100) quand le texte vient d'un scan",
    )


class Result(ResultBase):
    """Where a new requête belongs: an existing series, a possible new series, or nowhere."""

    case_id: str = Field(alias="id", description="Numéro d'enregistrement de la requête")
    status: Status = Field(
        alias="statut", description="« serie » (série existante), « nouvelle_serie » (début possible) ou « isolee »"
    )
    series_id: str = Field(alias="serie", description="Identifiant de la série proposée (vide sinon)")
    series_name: str = Field(alias="nom_serie", description="Nom de la série (donné par les agents ou l'acte attaqué)")
    head_case: str = Field(alias="tete_de_serie", description="Numéro de la requête tête de série")
    similar_cases: str = Field(
        alias="requetes_similaires", description="Requêtes similaires sans série (début possible d'une série), « ; »"
    )
