"""Browser fixtures: a real uvicorn server on a free port, Debian's chromium driven by Playwright, axe-core.

Skipped with a clear reason when chromium, axe-core (npm) or the DSFR static files are absent.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from toy_service import ToyService

from iapublique.core import accounts, models_registry, registry
from iapublique.core.service import Service
from iapublique.core.store.db import dispose_engines, init_db, session_scope
from iapublique.settings import Settings, get_settings
from iapublique.web.app import create_app
from iapublique.web.templating import STATIC

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "mot-de-passe-navigateur-1"


def _skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "paquet Python playwright absent (pip install playwright)"
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        return "chromium absent : apt-get install -y chromium"
    if not AXE.exists():
        return "axe-core absent : npm install --ignore-scripts à la racine du projet"
    if not (STATIC / "dsfr" / "dsfr.min.css").exists():
        return "DSFR non copié : python scripts/install_assets.py"
    return None


@dataclass
class LiveSite:
    """The running server: its address, its services and the test account."""

    url: str
    services: dict[str, Service]
    email: str
    password: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """A uvicorn server over the registered services and the toy service, with demo models and an admin agent."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    data_dir = tmp_path_factory.mktemp("navigateur")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IAPUBLIQUE_DATA_DIR", str(data_dir))
        mp.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "true")
        mp.delenv("IAPUBLIQUE_DATABASE_URL", raising=False)
        mp.delenv("IAPUBLIQUE_ENGINE", raising=False)
        get_settings.cache_clear()
        from iapublique.core import jobs

        jobs.reset()
        settings: Settings = get_settings()
        settings.ensure_dirs()
        init_db()
        services: dict[str, Service] = {**registry.services(), "toy": ToyService()}
        for service in services.values():
            models_registry.ensure_demo_model(service)
        email = "agent.navigateur@plateforme.gouv.fr"
        with session_scope() as s:
            admins = sorted({svc.info.administration for svc in services.values()})
            accounts.create_user(s, email, PASSWORD, name="Agent de test", administrations=admins)
        app = create_app(settings, services=services)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("le serveur uvicorn n'a pas démarré")
            time.sleep(0.05)
        try:
            yield LiveSite(f"http://127.0.0.1:{port}", services, email, PASSWORD)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            dispose_engines()
            jobs.reset()
            get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser(live_site: LiveSite) -> Iterator[Any]:
    """Debian's chromium, headless, without any network feature of its own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_site: LiveSite) -> Iterator[Any]:
    """A fresh, signed-in page (CSP bypassed only so axe-core can be injected)."""
    context = browser.new_context(bypass_csp=True, accept_downloads=True, locale="fr-FR")
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"{live_site.url}/connexion")
    tab.fill("#email", live_site.email)
    tab.fill("#mot_de_passe", live_site.password)
    tab.click("button[type=submit]:has-text('Se connecter')")
    tab.wait_for_url(f"{live_site.url}/")
    try:
        yield tab
    finally:
        context.close()


def axe_violations(tab: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


@pytest.fixture
def axe() -> Any:
    """The axe-core checker, as a fixture: ``axe(page) -> serious/critical violations``."""
    return axe_violations
