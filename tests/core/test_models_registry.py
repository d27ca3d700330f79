"""Model registry: fit on a held-out split, store with skops and a manifest, index in the database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from toy_service import LearningToyService, ToyService

from iapublique.core import audit, feedback, models_registry
from iapublique.core.artifacts import ArtifactError
from iapublique.core.store.models import StoredModel


def test_fit_and_store_measures_on_held_out_rows_and_indexes(db: Session, toy_service: ToyService) -> None:
    """The manifest holds real held-out metrics; the DB row, the file and the audit entry agree."""
    data = toy_service.demo_data(500, seed=3)
    steps: list[int] = []
    row = models_registry.fit_and_store(
        toy_service, data, "essai", source="test", progress=lambda d, t, m="": steps.append(d)
    )
    assert steps[-1] == 100 and steps == sorted(steps)
    assert row.manifest["n_rows"] == 400  # 80 % train split; the rest measured
    assert row.manifest["metrics"]["accuracy"] > 0.8
    assert row.manifest["metrics"]["auc"] > 0.9
    model, manifest = models_registry.load(toy_service, "essai")
    assert manifest.version == row.version
    held_out = toy_service.split(data)[1]
    assert toy_service.evaluate(model, held_out) == pytest.approx(row.manifest["metrics"])
    assert [m.name for m in models_registry.list_models(db, "toy")] == ["essai"]
    assert [e.action for e in audit.entries(db, service_id="toy")] == ["train"]
    on_disk = json.loads((models_registry.model_path(toy_service, "essai").parent / "manifest.json").read_text())
    assert on_disk["data_hash"] == row.manifest["data_hash"]


def test_retraining_replaces_the_model_and_invalidates_the_cache(db: Session, toy_service: ToyService) -> None:
    """A second fit under the same name updates the row and the next load sees the new model."""
    first = models_registry.fit_and_store(toy_service, toy_service.demo_data(200, seed=1), "m")
    models_registry.load(toy_service, "m")
    second = models_registry.fit_and_store(toy_service, toy_service.demo_data(200, seed=2), "m")
    assert first.version != second.version
    assert models_registry.load(toy_service, "m")[1].version == second.version
    assert len(db.scalars(select(StoredModel)).all()) == 1


def test_demo_model_is_trained_once(db: Session, toy_service: ToyService) -> None:
    """ensure_demo_model trains when absent, then reuses the stored model and cached demo data."""
    first = models_registry.ensure_demo_model(toy_service)
    mtime = models_registry.model_path(toy_service).stat().st_mtime_ns
    assert models_registry.demo_data_path(toy_service).exists()
    again = models_registry.ensure_demo_model(toy_service)
    assert again.version == first.version
    assert models_registry.model_path(toy_service).stat().st_mtime_ns == mtime
    assert [e.action for e in audit.entries(db)] == ["train"]


def test_missing_model_and_bad_names_give_french_errors(db: Session, toy_service: ToyService) -> None:
    """Loading an untrained model says how to train it; unsafe names are refused."""
    with pytest.raises(ArtifactError, match="iapublique train toy"):
        models_registry.load(toy_service, "absent")
    with pytest.raises(ArtifactError, match="invalide"):
        models_registry.fit_and_store(toy_service, toy_service.demo_data(50), "../evil")


def test_agents_corrections_join_the_next_training(db: Session) -> None:
    """Corrected labels stored as feedback become training rows of the next fit, and the audit says so."""
    service = LearningToyService()
    data = service.demo_data(300, seed=4)
    before = models_registry.fit_and_store(service, data, "avant")
    for i in range(60):  # agents insist that points far on the x2 axis are positives
        feedback.add(
            db, service_id=service.info.id, user=None, item_key=f"F{i}", verdict="correct",
            value={"label": 1}, record={"ident": f"F{i}", "x1": 0.0, "x2": 3.0 + i / 30},
        )
    db.commit()
    after = models_registry.fit_and_store(service, data, "apres")
    plain = models_registry.fit_and_store(service, data, "sans", with_feedback=False)
    assert after.manifest["n_rows"] == before.manifest["n_rows"] + 60
    assert plain.manifest["n_rows"] == before.manifest["n_rows"]
    entry = next(e for e in audit.entries(db, service_id=service.info.id) if e.details["name"] == "apres")
    assert entry.details["feedback_rows"] == 60
    corrected = models_registry.load(service, "apres")[0].coef_[0][1]
    assert corrected > models_registry.load(service, "sans")[0].coef_[0][1]


def test_a_model_of_an_older_method_version_is_refused_then_retrained_for_the_demo(
    db: Session, toy_service: ToyService
) -> None:
    """After a service's version changes, its old model gives a French error and the demo retrains it."""
    first = models_registry.ensure_demo_model(toy_service)
    newer = ToyService()
    newer.info = toy_service.info.model_copy(update={"version": "2.0"})  # type: ignore[misc]
    with pytest.raises(ArtifactError, match="réentraînez-le"):
        models_registry.load(newer)
    second = models_registry.ensure_demo_model(newer)
    assert second.version != first.version and "2.0" in second.version
    assert models_registry.load(newer)[1].service_version == "2.0"
