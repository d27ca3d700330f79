"""REST API: listing by access, synchronous runs, jobs and downloads, feedback, errors in French."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from iapublique.core import audit
from iapublique.core.store.db import session_scope


def test_services_are_filtered_by_administration(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    mine = client.get("/api/v1/services", headers=headers["agent"])
    assert mine.status_code == 200
    assert [s["id"] for s in mine.json()] == ["toy"]
    assert mine.json()[0]["administration"] == "ESSAI"
    assert client.get("/api/v1/services", headers=headers["other"]).json() == []
    assert [s["id"] for s in client.get("/api/v1/services", headers=headers["admin"]).json()] == ["toy"]
    detail = client.get("/api/v1/services/toy", headers=headers["agent"]).json()
    assert {f["name"]: f["type"] for f in detail["fields"]} == {"ident": "texte", "x1": "nombre", "x2": "nombre"}
    assert detail["fields"][0]["column"] == "identifiant"
    assert client.get("/api/v1/services/toy", headers=headers["other"]).status_code == 403
    assert client.get("/api/v1/services/absent", headers=headers["agent"]).status_code == 404


def test_sync_run_returns_scores_explanations_and_version(
    client: TestClient, headers: dict[str, dict[str, str]], toy_model: object
) -> None:
    records = [{"identifiant": "A1", "x1": 2.0, "x2": -1.0}, {"identifiant": "A2", "x1": "-2,5", "x2": 1.5}]
    done = client.post("/api/v1/services/toy/run", json={"records": records}, headers=headers["agent"])
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert [first["item_key"], second["item_key"]] == ["A1", "A2"]
    assert first["score"] > 0.9 > 0.1 > second["score"]
    assert first["label"] == 1 and second["label"] == 0
    assert first["explanation"]["summary"].startswith("Probabilité")
    assert {f["label"] for f in first["explanation"]["factors"]} == {"x1", "x2"}
    assert first["model_version"] == toy_model.version == body["model_version"]  # type: ignore[attr-defined]
    one = client.post("/api/v1/services/toy/run", json={"record": records[0]}, headers=headers["agent"])
    assert one.status_code == 200 and one.json()["count"] == 1
    with session_scope() as s:
        runs = [e for e in audit.entries(s, service_id="toy") if e.action == "run"]
        assert len(runs) == 2 and runs[0].user_email == "agent@essai.gouv.fr" and runs[0].input_hash


def test_sync_run_bad_record_names_line_and_field_in_french(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    records = [{"ident": "A1", "x1": 1, "x2": 2}, {"ident": "A2", "x1": "beaucoup", "x2": 2}]
    bad = client.post("/api/v1/services/toy/run", json={"records": records}, headers=headers["agent"])
    assert bad.status_code == 422
    err = bad.json()
    assert err["ligne"] == 2 and err["champ"] == "x1" and "nombre est attendu" in err["message"]
    missing = client.post("/api/v1/services/toy/run", json={"record": {"ident": "A"}}, headers=headers["agent"])
    assert missing.status_code == 422 and "colonne obligatoire absente" in missing.json()["message"]
    semantic = client.post(
        "/api/v1/services/toy/run", json={"record": {"ident": "A", "x1": 0, "x2": 5000}}, headers=headers["agent"]
    )
    assert semantic.status_code == 422 and semantic.json()["champ"] == "x2"
    empty = client.post("/api/v1/services/toy/run", json={}, headers=headers["agent"])
    assert empty.status_code == 422 and "aucun élément" in empty.json()["message"]


def test_sync_run_refuses_batches_over_the_limit(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    client.app.state.settings.sync_max_rows = 3  # type: ignore[attr-defined]
    records = [{"ident": f"A{i}", "x1": 1, "x2": 1} for i in range(4)]
    refused = client.post("/api/v1/services/toy/run", json={"records": records}, headers=headers["agent"])
    assert refused.status_code == 413 and "fichier" in refused.json()["message"]


def csv_bytes(frame: pd.DataFrame, sep: str = ",") -> bytes:
    """A CSV upload as a spreadsheet would write it."""
    return frame.to_csv(index=False, sep=sep).encode("utf-8")


def test_job_submit_poll_and_download_csv_and_parquet(
    client: TestClient, headers: dict[str, dict[str, str]], toy_service: object
) -> None:
    batch = toy_service.demo_batch(60, seed=4).rename(columns={"ident": "identifiant"})  # type: ignore[attr-defined]
    sent = client.post(
        "/api/v1/services/toy/jobs",
        files={"file": ("lot.csv", csv_bytes(batch, ";"), "text/csv")},
        headers=headers["agent"],
    )
    assert sent.status_code == 202, sent.text
    job = sent.json()
    polled = client.get(f"/api/v1/jobs/{job['id']}", headers=headers["agent"]).json()
    assert polled["status"] == "done" and polled["done"] == 60 and polled["fraction"] == 1.0
    assert polled["model_version"]
    listed = client.get("/api/v1/jobs", headers=headers["agent"]).json()
    assert [j["id"] for j in listed] == [job["id"]]
    assert client.get("/api/v1/jobs", headers=headers["other"]).json() == []

    as_csv = client.get(f"/api/v1/jobs/{job['id']}/results?format=csv", headers=headers["agent"])
    assert as_csv.status_code == 200
    assert as_csv.content.startswith("\ufeff".encode())
    header = as_csv.content.decode("utf-8-sig").splitlines()[0]
    assert header.split(";")[:2] == ["ident", "score"] and "model_version" in header
    frame = pd.read_csv(io.BytesIO(as_csv.content), sep=";", encoding="utf-8-sig")
    assert len(frame) == 60 and (frame["model_version"] == polled["model_version"]).all()
    assert frame["ident"].tolist() == batch["identifiant"].tolist()

    as_parquet = client.get(f"/api/v1/jobs/{job['id']}/results?format=parquet", headers=headers["agent"])
    assert as_parquet.status_code == 200 and as_parquet.content[:4] == b"PAR1"
    table = pd.read_parquet(io.BytesIO(as_parquet.content))
    assert table["score"].between(0, 1).all() and len(table) == 60
    assert client.get(f"/api/v1/jobs/{job['id']}/results?format=xls", headers=headers["agent"]).status_code == 422


def test_bad_csv_gives_french_error_with_line_and_field_and_stores_nothing(
    client: TestClient, headers: dict[str, dict[str, str]], tmp_settings: object
) -> None:
    content = b"identifiant;x1;x2\nA1;1,5;2\nA2;abc;3\n"
    bad = client.post(
        "/api/v1/services/toy/jobs", files={"file": ("mauvais.csv", content, "text/csv")}, headers=headers["agent"]
    )
    assert bad.status_code == 422
    assert bad.json() | {"detail": None} == {
        "fichier": "mauvais.csv",
        "ligne": 3,
        "champ": "x1",
        "message": "valeur « abc » invalide : un nombre est attendu.",
        "detail": None,
    }
    truncated = b"identifiant,x1,x2\nA1,1,2\nA2,3\n"
    cut = client.post(
        "/api/v1/services/toy/jobs", files={"file": ("coupe.csv", truncated, "text/csv")}, headers=headers["agent"]
    )
    assert cut.status_code == 422 and cut.json()["ligne"] == 3 and "tronquée" in cut.json()["message"]
    latin = "identifiant;x1;x2\nÉté;1;2\n".encode("latin-1")
    enc = client.post(
        "/api/v1/services/toy/jobs", files={"file": ("latin.csv", latin, "text/csv")}, headers=headers["agent"]
    )
    assert enc.status_code == 422 and enc.json()["ligne"] == 2 and "UTF-8" in enc.json()["message"]
    uploads = tmp_settings.data_dir / "uploads"  # type: ignore[attr-defined]
    assert not any(uploads.iterdir())
    assert client.get("/api/v1/jobs", headers=headers["agent"]).json() == []


def test_upload_too_large_is_refused_with_413(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    client.app.state.settings.max_upload_mb = 1  # type: ignore[attr-defined]
    big = b"identifiant,x1,x2\n" + b"A,1,2\n" * 300_000
    refused = client.post(
        "/api/v1/services/toy/jobs", files={"file": ("gros.csv", big, "text/csv")}, headers=headers["agent"]
    )
    assert refused.status_code == 413
    assert "trop volumineux" in refused.json()["message"] and "1 Mo" in refused.json()["message"]


def test_body_without_length_is_cut_while_streaming(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    client.app.state.settings.max_upload_mb = 1  # type: ignore[attr-defined]
    row = b'{"ident": "A", "x1": 1, "x2": 2},'

    def chunks() -> Iterator[bytes]:
        yield b'{"records": ['
        for _ in range(40):
            yield row * 1000
        yield b'{"ident": "Z", "x1": 1, "x2": 2}]}'

    refused = client.post(
        "/api/v1/services/toy/run",
        content=chunks(),
        headers={**headers["agent"], "Content-Type": "application/json"},
    )
    assert refused.status_code == 413 and "trop volumineux" in refused.json()["message"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binaire"),
        ("tableur.csv", b"PK\x03\x04" + b"\x00" * 100, "binaire"),
        ("faux.parquet", b"identifiant,x1,x2\nA,1,2\n", "Parquet"),
        ("classeur.xlsx", b"PK\x03\x04" + b"\x00" * 100, "non pris en charge"),
        ("script.exe", b"MZ" + b"\x00" * 100, "non pris en charge"),
    ],
)
def test_wrong_file_type_is_refused(
    client: TestClient, headers: dict[str, dict[str, str]], name: str, content: bytes, expected: str
) -> None:
    refused = client.post(
        "/api/v1/services/toy/jobs",
        files={"file": (name, content, "application/octet-stream")},
        headers=headers["agent"],
    )
    assert refused.status_code == 415
    assert expected in refused.json()["message"] and name in refused.json()["message"]


def test_feedback_round_trip(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    run = client.post(
        "/api/v1/services/toy/run", json={"record": {"ident": "F1", "x1": 1, "x2": 0}}, headers=headers["agent"]
    ).json()
    result = run["results"][0]
    confirm = {
        "item_key": "F1",
        "verdict": "confirm",
        "model_version": result["model_version"],
        "score": result["score"],
    }
    correct = {
        "item_key": "F1",
        "verdict": "correct",
        "value": {"label": 0},
        "record": {"ident": "F1", "x1": 1, "x2": 0},
        "result": {"label": result["label"]},
        "model_version": result["model_version"],
    }
    for body in (confirm, correct, {"item_key": "F1", "verdict": "comment", "comment": "À revoir"}):
        stored = client.post("/api/v1/services/toy/feedback", json=body, headers=headers["agent"])
        assert stored.status_code == 201, stored.text
    incomplete = client.post(
        "/api/v1/services/toy/feedback", json={"item_key": "F1", "verdict": "correct"}, headers=headers["agent"]
    )
    assert incomplete.status_code == 422 and "valeur juste" in incomplete.json()["message"]
    other = client.post("/api/v1/services/toy/feedback", json=confirm, headers=headers["other"])
    assert other.status_code == 403

    exported = client.get("/api/v1/services/toy/feedback", headers=headers["agent"]).json()
    assert [row["verdict"] for row in exported] == ["confirm", "correct", "comment"]
    assert exported[1]["correction_label"] == 0 and exported[1]["x1"] == 1
    assert exported[0]["model_version"] == result["model_version"]
    as_csv = client.get("/api/v1/services/toy/feedback?format=csv", headers=headers["agent"])
    assert as_csv.content.startswith("\ufeff".encode())
    frame = pd.read_csv(io.BytesIO(as_csv.content), sep=";", encoding="utf-8-sig")
    assert frame["verdict"].tolist() == ["confirm", "correct", "comment"]
    assert frame.loc[2, "comment"] == "À revoir"


def test_models_listing(client: TestClient, headers: dict[str, dict[str, str]], toy_model: object) -> None:
    models = client.get("/api/v1/services/toy/models", headers=headers["agent"]).json()
    assert [m["name"] for m in models] == ["default"]
    assert models[0]["version"] == toy_model.version  # type: ignore[attr-defined]
    assert 0.8 < models[0]["metrics"]["accuracy"] <= 1.0


def test_token_auth(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    assert client.get("/api/v1/services").status_code == 401
    bad = client.get("/api/v1/services", headers={"Authorization": "Bearer iap_faux"})
    assert bad.status_code == 401 and "Jeton" in bad.json()["message"]
    assert bad.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/services", headers={"Authorization": "Basic abc"}).status_code == 401
    ok = client.post(
        "/api/v1/services/toy/run", json={"record": {"ident": "T", "x1": 1, "x2": 1}}, headers=headers["agent"]
    )
    assert ok.status_code == 200, "a token call needs no CSRF token"


def test_openapi_is_in_french_and_docs_are_local(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/services",
        "/api/v1/services/{service_id}/run",
        "/api/v1/services/{service_id}/jobs",
        "/api/v1/jobs/{job_id}/results",
        "/api/v1/services/{service_id}/feedback",
        "/api/v1/services/{service_id}/models",
    ):
        assert path in paths
    assert not any(p.startswith(("/services", "/travaux", "/connexion")) for p in paths)
    run = paths["/api/v1/services/{service_id}/run"]["post"]
    assert "Traite un élément" in run["description"]
    fields = spec["components"]["schemas"]["RunIn"]["properties"]
    assert "Éléments à traiter" in fields["records"]["description"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert 'id="run_service_api_v1_services__service_id__run_post"' in docs.text
    assert "Traitement immédiat" in docs.text and "Éléments à traiter" in docs.text
    assert '<script src="http' not in docs.text and "cdn" not in docs.text.lower()
