"""Shared set-up of services' page tests: a fresh data directory with its database, and signing in by the form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from iapublique.core import jobs
from iapublique.core.store.db import dispose_engines, init_db
from iapublique.settings import Settings, get_settings

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def fresh_data_dir(data_dir: Path) -> Iterator[Settings]:
    """Settings on ``data_dir`` (SQLite, immediate jobs, local engine) with the schema created; reset after."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IAPUBLIQUE_DATA_DIR", str(data_dir))
        mp.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "true")
        mp.delenv("IAPUBLIQUE_DATABASE_URL", raising=False)
        mp.delenv("IAPUBLIQUE_ENGINE", raising=False)
        get_settings.cache_clear()
        jobs.reset()
        settings = get_settings()
        settings.ensure_dirs()
        init_db()
        try:
            yield settings
        finally:
            dispose_engines()
            jobs.reset()
            get_settings.cache_clear()


def sign_in(client: TestClient, email: str, password: str) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = client.get("/connexion")
    done = client.post(
        "/connexion",
        data={"email": email, "mot_de_passe": password, "csrf_token": CSRF_RE.findall(page.text)[0], "suivant": "/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return CSRF_RE.findall(client.get("/").text)[0]
