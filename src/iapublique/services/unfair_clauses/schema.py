"""Input and output items of the service: one document in, one report per document out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from iapublique.core.service import ResultBase


class Record(BaseModel):
    """One document to analyse: terms and conditions, a quote or an invoice."""

    document_id: str = Field(alias="identifiant", description="Identifiant du document")
    title: str = Field(default="", alias="titre", description="Titre ou nom du fichier")
    kind: str = Field(
        default="",
        alias="type",
        description="Type de document : « conditions », « devis », « facture », ou vide pour le détecter",
    )
    text: str = Field(alias="texte", description="Texte intégral du document")
    language: str = Field(default="fr", alias="langue", description="Langue du document (code ISO, « fr » par défaut)")
    ocr_confidence: float | None = Field(
        default=None,
        alias="confiance_ocr",
        description="Confiance moyenne de la reconnaissance de caractères (0 à 100) quand le texte vient d'un scan",
    )


class Result(ResultBase):
    """The report on one document: its kind, how many findings by severity, and the findings themselves."""

    document_id: str = Field(alias="identifiant", description="Identifiant du document")
    kind: str = Field(alias="type", description="Type de document détecté ou confirmé")
    n_noire: int = Field(alias="nb_noires", description="Nombre de constats de gravité « noire »")
    n_grise: int = Field(alias="nb_grises", description="Nombre de constats de gravité « grise »")
    n_a_examiner: int = Field(alias="nb_a_examiner", description="Nombre de constats « à examiner »")
    n_findings: int = Field(alias="nb_constats", description="Nombre total de constats")
    findings: str = Field(
        alias="constats",
        description="Constats (JSON) : clause, passage, catégorie, fondement, gravité, mots déclencheurs, explication",
    )
