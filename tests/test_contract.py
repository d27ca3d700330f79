"""The contract test: every registered service, end to end on its demo data, through every surface.

Python API, CLI, REST API and web page; plus its French model card. A new service is covered by being
registered, nothing else.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from iapublique.cli import app
from iapublique.core import accounts, models_registry, registry, runner
from iapublique.core.explain import Explanation
from iapublique.core.service import ResultBase, Service
from iapublique.core.store.db import session_scope
from iapublique.core.tables import column_names
from iapublique.settings import Settings, get_settings

SERVICES = list(registry.services().values())
IDS = [s.info.id for s in SERVICES]
CARD_SECTIONS = (("Objet", "Finalité"), ("Données",), ("Méthode",), ("Qualité",), ("Limites",), ("Contrôle humain",))


@pytest.fixture(scope="session")
def contract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the whole session, so each demo model is trained once."""
    return tmp_path_factory.mktemp("contract")


@pytest.fixture
def settings(contract_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings on the session's contract data directory, with an up-to-date database."""
    from iapublique.core.store import db

    monkeypatch.setenv("IAPUBLIQUE_DATA_DIR", str(contract_dir))
    monkeypatch.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "true")
    monkeypatch.delenv("IAPUBLIQUE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    settings.ensure_dirs()
    db.init_db()
    yield settings
    db.dispose_engines()
    get_settings.cache_clear()


def test_some_service_is_registered() -> None:
    assert SERVICES, "aucun service enregistré dans le groupe iapublique.services"


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_service_declares_its_contract(service: Service) -> None:
    info = service.info
    assert info.id and info.title and info.administration and info.summary and info.version
    assert issubclass(service.Result, ResultBase)
    assert service.key_field in service.Record.model_fields
    card = service.model_card()
    headings = [line.lower() for line in card.splitlines() if line.startswith("#")]
    missing = [names[0] for names in CARD_SECTIONS if not any(n.lower() in h for n in names for h in headings)]
    assert not missing, f"fiche modèle de {info.id} : sections manquantes {missing}"


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_python_api_end_to_end(service: Service, settings: Settings) -> None:
    data = service.demo_data(200, seed=3)
    again = service.demo_data(200, seed=3)
    pd.testing.assert_frame_equal(data, again)
    required = {name for name, field in service.Record.model_fields.items() if field.is_required()}
    assert required <= set(data.columns)
    assert set(service.truth_columns) <= set(data.columns)

    stored = models_registry.ensure_demo_model(service)
    assert stored.version
    batch = service.demo_batch(40, seed=5)
    assert not set(service.truth_columns) & set(batch.columns)
    results = runner.score(service, batch)
    assert len(results) == len(batch)
    assert (results["model_version"] == stored.version).all()
    assert results["score"].map(lambda x: isinstance(x, float) and math.isfinite(x)).all()
    for cell in results["explanation"]:
        assert Explanation.from_cell(cell).summary
    assert results[service.key_field].astype(str).tolist() == batch[service.key_field].astype(str).tolist()

    model, _ = models_registry.load(service)
    metrics = service.evaluate(model, service.demo_data(service.demo_size, seed=11))
    assert metrics and all(isinstance(v, int | float) and math.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_cli_end_to_end(service: Service, settings: Settings, tmp_path: Path) -> None:
    cli = CliRunner()
    listed = cli.invoke(app, ["services", "--json"])
    assert listed.exit_code == 0, listed.output
    assert service.info.id in {s["id"] for s in json.loads(listed.stdout)}

    models_registry.ensure_demo_model(service)
    source = tmp_path / "lot.csv"
    batch = service.demo_batch(30, seed=7)
    shown = {name: (field.alias or name) for name, field in service.Record.model_fields.items()}
    batch.rename(columns=shown).to_csv(source, index=False)
    target = tmp_path / "resultats.parquet"
    done = cli.invoke(app, ["run", service.info.id, "--input", str(source), "--output", str(target)])
    assert done.exit_code == 0, done.output
    out = pd.read_parquet(target)
    assert len(out) == len(batch) and out["model_version"].str.len().gt(0).all()

    key_column = shown[service.key_field]
    broken = tmp_path / "casse.csv"
    batch.rename(columns=shown).drop(columns=[key_column]).to_csv(broken, index=False)
    refused = cli.invoke(app, ["run", service.info.id, "--input", str(broken), "--output", str(tmp_path / "x.csv")])
    assert refused.exit_code == 1
    assert "colonne obligatoire absente" in refused.output and key_column in refused.output
    assert not (tmp_path / "x.csv").exists()

    train, test = tmp_path / "entrainement.parquet", tmp_path / "test.parquet"
    service.demo_data(service.demo_size, seed=21).rename(columns=shown).to_parquet(train)
    service.demo_data(service.demo_size, seed=22).rename(columns=shown).to_parquet(test)
    evaluated = cli.invoke(app, ["evaluate", service.info.id, "--train", str(train), "--test", str(test), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_rest_api_job_and_web_page_end_to_end(service: Service, settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from iapublique.web.app import create_app

    models_registry.ensure_demo_model(service)
    with session_scope() as s:
        email = f"agent-{service.info.id}@contrat.gouv.fr"
        user = accounts.get_user(s, email) or accounts.create_user(
            s, email, "mot-de-passe-contrat-1", administrations=[service.info.administration]
        )
        auth = {"Authorization": f"Bearer {accounts.issue_token(s, user)}"}

    with TestClient(create_app(settings)) as client:
        listed = {s["id"] for s in client.get("/api/v1/services", headers=auth).json()}
        assert service.info.id in listed

        batch = service.demo_batch(8, seed=2)
        records = batch.to_json(orient="records", date_format="iso")
        run = client.post(
            f"/api/v1/services/{service.info.id}/run",
            content=f'{{"records": {records}}}',
            headers={**auth, "Content-Type": "application/json"},
        )
        assert run.status_code == 200, run.text
        results = run.json()["results"]
        assert len(results) == len(batch)
        assert all(math.isfinite(r["score"]) and r["explanation"]["summary"] and r["model_version"] for r in results)
        assert [r["item_key"] for r in results] == batch[service.key_field].astype(str).tolist()

        upload = batch.rename(columns=column_names(service.Record)).to_csv(index=False, sep=";").encode("utf-8")
        job = client.post(
            f"/api/v1/services/{service.info.id}/jobs", files={"file": ("demo.csv", upload, "text/csv")}, headers=auth
        )
        assert job.status_code == 202, job.text
        assert client.get(f"/api/v1/jobs/{job.json()['id']}", headers=auth).json()["status"] == "done"
        out = client.get(f"/api/v1/jobs/{job.json()['id']}/results?format=csv", headers=auth)
        table = pd.read_csv(io.BytesIO(out.content), sep=";", encoding="utf-8-sig")
        assert len(table) == len(batch) and table["model_version"].notna().all()

        page = client.get(f"/services/{service.info.id}", headers=auth)
        assert page.status_code == 200 and service.info.title.replace("'", "&#39;") in page.text
        card = client.get(f"/services/{service.info.id}/fiche", headers=auth)
        assert card.status_code == 200 and "<h2" in card.text
