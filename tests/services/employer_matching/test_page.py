"""The coding page: a bulletin and its ten candidates, manual register search, the agent's pick as feedback."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_site import fresh_data_dir
from service_site import sign_in as sign_in_as

from iapublique.core import accounts, feedback, models_registry
from iapublique.core.store.db import session_scope
from iapublique.services.employer_matching import EmployerMatchingService
from iapublique.web.app import create_app

SERVICE = EmployerMatchingService()
PASSWORD = "mot-de-passe-insee-42"
ITEM_RE = re.compile(r'name="item" value="([^"]+)"')
SIRET_RE = re.compile(r'name="siret" value="(\d{14})"')
BASE = "/services/employer_matching"


@dataclass
class Site:
    """The application over employer_matching and the e-mail of an INSEE coding agent and of an outsider."""

    app: FastAPI
    agent: str
    other: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A data directory with the demo model (demo register of 100,000 establishments) trained once."""
    with fresh_data_dir(tmp_path_factory.mktemp("insee")) as settings:
        models_registry.ensure_demo_model(SERVICE)
        with session_scope() as s:
            accounts.create_user(s, "codeur@insee.fr", PASSWORD, name="Codeur", administrations=["INSEE"])
            accounts.create_user(s, "agent@autre.gouv.fr", PASSWORD, name="Autre", administrations=["AUTRE"])
        yield Site(create_app(settings, services={SERVICE.info.id: SERVICE}), "codeur@insee.fr", "agent@autre.gouv.fr")


def sign_in(client: TestClient, email: str) -> str:
    """Log in through the form as one of this module's users; returns the session's CSRF token."""
    return sign_in_as(client, email, PASSWORD)


def test_a_bulletin_shows_ten_candidates_and_the_pick_is_stored(site: Site) -> None:
    with TestClient(site.app) as client:
        csrf = sign_in(client, site.agent)
        page = client.get(BASE)
        assert page.status_code == 200 and "Bulletin à coder" in page.text
        coded = client.post(f"{BASE}/codage", data={"csrf_token": csrf, "bulletin_id": "B-1",
                                                    "employer_name": "Mairie de Lyon", "commune": "Lyon",
                                                    "departement": "69", "residence_code": "69123"})
        assert coded.status_code == 200, coded.text
        text = html.unescape(coded.text)
        assert "Dix établissements candidats" in text and "COMMUNE DE LYON" in text
        assert "<mark" in coded.text and "Probabilité que le premier établissement soit le bon" in text
        token = ITEM_RE.findall(coded.text)[0]
        first_siret = SIRET_RE.findall(coded.text)[0]

        found = client.post(f"{BASE}/recherche", data={"csrf_token": csrf, "item": token, "nom": "commune de lyon",
                                                       "commune": "Lyon"})
        assert found.status_code == 200 and "Établissements trouvés" in html.unescape(found.text)
        assert first_siret in found.text

        picked = client.post(f"{BASE}/choix", data={"csrf_token": csrf, "item": token, "siret": first_siret})
        assert picked.status_code == 200 and "Choix enregistré" in html.unescape(picked.text)
        refused = client.post(f"{BASE}/choix", data={"csrf_token": csrf, "item": token + "x", "siret": first_siret})
        assert refused.status_code == 400
        unknown = client.post(f"{BASE}/choix", data={"csrf_token": csrf, "item": token, "siret": "12345678901234"})
        assert unknown.status_code == 422
        nc = client.post(f"{BASE}/choix", data={"csrf_token": csrf, "item": token, "motif": "travail à domicile"})
        assert nc.status_code == 200
    with session_scope() as s:
        stored = feedback.list_feedback(s, SERVICE.info.id, item_key="B-1")
        assert [fb.value.get("siret") for fb in stored] == [first_siret, ""]
        assert stored[0].verdict == "confirm" and stored[1].value["noncodable"] == "travail à domicile"
        rows = SERVICE.feedback_rows(feedback.export(s, SERVICE.info.id))
    assert list(rows["bulletin_id"]) == ["B-1"] and rows["noncodable_reason"].iloc[0] == "travail à domicile"


def test_demo_bulletin_and_empty_form(site: Site) -> None:
    with TestClient(site.app) as client:
        csrf = sign_in(client, site.agent)
        demo = client.post(f"{BASE}/codage", data={"csrf_token": csrf, "demo": "4"})
        assert demo.status_code == 200 and "Proposition pour le bulletin" in html.unescape(demo.text)
        empty = client.post(f"{BASE}/codage", data={"csrf_token": csrf, "bulletin_id": "x"})
        assert empty.status_code == 422 and "Indiquez au moins" in html.unescape(empty.text)


def test_other_administrations_cannot_code(site: Site) -> None:
    with TestClient(site.app) as client:
        csrf = sign_in(client, site.other)
        refused = client.post(f"{BASE}/codage", data={"csrf_token": csrf, "employer_name": "Mairie"})
        assert refused.status_code == 403
