"""Real browser: log in, open every service page, run the demo, see results, download a file; axe-core on every page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

Axe = Callable[[Any], list[dict[str, Any]]]


def describe(violations: list[dict[str, Any]]) -> str:
    """A readable list of axe violations for assertion messages."""
    return "; ".join(
        f"{v['id']} ({v['impact']}) : {[(n['target'], n.get('failureSummary', '')[:160]) for n in v['nodes'][:4]]}"
        for v in violations
    )


def test_every_service_page_runs_its_demo_and_takes_feedback(page: Any, live_site: Any, axe: Axe) -> None:
    for service_id, service in sorted(live_site.services.items()):
        page.goto(f"{live_site.url}/")
        page.click(f"a[href='/services/{service_id}']")
        page.wait_for_url(f"{live_site.url}/services/{service_id}")
        assert page.locator("h1").inner_text() == service.info.title
        page.click("button:has-text('Essayer avec les données de démonstration')")
        table = page.locator("#resultats table")
        table.wait_for()
        rows = table.locator("tbody tr")
        assert rows.count() == min(len(service.demo_batch()), 200)
        first_score = rows.first.locator("td.iap-score").inner_text()
        assert "," in first_score or first_score in ("0", "1")
        assert service.info.id in rows.first.locator("code").inner_text()
        violations = axe(page)
        assert not violations, f"{service_id} (résultats) : {describe(violations)}"
        rows.first.locator("button:has-text('Confirmer')").click()
        page.locator("#avis-1 .fr-valid-text").wait_for()
        assert "confirmation" in page.locator("#avis-1").inner_text()


def test_upload_follow_job_and_download_csv(page: Any, live_site: Any, tmp_path: Any) -> None:
    source = tmp_path / "lot.csv"
    source.write_text("identifiant;x1;x2\nN1;1,5;0\nN2;-1;2\nN3;0;0\n", encoding="utf-8")
    page.goto(f"{live_site.url}/services/toy")
    page.set_input_files("#fichier", str(source))
    page.click("button:has-text('Déposer et traiter')")
    page.wait_for_url(f"{live_site.url}/travaux/*")
    page.locator("text=Traitement terminé").wait_for()
    with page.expect_download() as info:
        page.click("a:has-text('Télécharger en CSV')")
    content = Path(info.value.path()).read_bytes()
    assert content.startswith("\ufeffident;score".encode())
    lines = content.decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in lines[1:]] == ["N1", "N2", "N3"]
    with page.expect_download() as info:
        page.click("a:has-text('Télécharger en Parquet')")
    assert Path(info.value.path()).read_bytes()[:4] == b"PAR1"


SKIPPED_LINKS = re.compile(r"\.(csv|parquet|json)$|telecharg|export|/fiche$|/avis|deconnexion")
"""Links the crawl does not follow: downloads, the model card (already checked), actions."""


def deeper_pages(page: Any, site: str, service_id: str, limit: int = 8) -> list[str]:
    """A service's own pages reachable from its main page (series, workers, declarations…), one per route shape.

    Pages are found by following links, so a service's new pages are checked without touching this test.
    """
    base = f"/services/{service_id}"
    page.goto(f"{site}{base}")
    hrefs = page.eval_on_selector_all(f"a[href^='{base}/']", "links => links.map(a => a.getAttribute('href'))")
    found: dict[str, str] = {}
    for href in hrefs:
        path = href.split("#")[0]
        shape = re.sub(r"[0-9]+", "N", path.split("?")[0])
        if path and not SKIPPED_LINKS.search(path.split("?")[0]) and shape not in found:
            found[shape] = path
    return list(found.values())[:limit]


def test_no_serious_accessibility_violation_on_any_page(page: Any, live_site: Any, browser: Any, axe: Axe) -> None:
    urls = ["/", "/travaux", "/accessibilite", "/page-absente", "/api/v1/docs"]
    for service_id in sorted(live_site.services):
        urls += [f"/services/{service_id}", f"/services/{service_id}/fiche"]
    page.goto(f"{live_site.url}/services/toy")
    page.fill("#champ-ident", "A11Y")
    page.fill("#champ-x1", "deux")
    page.fill("#champ-x2", "1")
    page.click("button:has-text('Analyser')")
    page.locator("#resultats .fr-alert--error").wait_for()
    failures = {"formulaire en erreur": axe(page)}
    for url in urls:
        page.goto(f"{live_site.url}{url}")
        failures[url] = axe(page)
    for service_id in sorted(live_site.services):
        for url in deeper_pages(page, live_site.url, service_id):
            page.goto(f"{live_site.url}{url}")
            failures[url] = axe(page)
    anonymous = browser.new_context(bypass_csp=True)
    try:
        login = anonymous.new_page()
        login.goto(f"{live_site.url}/connexion")
        failures["/connexion"] = axe(login)
    finally:
        anonymous.close()
    bad = {url: describe(v) for url, v in failures.items() if v}
    assert not bad, bad
