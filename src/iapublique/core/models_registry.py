"""Fitted models on disk (skops + manifest, under ``data_dir/models``) indexed in the database.

Training on labelled data holds out the service's own test split: the stored model is the one fitted
on the training part, and the metrics in its manifest are measured on the held-out part, so the
figures shown describe exactly the model that produces results.
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from iapublique.core import artifacts, audit, feedback
from iapublique.core.artifacts import ArtifactError, Manifest
from iapublique.core.service import ProgressFn, Service, no_progress
from iapublique.core.store.db import session_scope
from iapublique.core.store.models import StoredModel, User
from iapublique.core.tables import write_table
from iapublique.settings import get_settings

MIN_EVAL_ROWS = 20
"""Below this many labelled rows, no held-out split is made (too few to measure anything)."""


def models_root() -> Path:
    """Folder holding every stored model."""
    return get_settings().data_dir / "models"


def model_path(service: Service, name: str = "default") -> Path:
    """Path of the skops file of a named model (which may not exist yet)."""
    return artifacts.model_dir(models_root(), service.info.id, name) / "model.skops"


def require_model(service: Service, name: str = "default") -> Path:
    """Path of an existing model file, or a French error saying how to train it."""
    path = model_path(service, name)
    if not path.exists():
        raise ArtifactError(
            f"aucun modèle « {name} » pour le service {service.info.id} : entraînez-le d'abord "
            f"(iapublique train {service.info.id} --input FICHIER --model {name})."
        )
    return path


def is_labelled(service: Service, data: pd.DataFrame) -> bool:
    """Whether ``data`` carries every ground-truth column of the service."""
    return bool(service.truth_columns) and all(c in data.columns for c in service.truth_columns)


def _scaled(progress: ProgressFn, start: float, span: float) -> ProgressFn:
    """A progress callback mapping a sub-task's progress onto a 0-100 share of the whole."""

    def report(done: int, total: int, message: str = "") -> None:
        share = done / total if total else 0.0
        progress(int(start + span * share), 100, message)

    return report


def fit_and_store(
    service: Service,
    data: pd.DataFrame,
    name: str = "default",
    *,
    user: User | None = None,
    source: str = "",
    progress: ProgressFn = no_progress,
    with_feedback: bool = True,
) -> StoredModel:
    """Fit ``service`` on ``data``, measure it on a held-out split when labelled, store it and index it.

    With ``with_feedback``, the rows the service derives from its agents' stored feedback join the
    training part (never the held-out part, so the measured figures stay comparable).
    """
    artifacts.check_name(name)
    if data.empty:
        raise ValueError("Données d'entraînement vides : au moins une ligne est nécessaire.")
    metrics: dict[str, float] = {}
    train = data
    test: pd.DataFrame | None = None
    if is_labelled(service, data) and len(data) >= MIN_EVAL_ROWS:
        train, test = service.split(data)
    n_feedback = 0
    if with_feedback:
        with session_scope() as s:
            learned = service.feedback_rows(feedback.export(s, service.info.id))
        if len(learned):
            n_feedback = len(learned)
            train = pd.concat([train, learned[[c for c in learned.columns if c in train.columns]]], ignore_index=True)
    progress(0, 100, "Entraînement")
    model = service.fit(train, _scaled(progress, 0, 85))
    if test is not None and len(test):
        progress(85, 100, "Mesure de la qualité")
        metrics = {k: float(v) for k, v in service.evaluate(model, test).items()}
    manifest = artifacts.new_manifest(service, name, train, metrics, source)
    progress(95, 100, "Enregistrement")
    folder = artifacts.save(models_root(), service, name, model, manifest)
    with session_scope() as s:
        row = index_model(s, service, folder, manifest, user=user)
        audit.record(
            s,
            "train",
            user=user,
            service_id=service.info.id,
            input_hash=manifest.data_hash,
            model_version=manifest.version,
            details={
                "name": name, "rows": len(data), "train_rows": len(train), "feedback_rows": n_feedback,
                "metrics": metrics, "source": source,
            },
        )
    progress(100, 100, "Modèle enregistré")
    return row


def index_model(
    s: Session, service: Service, folder: Path, manifest: Manifest, *, user: User | None = None
) -> StoredModel:
    """Insert or update the database row of a model stored in ``folder``."""
    row = s.scalar(
        select(StoredModel).where(StoredModel.service_id == service.info.id, StoredModel.name == manifest.name)
    )
    if row is None:
        row = StoredModel(service_id=service.info.id, name=manifest.name)
        s.add(row)
    row.version = manifest.version
    row.path = str(folder.resolve())
    row.manifest = {k: v for k, v in vars(manifest).items()}
    row.created_by = user.id if user is not None else None
    row.created_at = dt.datetime.fromisoformat(manifest.created_at)
    s.flush()
    return row


@lru_cache(maxsize=16)
def _load_cached(service: Service, folder: str, mtime_ns: int) -> tuple[Any, Manifest]:
    """Load a model once per file version (the mtime is part of the key, so a retrained model reloads)."""
    manifest = artifacts.read_manifest(Path(folder))
    if manifest.service_version != service.info.version:
        raise ArtifactError(
            f"le modèle « {manifest.name} » a été entraîné avec la version {manifest.service_version} du service "
            f"{service.info.id}, qui est maintenant en version {service.info.version} : réentraînez-le "
            f"(iapublique train {service.info.id} --input FICHIER --model {manifest.name})."
        )
    return artifacts.load_file(Path(folder) / "model.skops", service), manifest


def load_path(service: Service, path: Path) -> tuple[Any, Manifest]:
    """Load the model stored at ``path`` (a ``model.skops`` file), cached in this process."""
    if not path.exists():
        raise ArtifactError(f"fichier de modèle introuvable : {path}.")
    return _load_cached(service, str(path.parent.resolve()), os.stat(path).st_mtime_ns)


def load(service: Service, name: str = "default") -> tuple[Any, Manifest]:
    """The named model of a service and its manifest."""
    return load_path(service, require_model(service, name))


def demo_data_path(service: Service) -> Path:
    """Where the demo data of a service is cached as Parquet (per method version: generators evolve)."""
    return get_settings().data_dir / "demo" / f"{service.info.id}-{service.info.version}.parquet"


def demo_data(service: Service) -> pd.DataFrame:
    """The service's demo data (``demo_size`` rows, seed 0), generated once and cached."""
    path = demo_data_path(service)
    if path.exists():
        return pd.read_parquet(path)
    data = service.demo_data(service.demo_size, seed=0)
    write_table(data, path)
    return data


def ensure_demo_model(service: Service, progress: ProgressFn = no_progress) -> StoredModel:
    """The ``default`` model of a service, trained on its demo data when absent or of an older method version."""
    path = model_path(service, "default")
    with session_scope() as s:
        row = s.scalar(
            select(StoredModel).where(StoredModel.service_id == service.info.id, StoredModel.name == "default")
        )
        current = path.exists() and artifacts.read_manifest(path.parent).service_version == service.info.version
        if current:  # a model of an older method version is retrained below
            manifest = artifacts.read_manifest(path.parent)
            if row is None or row.version != manifest.version:
                row = index_model(s, service, path.parent, manifest)
            progress(100, 100, "Modèle déjà présent")
            return row
    return fit_and_store(service, demo_data(service), "default", source="données de démonstration", progress=progress)


def list_models(s: Session, service_id: str) -> list[StoredModel]:
    """Stored models of a service, by name."""
    return list(s.scalars(select(StoredModel).where(StoredModel.service_id == service_id).order_by(StoredModel.name)))
