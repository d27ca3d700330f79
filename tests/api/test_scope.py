"""Scoped memberships on the generic surfaces: a user attached to one employer sees and submits its rows only.

Uses radiation_exposure, whose ``visible_rows`` / ``may_submit`` restrict a member of IRSN whose membership
carries an employer's SIRET: through the generic page (demo, form, upload), the job page and its CSV/Parquet
downloads, the REST API (sync run, jobs, feedback) — while an unscoped expert sees every row and another
administration is still refused.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from iapublique.core import accounts, jobs, models_registry
from iapublique.core.store.db import dispose_engines, init_db, session_scope
from iapublique.services.radiation_exposure import RadiationExposureService
from iapublique.settings import get_settings
from iapublique.web.app import create_app

PASSWORD = "mot-de-passe-solide-42"
SERVICE = "radiation_exposure"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
KEY_CELL_RE = re.compile(r'<th scope="row">([^<]+)</th>')
TOKEN_RE = re.compile(r'name="item" value="([^"]+)"')


@dataclass
class World:
    """The application, the batch every test submits, the scoped employer and each role's API headers."""

    client: TestClient
    batch: pd.DataFrame
    siret: str
    headers: dict[str, dict[str, str]]
    emails: dict[str, str]

    def own(self) -> pd.DataFrame:
        """Rows of the batch belonging to the scoped employer."""
        return self.batch[self.batch["employer_siret"] == self.siret]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """radiation_exposure alone (a 40-worker demo model), an expert, a user scoped to one employer, an outsider."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IAPUBLIQUE_DATA_DIR", str(tmp_path_factory.mktemp("perimetre")))
        mp.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "true")
        mp.delenv("IAPUBLIQUE_DATABASE_URL", raising=False)
        mp.delenv("IAPUBLIQUE_ENGINE", raising=False)
        get_settings.cache_clear()
        jobs.reset()
        init_db()
        service = RadiationExposureService()
        mp.setattr(service, "demo_size", 40)
        models_registry.ensure_demo_model(service)
        batch = service.demo_batch()
        siret = str(batch["employer_siret"].value_counts().index[0])
        emails = {"expert": "expert@irsn.fr", "scoped": "medecin@employeur.fr", "other": "agent@autre.gouv.fr"}
        headers: dict[str, dict[str, str]] = {}
        with session_scope() as s:
            expert = accounts.create_user(s, emails["expert"], PASSWORD, administrations=["IRSN"])
            scoped = accounts.create_user(s, emails["scoped"], PASSWORD)
            accounts.add_membership(s, scoped, "IRSN", siret)
            other = accounts.create_user(s, emails["other"], PASSWORD, administrations=["AUTRE"])
            for role, user in (("expert", expert), ("scoped", scoped), ("other", other)):
                headers[role] = {"Authorization": f"Bearer {accounts.issue_token(s, user, label='tests')}"}
        with TestClient(create_app(get_settings(), services={SERVICE: service})) as client:
            yield World(client, batch, siret, headers, emails)
        dispose_engines()
        jobs.reset()
        get_settings.cache_clear()


def sign_in(client: TestClient, email: str) -> str:
    """Log in through the form; returns the session's CSRF token."""
    client.cookies.clear()
    form = client.get("/connexion")
    found = CSRF_RE.search(form.text)
    assert found
    done = client.post("/connexion", data={"email": email, "mot_de_passe": PASSWORD, "csrf_token": found.group(1),
                                           "suivant": "/"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    home = CSRF_RE.search(client.get("/").text)
    assert home
    return home.group(1)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A register as an uploaded CSV file."""
    return frame.to_csv(index=False, sep=";").encode("utf-8")


def json_records(frame: pd.DataFrame) -> list[dict[str, str | None]]:
    """Records as the JSON of an API call: text cells as in a CSV file, empty cells as null."""
    text = pd.read_csv(io.StringIO(frame.to_csv(index=False)), dtype=str, keep_default_na=False)
    return [{str(k): (v or None) for k, v in row.items()} for row in text.to_dict("records")]


def employers_of(world: World, record_ids: list[str]) -> set[str]:
    """Employers of the batch's records with these ids."""
    by_id = world.batch.set_index("record_id")["employer_siret"]
    return {str(by_id[r]) for r in record_ids}


@pytest.fixture(scope="module")
def job_id(world: World) -> int:
    """A finished job over the whole batch (every employer), submitted by the expert through the API."""
    sent = world.client.post(f"/api/v1/services/{SERVICE}/jobs", headers=world.headers["expert"],
                             files={"file": ("registre.csv", csv_bytes(world.batch), "text/csv")})
    assert sent.status_code == 202, sent.text
    number = int(sent.json()["id"])
    state = world.client.get(f"/api/v1/jobs/{number}", headers=world.headers["expert"]).json()
    assert state["status"] == "done", state
    return number


def test_batch_holds_several_employers(world: World) -> None:
    assert world.batch["employer_siret"].nunique() > 3
    assert 0 < len(world.own()) < len(world.batch)


def test_sync_api_run_accepts_own_rows_and_refuses_others_by_line_and_field(world: World) -> None:
    own = world.own()
    own = own[own["worker_id"] == own["worker_id"].iloc[0]]
    body = {"records": json_records(own)}
    run = world.client.post(f"/api/v1/services/{SERVICE}/run", json=body, headers=world.headers["scoped"])
    assert run.status_code == 200, run.text
    results = run.json()["results"]
    assert len(results) == len(own) and {r["employer_siret"] for r in results} == {world.siret}

    stranger = world.batch[world.batch["employer_siret"] != world.siret].iloc[0]
    mixed = [*body["records"][:2], {**body["records"][0], "record_id": "X-1", "worker_id": str(stranger["worker_id"]),
                                    "employer_siret": str(stranger["employer_siret"])}]
    refused = world.client.post(f"/api/v1/services/{SERVICE}/run", json={"records": mixed},
                                headers=world.headers["scoped"])
    assert refused.status_code == 422, refused.text
    error = refused.json()
    assert error["ligne"] == 3 and error["champ"] == "employer_siret"
    assert "ligne 3" in error["detail"] and "hors de votre périmètre" in error["message"]
    expert = world.client.post(f"/api/v1/services/{SERVICE}/run", json={"records": mixed},
                               headers=world.headers["expert"])
    assert expert.status_code == 200 and expert.json()["count"] == 3
    outsider = world.client.post(f"/api/v1/services/{SERVICE}/run", json={"records": mixed},
                                 headers=world.headers["other"])
    assert outsider.status_code == 403


def test_job_downloads_hold_the_scoped_employer_rows_only(world: World, job_id: int) -> None:
    url = f"/api/v1/jobs/{job_id}/results"
    full = pd.read_parquet(io.BytesIO(world.client.get(url, params={"format": "parquet"},
                                                       headers=world.headers["expert"]).content))
    assert len(full) == len(world.batch)
    assert set(full["employer_siret"]) == set(world.batch["employer_siret"])
    for fmt in ("parquet", "csv"):
        answer = world.client.get(url, params={"format": fmt}, headers=world.headers["scoped"])
        assert answer.status_code == 200, answer.text
        if fmt == "parquet":
            rows = pd.read_parquet(io.BytesIO(answer.content))
        else:
            assert answer.content.startswith("\ufeff".encode())
            rows = pd.read_csv(io.BytesIO(answer.content), sep=";", encoding="utf-8-sig", dtype=str)
        assert f"{SERVICE}-travail-{job_id}.{fmt}" in answer.headers["content-disposition"]
        assert set(rows["employer_siret"].astype(str)) == {world.siret}
        assert sorted(rows["record_id"].astype(str)) == sorted(world.own()["record_id"].astype(str))
        assert "model_version" in rows.columns
    assert world.client.get(url, headers=world.headers["other"]).status_code == 404


def test_job_page_previews_the_scoped_rows_only(world: World, job_id: int) -> None:
    sign_in(world.client, world.emails["scoped"])
    page = html.unescape(world.client.get(f"/travaux/{job_id}").text)
    shown = KEY_CELL_RE.findall(page)
    assert shown and employers_of(world, shown) == {world.siret}
    hidden = len(world.batch) - len(world.own())
    assert f"{hidden:,}".replace(",", "\u202f") + " résultats hors de votre périmètre ne sont pas affichés" in page
    sign_in(world.client, world.emails["expert"])
    expert_page = html.unescape(world.client.get(f"/travaux/{job_id}").text)
    assert len(employers_of(world, KEY_CELL_RE.findall(expert_page))) > 1
    assert "hors de votre périmètre" not in expert_page
    sign_in(world.client, world.emails["other"])
    assert world.client.get(f"/travaux/{job_id}").status_code == 404


def test_generic_demo_shows_the_scoped_rows_only(world: World) -> None:
    csrf = sign_in(world.client, world.emails["scoped"])
    page = html.unescape(world.client.post(f"/services/{SERVICE}/demo", data={"csrf_token": csrf},
                                           headers={"hx-request": "true"}).text)
    shown = KEY_CELL_RE.findall(page)
    assert shown and employers_of(world, shown) == {world.siret}
    assert len(shown) == min(200, len(world.own()))
    assert "hors de votre périmètre ne sont pas affichés" in page
    csrf = sign_in(world.client, world.emails["expert"])
    expert = html.unescape(world.client.post(f"/services/{SERVICE}/demo", data={"csrf_token": csrf},
                                             headers={"hx-request": "true"}).text)
    assert len(employers_of(world, KEY_CELL_RE.findall(expert))) > 1


def test_uploads_of_other_employers_are_refused_by_line_and_field(world: World) -> None:
    csrf = sign_in(world.client, world.emails["scoped"])
    first_other = int(world.batch.index[world.batch["employer_siret"] != world.siret][0])
    page = world.client.post(f"/services/{SERVICE}/fichier", data={"csrf_token": csrf},
                             files={"fichier": ("registre.csv", csv_bytes(world.batch), "text/csv")},
                             follow_redirects=False)
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert f"ligne {first_other + 2}" in text and "employer_siret" in text and "hors de votre périmètre" in text
    api = world.client.post(f"/api/v1/services/{SERVICE}/jobs", headers=world.headers["scoped"],
                            files={"file": ("registre.csv", csv_bytes(world.batch), "text/csv")})
    assert api.status_code == 422 and "hors de votre périmètre" in api.json()["message"]
    own = world.client.post(f"/api/v1/services/{SERVICE}/jobs", headers=world.headers["scoped"],
                            files={"file": ("mes-doses.csv", csv_bytes(world.own()), "text/csv")})
    assert own.status_code == 202, own.text


def test_feedback_is_limited_to_the_scope_in_and_out(world: World, job_id: int) -> None:
    own_id = str(world.own()["record_id"].iloc[0])
    own_record = {"record_id": own_id, "employer_siret": world.siret}
    stranger = world.batch[world.batch["employer_siret"] != world.siret].iloc[0]
    other_record = {"record_id": str(stranger["record_id"]), "employer_siret": str(stranger["employer_siret"])}
    url = f"/api/v1/services/{SERVICE}/feedback"
    posts = [
        ({"item_key": own_id, "verdict": "confirm", "record": own_record, "job_id": job_id}, "scoped", 201),
        ({"item_key": other_record["record_id"], "verdict": "confirm", "record": own_record, "job_id": job_id},
         "scoped", 404),
        ({"item_key": other_record["record_id"], "verdict": "confirm", "record": other_record}, "scoped", 403),
        ({"item_key": own_id, "verdict": "confirm"}, "scoped", 403),
        ({"item_key": other_record["record_id"], "verdict": "confirm", "record": other_record, "job_id": job_id},
         "expert", 201),
        ({"item_key": own_id, "verdict": "confirm", "record": own_record}, "other", 403),
    ]
    for body, role, status in posts:
        answer = world.client.post(url, json=body, headers=world.headers[role])
        assert answer.status_code == status, (role, body, answer.text)
    scoped_export = world.client.get(url, headers=world.headers["scoped"]).json()
    expert_export = world.client.get(url, headers=world.headers["expert"]).json()
    assert {r["employer_siret"] for r in scoped_export} == {world.siret}
    assert {r["employer_siret"] for r in expert_export} >= {world.siret, other_record["employer_siret"]}

    sign_in(world.client, world.emails["expert"])
    page = html.unescape(world.client.get(f"/travaux/{job_id}").text)
    keys, tokens = KEY_CELL_RE.findall(page), TOKEN_RE.findall(page)
    foreign = next(t for k, t in zip(keys, dict.fromkeys(tokens), strict=False)
                   if employers_of(world, [k]) != {world.siret})
    csrf = sign_in(world.client, world.emails["scoped"])
    forged = world.client.post(f"/services/{SERVICE}/avis", data={"csrf_token": csrf, "item": foreign,
                                                                   "verdict": "confirm"})
    assert forged.status_code == 403 and "périmètre" in html.unescape(forged.text)
