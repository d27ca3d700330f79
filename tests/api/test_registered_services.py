"""Every registered service through the REST API and its generic page, on its demo data (models trained once)."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from iapublique.core import accounts, models_registry, registry
from iapublique.core.service import Service
from iapublique.core.store.db import dispose_engines, init_db, session_scope
from iapublique.core.tables import column_names
from iapublique.settings import get_settings
from iapublique.web.app import create_app

SERVICES = list(registry.services().values())
IDS = [s.info.id for s in SERVICES]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One application over the registered services, with their demo models and an admin token."""
    from iapublique.core import jobs

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IAPUBLIQUE_DATA_DIR", str(tmp_path_factory.mktemp("services")))
        mp.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "true")
        mp.delenv("IAPUBLIQUE_DATABASE_URL", raising=False)
        mp.delenv("IAPUBLIQUE_ENGINE", raising=False)
        get_settings.cache_clear()
        jobs.reset()
        init_db()
        with session_scope() as s:
            user = accounts.create_user(s, "admin@services.gouv.fr", "mot-de-passe-admin-1", is_admin=True)
            token = accounts.issue_token(s, user)
        with TestClient(create_app(get_settings())) as client:
            yield client, {"Authorization": f"Bearer {token}"}
        dispose_engines()
        jobs.reset()
        get_settings.cache_clear()


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_registered_service_through_api_and_page(service: Service, site: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = site
    models_registry.ensure_demo_model(service)
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
