"""Web pages through the test client: login, home, service page (demo, form, upload), feedback, jobs, cards."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from toy_service import ToyService

from iapublique.core import feedback
from iapublique.core.store.db import session_scope
from iapublique.settings import Settings
from iapublique.web.app import create_app

Session = tuple[TestClient, str]


def test_anonymous_visitor_is_sent_to_login_and_back(
    app: FastAPI, accounts_by_role: dict[str, object], page_csrf: Callable[[str], str]
) -> None:
    with TestClient(app) as browser:
        first = browser.get("/services/toy", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/connexion?suivant=%2Fservices%2Ftoy"
        page = browser.get(first.headers["location"])
        assert "Connexion à IA Publique" in page.text and 'value="/services/toy"' in page.text
        done = browser.post(
            "/connexion",
            data={
                "email": accounts_by_role["agent"].email,  # type: ignore[attr-defined]
                "mot_de_passe": "mot-de-passe-solide-42",
                "suivant": "/services/toy",
                "csrf_token": page_csrf(page.text),
            },
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/services/toy"
        evil = browser.get("/connexion?suivant=//exemple.org/piege", follow_redirects=False)
        assert evil.headers["location"] == "/"


def test_home_lists_the_user_services_as_cards(agent: Session) -> None:
    browser, _ = agent
    home = browser.get("/")
    assert home.status_code == 200
    assert 'class="fr-card fr-enlarge-link"' in home.text and 'href="/services/toy"' in home.text
    assert "Administration d&#39;essai" in home.text
    assert '<html lang="fr"' in home.text and "/static/dsfr/dsfr.min.css" in home.text
    assert "https://" not in home.text.replace("https://www.w3.org", "")


def test_neutral_theme_has_no_state_logo_and_etat_theme_has_it(
    tmp_settings: Settings, toy_service: ToyService, agent: Session
) -> None:
    browser, _ = agent
    neutral = browser.get("/accessibilite").text
    assert "iap-theme-neutre" in neutral and "fr-logo" not in neutral
    etat = create_app(tmp_settings.model_copy(update={"theme": "etat"}), services={"toy": toy_service})
    with TestClient(etat) as c:
        page = c.get("/accessibilite").text
    assert "iap-theme-etat" in page and '<p class="fr-logo">République<br>Française</p>' in page


def test_service_page_shows_form_upload_and_demo_button(agent: Session) -> None:
    browser, _ = agent
    page = browser.get("/services/toy")
    assert page.status_code == 200
    assert "Essayer avec les données de démonstration" in page.text
    for name in ("ident", "x1", "x2"):
        assert f'name="{name}"' in page.text
    assert "Colonne « identifiant »" in page.text
    assert 'type="file"' in page.text and "50 Mo" in page.text
    assert 'href="/services/toy/fiche"' in page.text


def test_demo_run_shows_results_with_french_numbers_and_feedback(agent: Session) -> None:
    browser, csrf = agent
    full = browser.post("/services/toy/demo", data={"csrf_token": csrf})
    assert full.status_code == 200
    assert "Résultats (50 éléments)" in full.text and "<h1>Service d&#39;essai</h1>" in full.text
    scores = re.findall(r'<td class="iap-score">([^<]+)</td>', full.text)
    assert len(scores) == 50 and all(re.fullmatch(r"[01],\d{3}", s) for s in scores)
    assert full.text.count('name="verdict" value="confirm"') == 50
    assert "toy-1.0:default@" in full.text and "Probabilité" in full.text
    fragment = browser.post("/services/toy/demo", data={"csrf_token": csrf}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "iap-results" in fragment.text


def test_form_run_and_field_error(agent: Session) -> None:
    browser, csrf = agent
    ok = browser.post("/services/toy/essai", data={"csrf_token": csrf, "ident": "F-1", "x1": "2,5", "x2": "-1"})
    assert ok.status_code == 200 and '<th scope="row">F-1</th>' in ok.text
    bad = browser.post("/services/toy/essai", data={"csrf_token": csrf, "ident": "F-2", "x1": "deux", "x2": "1"})
    assert bad.status_code == 422
    assert "champ « x1 » : valeur « deux » invalide : un nombre est attendu." in bad.text
    assert 'id="champ-x1-erreur"' in bad.text and 'value="deux"' in bad.text


def test_feedback_buttons_store_signed_results(agent: Session) -> None:
    browser, csrf = agent
    page = browser.post("/services/toy/essai", data={"csrf_token": csrf, "ident": "F-9", "x1": "1", "x2": "0"}).text
    token = re.search(r'name="item" value="([^"]+)"', page)
    assert token
    item = token.group(1)
    sent = browser.post(
        "/services/toy/avis",
        data={"csrf_token": csrf, "item": item, "verdict": "correct", "valeur": "0"},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 200 and "correction sur « F-9 » est enregistrée" in sent.text
    plain = browser.post("/services/toy/avis", data={"csrf_token": csrf, "item": item, "verdict": "confirm"})
    assert plain.status_code == 200 and "<h1" in plain.text
    empty = browser.post("/services/toy/avis", data={"csrf_token": csrf, "item": item, "verdict": "comment"})
    assert empty.status_code == 422 and "commentaire ne peut pas être vide" in empty.text
    forged = browser.post(
        "/services/toy/avis", data={"csrf_token": csrf, "item": item[:-3] + "abc", "verdict": "confirm"}
    )
    assert forged.status_code == 400
    with session_scope() as s:
        rows = feedback.list_feedback(s, "toy")
    assert [(r.verdict, r.item_key) for r in rows] == [("correct", "F-9"), ("confirm", "F-9")]
    assert rows[0].value == {"label": "0"} and rows[0].record["x1"] == 1.0
    assert rows[0].model_version.startswith("toy-1.0:default@") and rows[0].score is not None


def test_upload_runs_a_job_with_progress_page_and_downloads(agent: Session) -> None:
    browser, csrf = agent
    content = b"identifiant;x1;x2\nU1;1,5;0\nU2;-1;2\n"
    sent = browser.post(
        "/services/toy/fichier",
        data={"csrf_token": csrf},
        files={"fichier": ("lot.csv", content, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    job_url = sent.headers["location"]
    page = browser.get(job_url)
    assert "Traitement terminé" in page.text and "Télécharger en CSV" in page.text
    assert '<th scope="row">U1</th>' in page.text
    progress = browser.get(job_url + "/progression")
    assert progress.status_code == 200 and "hx-trigger" not in progress.text
    link = re.search(r'href="(/api/v1/jobs/\d+/results\?format=csv)"', page.text)
    assert link
    download = browser.get(link.group(1))
    assert download.status_code == 200 and download.content.startswith("\ufeffident;score".encode())
    jobs_page = browser.get("/travaux")
    assert "lot.csv" in jobs_page.text and "Terminé" in jobs_page.text


def test_upload_errors_are_shown_in_the_page(agent: Session) -> None:
    browser, csrf = agent
    bad = browser.post(
        "/services/toy/fichier",
        data={"csrf_token": csrf},
        files={"fichier": ("lot.csv", b"identifiant;x1\nU1;1\n", "text/csv")},
    )
    assert bad.status_code == 422 and "colonne obligatoire absente" in bad.text and "lot.csv" in bad.text
    binary = browser.post(
        "/services/toy/fichier", data={"csrf_token": csrf}, files={"fichier": ("photo.csv", b"\x89PNG\r\n\x00\x00")}
    )
    assert binary.status_code == 415 and "binaire" in binary.text


def test_model_card_is_rendered_safely(
    tmp_settings: Settings,
    accounts_by_role: dict[str, object],
    sign_in: Callable[[TestClient, str], str],
    toy_model: object,
) -> None:
    class CardToy(ToyService):
        def model_card(self) -> str:
            return (
                "# Fiche\n\n## Finalité\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                "<script>alert(1)</script>\n[x](javascript:alert(1))"
            )

    app = create_app(tmp_settings, services={"toy": CardToy()})
    with TestClient(app) as browser:
        sign_in(browser, accounts_by_role["agent"].email)  # type: ignore[attr-defined]
        page = browser.get("/services/toy/fiche").text
    assert "<h2>Finalité</h2>" in page and "<table>" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript' not in page
    assert "Modèles entraînés" in page and "accuracy" in page


def test_service_may_override_its_page(
    tmp_settings: Settings,
    tmp_path: Path,
    accounts_by_role: dict[str, object],
    sign_in: Callable[[TestClient, str], str],
    toy_model: object,
) -> None:
    folder = tmp_path / "gabarits"
    folder.mkdir()
    (folder / "page.html").write_text(
        '{% extends "service.html" %}{% block service_form %}<p id="propre">Formulaire propre</p>{% endblock %}',
        encoding="utf-8",
    )

    class OwnPage(ToyService):
        def templates_dir(self) -> Path:
            return folder

    app = create_app(tmp_settings, services={"toy": OwnPage()})
    with TestClient(app) as browser:
        csrf = sign_in(browser, accounts_by_role["agent"].email)  # type: ignore[attr-defined]
        page = browser.get("/services/toy").text
        assert "Formulaire propre" in page and 'name="x1"' not in page
        assert "Essayer avec les données de démonstration" in page
        results = browser.post("/services/toy/demo", data={"csrf_token": csrf}).text
        assert "Formulaire propre" in results and "Résultats (50 éléments)" in results


@pytest.mark.parametrize("url", ["/nulle-part", "/services/absent"])
def test_not_found_page_is_in_french(agent: Session, url: str) -> None:
    browser, _ = agent
    page = browser.get(url)
    assert (page.status_code == 404 and "<h1>Page introuvable</h1>" in page.text) or "Service inconnu" in page.text
    assert '<html lang="fr"' in page.text


def test_forbidden_page_is_in_french(
    tmp_settings: Settings, app: FastAPI, accounts_by_role: dict[str, object], sign_in: Callable[[TestClient, str], str]
) -> None:
    with TestClient(app) as browser:
        sign_in(browser, accounts_by_role["other"].email)  # type: ignore[attr-defined]
        page = browser.get("/services/toy")
    assert page.status_code == 403 and "<h1>Accès refusé</h1>" in page.text and "ESSAI" in page.text


def test_security_headers(client: TestClient) -> None:
    page = client.get("/connexion")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    cookie = page.headers.get("set-cookie", "")
    assert "iapublique_session=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_running_job_page_polls_its_progress(agent: Session, headers: dict[str, dict[str, str]]) -> None:
    from iapublique.core.store.models import Job

    browser, _ = agent
    with session_scope() as s:
        job = Job(service_id="toy", status="running", input_name="long.csv", done=250, total=1000, message="Lot 1")
        s.add(job)
        s.flush()
        job_id = job.id
    fragment = browser.get(f"/travaux/{job_id}/progression")
    assert f'hx-get="/travaux/{job_id}/progression"' in fragment.text and 'hx-trigger="every 1s"' in fragment.text
    assert "250 sur 1 000 lignes" in fragment.text.replace("\u202f", " ").replace("\xa0", " ")
    assert 'value="0.25"' in fragment.text and "Télécharger" not in fragment.text
    early = browser.get(f"/api/v1/jobs/{job_id}/results?format=csv")
    assert early.status_code == 409 and "en cours" in early.json()["message"]


def test_large_demo_batch_runs_whole_but_shows_the_first_rows(
    tmp_settings: Settings,
    accounts_by_role: dict[str, object],
    sign_in: Callable[[TestClient, str], str],
    toy_model: object,
) -> None:
    class BigDemo(ToyService):
        def demo_batch(self, size: int = 50, seed: int = 1) -> pd.DataFrame:
            return super().demo_batch(1_200, seed)

    app = create_app(tmp_settings, services={"toy": BigDemo()})
    with TestClient(app) as browser:
        csrf = sign_in(browser, accounts_by_role["agent"].email)  # type: ignore[attr-defined]
        page = browser.post("/services/toy/demo", data={"csrf_token": csrf}).text
    assert page.count('<td class="iap-score">') == 200
    assert "Résultats (1\u202f200 éléments)" in page or "Résultats (1\xa0200 éléments)" in page
    assert "les 200 premiers sont affichés" in page


def test_fields_marked_out_of_table_stay_out_of_the_generic_results_table() -> None:
    """A Result field declared ``in_table: False`` (a JSON list the service lays out itself) is not a column."""
    from pydantic import Field

    from iapublique.core.service import ResultBase
    from iapublique.web.service_pages import result_columns

    class Shown(ResultBase):
        ident: str
        label: str
        details: str = Field(json_schema_extra={"in_table": False})

    class Stub:
        Result = Shown
        key_field = "ident"

        def result_fields(self) -> list[str]:
            return list(Shown.model_fields)

    assert result_columns(Stub(), []) == ["label"]  # type: ignore[arg-type]
