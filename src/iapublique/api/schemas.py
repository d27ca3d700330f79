"""Pydantic schemas of the REST API; their French descriptions are the OpenAPI documentation."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from iapublique.core.explain import Explanation
from iapublique.core.service import Service
from iapublique.core.store.models import Job, StoredModel


class ErrorOut(BaseModel):
    """An error explained in French; table errors also name the file, the line and the field."""

    message: str = Field(description="Explication de l'erreur, en français")
    fichier: str | None = Field(default=None, description="Fichier ou jeu de données en cause")
    ligne: int | None = Field(default=None, description="Ligne en cause (1 = en-tête pour un fichier CSV)")
    champ: str | None = Field(default=None, description="Champ (colonne) en cause")


class FieldOut(BaseModel):
    """One input field of a service."""

    name: str = Field(description="Nom du champ (clé JSON acceptée)")
    column: str = Field(description="Nom de colonne attendu dans les fichiers (alias)")
    description: str = Field(description="Description du champ")
    type: str = Field(description="Type attendu (texte, entier, nombre, date, booléen, choix)")
    required: bool = Field(description="Champ obligatoire")
    choices: list[str] = Field(default_factory=list, description="Valeurs permises, pour un champ à choix")


class ServiceOut(BaseModel):
    """A service as listed by the API."""

    id: str = Field(description="Identifiant du service")
    title: str = Field(description="Titre du service")
    administration: str = Field(description="Code de l'administration utilisatrice")
    administration_name: str = Field(description="Nom de l'administration")
    summary: str = Field(description="Résumé du service")
    version: str = Field(description="Version de la méthode")
    key_field: str = Field(description="Champ qui identifie un élément (pour les retours des agents)")
    document_types: list[str] = Field(description="Types de documents acceptés en plus des tableaux")

    @classmethod
    def of(cls, service: Service) -> ServiceOut:
        """Build from a service."""
        info = service.info
        return cls(
            id=info.id,
            title=info.title,
            administration=info.administration,
            administration_name=info.administration_name,
            summary=info.summary,
            version=info.version,
            key_field=service.key_field,
            document_types=list(service.document_types),
        )


class ServiceDetailOut(ServiceOut):
    """A service with its input fields and result fields."""

    fields: list[FieldOut] = Field(description="Champs d'entrée d'un élément")
    result_fields: list[str] = Field(description="Champs de chaque résultat")
    record_schema: dict[str, Any] = Field(description="Schéma JSON d'un élément d'entrée")
    result_schema: dict[str, Any] = Field(description="Schéma JSON d'un résultat")


class RunIn(BaseModel):
    """A synchronous run: one record or a small batch."""

    records: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Éléments à traiter (clés : noms des champs ou noms de colonnes) ; au plus `sync_max_rows`",
    )
    record: dict[str, Any] | None = Field(default=None, description="Un seul élément, à la place de `records`")
    model: str = Field(default="default", description="Nom du modèle entraîné à utiliser")

    @model_validator(mode="after")
    def one_input(self) -> RunIn:
        """Exactly one of ``record`` and ``records`` must be given, and not empty."""
        if self.record is not None and self.records:
            raise ValueError("donnez soit « record », soit « records », pas les deux.")
        if self.record is None and not self.records:
            raise ValueError("aucun élément à traiter : renseignez « record » ou « records ».")
        return self

    def rows(self) -> list[dict[str, Any]]:
        """The records to run, as a list."""
        return [self.record] if self.record is not None else self.records


class ResultOut(BaseModel):
    """One result: the service's result fields, plus the item key, score, explanation and model version."""

    model_config = {"extra": "allow"}

    item_key: str | None = Field(default=None, description="Identifiant de l'élément (champ clé du service)")
    score: float | None = Field(description="Score (plus haut = plus probable ou plus prioritaire)")
    explanation: Explanation = Field(description="Explication du résultat")
    model_version: str = Field(description="Version du modèle qui a produit le résultat")


class RunOut(BaseModel):
    """Results of a synchronous run, in the order of the input records."""

    service: str = Field(description="Identifiant du service")
    model_version: str = Field(description="Version du modèle utilisé")
    count: int = Field(description="Nombre de résultats")
    results: list[ResultOut] = Field(description="Un résultat par élément, dans l'ordre d'entrée")


class JobLinks(BaseModel):
    """Where to follow and download a job."""

    self: str = Field(description="Adresse du travail dans l'API")
    results_csv: str = Field(description="Téléchargement CSV (séparateur « ; », UTF-8 avec BOM)")
    results_parquet: str = Field(description="Téléchargement Parquet")


class JobOut(BaseModel):
    """A batch job and its progress."""

    id: int = Field(description="Numéro du travail")
    service_id: str = Field(description="Service exécuté")
    status: Literal["queued", "running", "done", "failed"] | str = Field(
        description="État : queued (en attente), running (en cours), done (terminé), failed (échec)"
    )
    done: int = Field(description="Lignes traitées")
    total: int = Field(description="Lignes à traiter (0 si inconnu)")
    fraction: float = Field(description="Avancement entre 0 et 1")
    message: str = Field(description="Dernier message d'avancement")
    error: str = Field(description="Message d'erreur en cas d'échec")
    input_name: str = Field(description="Nom du fichier déposé")
    model_name: str = Field(description="Nom du modèle utilisé")
    model_version: str = Field(description="Version du modèle utilisé")
    engine: str = Field(description="Moteur d'exécution (local ou spark)")
    created_at: dt.datetime = Field(description="Date de dépôt")
    started_at: dt.datetime | None = Field(description="Début du traitement")
    finished_at: dt.datetime | None = Field(description="Fin du traitement")
    links: JobLinks = Field(description="Liens utiles")

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """Build from a stored job."""
        base = f"/api/v1/jobs/{job.id}"
        return cls(
            id=job.id,
            service_id=job.service_id,
            status=job.status,
            done=job.done or 0,
            total=job.total or 0,
            fraction=job.fraction,
            message=job.message or "",
            error=job.error or "",
            input_name=job.input_name or "",
            model_name=job.model_name or "",
            model_version=job.model_version or "",
            engine=job.engine or "",
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            links=JobLinks(
                self=base, results_csv=f"{base}/results?format=csv", results_parquet=f"{base}/results?format=parquet"
            ),
        )


class ModelOut(BaseModel):
    """A fitted model of a service."""

    name: str = Field(description="Nom du modèle")
    version: str = Field(description="Version écrite sur chaque résultat")
    created_at: dt.datetime = Field(description="Date d'entraînement")
    metrics: dict[str, Any] = Field(description="Mesures de qualité sur l'échantillon de test")
    n_rows: int | None = Field(default=None, description="Lignes d'entraînement")
    source: str = Field(default="", description="Origine des données d'entraînement")

    @classmethod
    def of(cls, model: StoredModel) -> ModelOut:
        """Build from a stored model row."""
        manifest = model.manifest or {}
        return cls(
            name=model.name,
            version=model.version,
            created_at=model.created_at,
            metrics=dict(manifest.get("metrics") or {}),
            n_rows=manifest.get("n_rows"),
            source=str(manifest.get("source") or ""),
        )


class FeedbackIn(BaseModel):
    """An agent's verdict on one result."""

    item_key: str = Field(min_length=1, max_length=300, description="Identifiant de l'élément évalué")
    verdict: Literal["confirm", "correct", "comment"] = Field(
        description="confirm (le résultat est juste), correct (avec la valeur juste), comment (remarque)"
    )
    value: dict[str, Any] | None = Field(
        default=None, description="Valeur juste, par champ du résultat (obligatoire pour « correct »)"
    )
    comment: str = Field(default="", max_length=5000, description="Commentaire libre (obligatoire pour « comment »)")
    record: dict[str, Any] | None = Field(default=None, description="L'élément d'entrée évalué")
    result: dict[str, Any] | None = Field(default=None, description="Le résultat évalué")
    model_version: str = Field(default="", description="Version du modèle qui a produit le résultat")
    score: float | None = Field(default=None, description="Score du résultat évalué")
    job_id: int | None = Field(default=None, description="Travail d'où vient le résultat, s'il y a lieu")

    @model_validator(mode="after")
    def verdict_needs(self) -> FeedbackIn:
        """A correction needs a value and a comment needs text."""
        if self.verdict == "correct" and not self.value:
            raise ValueError("une correction doit indiquer la valeur juste dans « value ».")
        if self.verdict == "comment" and not self.comment.strip():
            raise ValueError("un commentaire ne peut pas être vide.")
        return self


class FeedbackOut(BaseModel):
    """A stored verdict."""

    id: int = Field(description="Numéro de l'avis")
    service_id: str = Field(description="Service concerné")
    item_key: str = Field(description="Élément évalué")
    verdict: str = Field(description="Avis : confirm, correct ou comment")
    value: dict[str, Any] = Field(description="Valeur juste indiquée")
    comment: str = Field(description="Commentaire")
    model_version: str = Field(description="Version du modèle évalué")
    created_at: dt.datetime = Field(description="Date de l'avis")
