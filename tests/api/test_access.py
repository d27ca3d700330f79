"""Access control: every route of the application, walked with an outsider and an anonymous visitor; CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

try:  # FastAPI >= 0.160 includes routers lazily; this flattens them
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI lists every route in app.routes
    iter_route_contexts = None  # type: ignore[assignment]

PUBLIC = {"/connexion", "/deconnexion", "/accessibilite", "/api/v1/openapi.json", "/api/v1/docs"}
"""Routes anyone may reach."""
LISTINGS = {"/", "/travaux", "/api/v1/services", "/api/v1/jobs"}
"""Routes every signed-in user reaches, whose content is filtered by access (checked below)."""
PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def walk(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every (method, path template) the application serves, through included routers; static files aside."""
    entries: Iterable[Any] = iter_route_contexts(app.routes) if iter_route_contexts is not None else app.routes
    for route in entries:
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None)
        assert isinstance(path, str), f"route sans chemin : {route!r}"
        if methods is None:
            assert path == "/static", f"montage inattendu (à couvrir par ce test) : {path}"
            continue
        for method in sorted(set(methods) - {"HEAD"}):
            yield method, path


def fill(path: str, values: dict[str, str]) -> str:
    """A concrete URL for a path template."""
    return PARAM.sub(lambda m: values[m.group(1)], path)


@pytest.fixture
def toy_job(client: TestClient, headers: dict[str, dict[str, str]]) -> int:
    """A finished job of the toy service, submitted by its administration's agent."""
    content = b"identifiant;x1;x2\nJ1;1;2\nJ2;-1;0\n"
    sent = client.post("/api/v1/services/toy/jobs", files={"file": ("lot.csv", content)}, headers=headers["agent"])
    assert sent.status_code == 202, sent.text
    job_id: int = sent.json()["id"]
    return job_id


def test_every_route_is_closed_to_other_administrations_and_anonymous(
    app: FastAPI,
    client: TestClient,
    headers: dict[str, dict[str, str]],
    accounts_by_role: dict[str, object],
    toy_job: int,
    sign_in: Callable[[TestClient, str], str],
) -> None:
    values = {"service_id": "toy", "job_id": str(toy_job)}
    routes = list(walk(app))
    assert len(routes) >= 20
    unknown = {PARAM.findall(p)[0] for _, p in routes if PARAM.search(p)} - set(values)
    assert not unknown, f"paramètres de chemin sans valeur de test : {unknown} ; complétez ce test"

    with TestClient(app) as browser:
        csrf = sign_in(browser, accounts_by_role["other"].email)  # type: ignore[attr-defined]
        checked = 0
        for method, template in routes:
            url = fill(template, values)
            if template in PUBLIC:
                continue
            anonymous = client.request(method, url, follow_redirects=False)
            if template.startswith("/api/"):
                assert anonymous.status_code == 401, (method, url, anonymous.status_code)
            else:
                assert anonymous.status_code == 303, (method, url, anonymous.status_code)
                assert anonymous.headers["location"].startswith("/connexion?suivant=")
            by_token = client.request(method, url, headers=headers["other"], follow_redirects=False)
            by_session = browser.request(method, url, headers={"X-CSRF-Token": csrf}, follow_redirects=False)
            for response in (by_token, by_session):
                if template in LISTINGS:
                    assert response.status_code == 200, (method, url, response.status_code)
                    assert "Service d'essai" not in response.text and '"toy"' not in response.text
                    assert f"/travaux/{toy_job}" not in response.text and f'"id":{toy_job}' not in response.text
                else:
                    assert response.status_code in (403, 404), (method, url, response.status_code, response.text)
                    assert "accès" in response.text.lower() or "introuvable" in response.text.lower()
            checked += 1
        assert checked >= 15


def test_owner_reaches_every_page_the_outsider_cannot(
    app: FastAPI, headers: dict[str, dict[str, str]], toy_job: int, client: TestClient
) -> None:
    values = {"service_id": "toy", "job_id": str(toy_job)}
    for method, template in walk(app):
        if method != "GET" or template in PUBLIC:
            continue
        url = fill(template, values)
        response = client.get(url, headers=headers["agent"])
        assert response.status_code == 200, (url, response.status_code, response.text[:300])


def test_admin_sees_every_service(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    assert client.get("/services/toy", headers=headers["admin"]).status_code == 200
    assert client.get("/api/v1/services/toy/models", headers=headers["admin"]).status_code == 200


def test_csrf_is_required_on_session_posts(
    app: FastAPI, accounts_by_role: dict[str, object], sign_in: Callable[[TestClient, str], str]
) -> None:
    with TestClient(app) as browser:
        login_page = browser.get("/connexion")
        no_token = browser.post(
            "/connexion",
            data={"email": accounts_by_role["agent"].email, "mot_de_passe": "x" * 20},  # type: ignore[attr-defined]
        )
        assert no_token.status_code == 403 and "CSRF" in no_token.text
        assert login_page.status_code == 200
        csrf = sign_in(browser, accounts_by_role["agent"].email)  # type: ignore[attr-defined]

        missing = browser.post("/services/toy/demo")
        assert missing.status_code == 403 and "Jeton de sécurité" in missing.text
        forged = browser.post("/services/toy/demo", data={"csrf_token": "faux"})
        assert forged.status_code == 403
        ok = browser.post("/services/toy/demo", data={"csrf_token": csrf})
        assert ok.status_code == 200 and "Résultats" in ok.text

        api_missing = browser.post("/api/v1/services/toy/run", json={"record": {"ident": "C", "x1": 1, "x2": 1}})
        assert api_missing.status_code == 403 and "CSRF" in api_missing.json()["message"]
        api_ok = browser.post(
            "/api/v1/services/toy/run",
            json={"record": {"ident": "C", "x1": 1, "x2": 1}},
            headers={"X-CSRF-Token": csrf},
        )
        assert api_ok.status_code == 200

        assert browser.post("/deconnexion", follow_redirects=False).status_code == 403
        out = browser.post("/deconnexion", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert browser.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_in_french(
    app: FastAPI, accounts_by_role: dict[str, object], page_csrf: Callable[[str], str]
) -> None:
    email = accounts_by_role["agent"].email  # type: ignore[attr-defined]
    with TestClient(app) as browser:
        page = browser.get("/connexion")
        refused = browser.post(
            "/connexion", data={"email": email, "mot_de_passe": "pas-le-bon-mot", "csrf_token": page_csrf(page.text)}
        )
        assert refused.status_code == 401 and "mot de passe incorrect" in refused.text
        assert browser.get("/", follow_redirects=False).status_code == 303


def test_a_service_router_is_mounted_behind_the_access_guard(
    app: FastAPI, client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    assert ("GET", "/services/toy/resume") in set(walk(app))
    page = client.get("/services/toy/resume", headers=headers["agent"])
    assert page.status_code == 200
    assert "Résumé du lot de démonstration" in page.text and "50 éléments" in page.text
    assert "Classe 1 prédite pour" in page.text and "toy" in page.text
    assert client.get("/services/toy/resume", headers=headers["other"]).status_code == 403
    assert client.get("/services/toy/resume", follow_redirects=False).status_code == 303
