"""Pages of litigation_series: corpus view without personal data, series page and agents' actions with CSRF,
registration of a new requête with highlighted shared passages, access for other administrations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_site import fresh_data_dir
from service_site import sign_in as sign_in_as

from iapublique.core import accounts, models_registry
from iapublique.core.store.db import session_scope
from iapublique.services.litigation_series import LitigationSeriesService, decisions, synthetic
from iapublique.web.app import create_app

SERVICE = LitigationSeriesService()
PASSWORD = "mot-de-passe-greffe-42"
SERIES_RE = re.compile(r'href="/services/litigation_series/series/([^"?#]+)"')
BASE = "/services/litigation_series"


@dataclass
class Site:
    """The application over litigation_series and two users (Conseil d'État, another administration)."""

    app: FastAPI
    agent: str
    other: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A data directory with the demo model trained once for the module."""
    with fresh_data_dir(tmp_path_factory.mktemp("greffe")) as settings:
        models_registry.ensure_demo_model(SERVICE)
        with session_scope() as s:
            accounts.create_user(s, "greffe@juradm.fr", PASSWORD, name="Greffe", administrations=["CE"])
            accounts.create_user(s, "agent@autre.gouv.fr", PASSWORD, name="Autre", administrations=["AUTRE"])
        yield Site(create_app(settings, services={SERVICE.info.id: SERVICE}), "greffe@juradm.fr", "agent@autre.gouv.fr")


def sign_in(client: TestClient, email: str) -> str:
    """Log in through the form as one of this module's users; returns the session's CSRF token."""
    return sign_in_as(client, email, PASSWORD)


@pytest.fixture
def agent(site: Site) -> Iterator[tuple[TestClient, str]]:
    """A signed-in registry agent and the session's CSRF token."""
    with TestClient(site.app) as client:
        yield client, sign_in(client, site.agent)


def test_corpus_view_lists_series_without_personal_data(agent: tuple[TestClient, str]) -> None:
    """Series with size, courts, period, act, conclusions; no name, e-mail or phone of the demo corpus."""
    client, _ = agent
    page = client.get(f"{BASE}/series")
    assert page.status_code == 200
    assert "Séries du corpus" in page.text and "Conclusions communes" in page.text
    assert len(set(SERIES_RE.findall(page.text))) >= 3
    assert "annulation de l&#39;acte" in page.text or "annulation de l'acte" in page.text
    corpus = synthetic.generate(SERVICE.demo_size, seed=0)
    for text in corpus["text"].head(300):
        for email in re.findall(r"[\w.]+@[\w.]+\.fr", text):
            assert email not in page.text
    filtered = client.get(f"{BASE}/series", params={"juridiction": "Juridiction inconnue"})
    assert "Aucune série ne correspond" in filtered.text


def test_series_page_and_decisions_with_csrf(agent: tuple[TestClient, str]) -> None:
    """Confirm and rename persist and show; a post without the CSRF token is refused."""
    client, csrf = agent
    sid = SERIES_RE.findall(client.get(f"{BASE}/series").text)[0]
    page = client.get(f"{BASE}/series/{sid}")
    assert page.status_code == 200 and "Tête de série" in page.text and "[NOM]" in page.text
    refused = client.post(f"{BASE}/series/{sid}/decision", data={"action": "confirm"})
    assert refused.status_code == 403
    done = client.post(f"{BASE}/series/{sid}/decision", data={"action": "confirm", "csrf_token": csrf},
                       follow_redirects=False)
    assert done.status_code == 303
    renamed = client.post(f"{BASE}/series/{sid}/decision",
                          data={"action": "rename", "nom": "Série des pylônes", "csrf_token": csrf})
    assert renamed.status_code == 200 and "Série des pylônes" in renamed.text and "Confirmée" in renamed.text
    stored = decisions.load()
    assert [d.action for d in stored][-2:] == ["confirm", "rename"] and stored[-1].user_email == "greffe@juradm.fr"
    empty_split = client.post(f"{BASE}/series/{sid}/decision", data={"action": "split", "csrf_token": csrf})
    assert empty_split.status_code == 400 and "cochez" in empty_split.text


def test_registration_answers_with_series_and_highlights(agent: tuple[TestClient, str]) -> None:
    """A follow-up requête of a demo template series is registered to it, shared passages marked, identity masked."""
    client, csrf = agent
    data = synthetic.generate(SERVICE.demo_size, seed=0, follow_up=30, follow_seed=4).iloc[SERVICE.demo_size:]
    row = data[(data["series_style"] == "modele") & data["ocr_confidence"].isna()].iloc[0]
    answer = client.post(f"{BASE}/enregistrer", data={"texte": row["text"], "numero": "2412345",
                                                      "juridiction": row["court"], "csrf_token": csrf})
    assert answer.status_code == 200
    assert "Appartient à une série" in answer.text and "<mark>" in answer.text
    assert "[NOM]" in answer.text or "[ADRESSE]" in answer.text
    empty = client.post(f"{BASE}/enregistrer", data={"texte": " ", "csrf_token": csrf})
    assert empty.status_code == 422 and "Collez le texte" in empty.text


def test_other_administrations_are_refused(site: Site) -> None:
    """Agents of another administration get 403 on every page of the service."""
    with TestClient(site.app) as client:
        sign_in(client, site.other)
        for url in (f"{BASE}/series", f"{BASE}/enregistrer", f"{BASE}/series/S-1"):
            assert client.get(url).status_code == 403
