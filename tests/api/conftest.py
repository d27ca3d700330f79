"""Fixtures of the API and page tests: an application over the toy service, users of two administrations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from toy_service import ToyService

from iapublique.core import accounts
from iapublique.core.store.db import session_scope
from iapublique.core.store.models import StoredModel
from iapublique.settings import Settings
from iapublique.web.app import create_app

PASSWORD = "mot-de-passe-solide-42"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Account:
    """A test user: e-mail, password and API token."""

    email: str
    token: str


@pytest.fixture
def accounts_by_role(db: Session) -> dict[str, Account]:
    """An agent of the toy service's administration, an agent of another one, and an admin."""
    out = {}
    with session_scope() as s:
        for role, email, admins, is_admin in (
            ("agent", "agent@essai.gouv.fr", ["ESSAI"], False),
            ("other", "autre@autre.gouv.fr", ["AUTRE"], False),
            ("admin", "admin@plateforme.gouv.fr", [], True),
        ):
            user = accounts.create_user(s, email, PASSWORD, name=role, administrations=admins, is_admin=is_admin)
            out[role] = Account(email, accounts.issue_token(s, user, label="tests"))
    return out


@pytest.fixture
def app(tmp_settings: Settings, toy_model: StoredModel, toy_service: ToyService) -> FastAPI:
    """The application over the toy service only (its demo model trained)."""
    return create_app(tmp_settings, services={"toy": toy_service})


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An anonymous client (lifespan run: database migrated)."""
    with TestClient(app) as c:
        yield c


def csrf_of(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    found = CSRF_RE.search(html)
    assert found, "aucun jeton CSRF dans la page"
    return found.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token for later forms."""
    page = client.get("/connexion")
    assert page.status_code == 200
    done = client.post(
        "/connexion",
        data={"email": email, "mot_de_passe": password, "csrf_token": csrf_of(page.text), "suivant": "/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    home = client.get("/")
    assert home.status_code == 200
    return csrf_of(home.text)


@pytest.fixture
def agent(app: FastAPI, accounts_by_role: dict[str, Account]) -> Iterator[tuple[TestClient, str]]:
    """A browser session of the toy administration's agent, with its CSRF token."""
    with TestClient(app) as c:
        yield c, login(c, accounts_by_role["agent"].email)


@pytest.fixture
def headers(accounts_by_role: dict[str, Account]) -> dict[str, dict[str, str]]:
    """Authorization headers of each role's API token."""
    return {role: {"Authorization": f"Bearer {a.token}"} for role, a in accounts_by_role.items()}


@pytest.fixture
def sign_in() -> object:
    """The login helper, as a fixture: ``sign_in(client, email) -> csrf token``."""
    return login


@pytest.fixture
def page_csrf() -> object:
    """The helper reading the CSRF token of a page: ``page_csrf(html) -> token``."""
    return csrf_of
