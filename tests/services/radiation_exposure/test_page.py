"""Pages of radiation_exposure: alert queue with filters and feedback, worker view, dashboard, employer scope."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from iapublique.core import accounts, feedback, models_registry
from iapublique.core.store.db import dispose_engines, init_db, session_scope
from iapublique.core.store.models import Feedback
from iapublique.services.radiation_exposure import RadiationExposureService, charts
from iapublique.services.radiation_exposure.schema import KIND_LABELS, SEVERITIES
from iapublique.services.radiation_exposure.synthetic import TRUTH_COLUMNS, generate
from iapublique.services.radiation_exposure.web import demo_population_path
from iapublique.settings import get_settings
from iapublique.web.app import create_app

PASSWORD = "mot-de-passe-solide-42"
BASE = "/services/radiation_exposure"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW_RE = re.compile(r'<tr>\s*(<th scope="row" class="fr-cell--multiline">'
                    r'<span class="fr-text--sm">n° \d+</span>.*?)</tr>', re.S)
DEMO_WORKERS = 40
"""A small demo register keeps these tests to a few seconds."""


@dataclass
class Site:
    """The application, the service, the scored demo population and the e-mails of each role."""

    client: TestClient
    service: RadiationExposureService
    population: pd.DataFrame
    scoped_siret: str
    emails: dict[str, str]


def csrf_of(page: str) -> str:
    """The CSRF token embedded in a page's forms."""
    found = CSRF_RE.search(page)
    assert found, "aucun jeton CSRF dans la page"
    return found.group(1)


def sign_in(client: TestClient, email: str) -> str:
    """Log in through the form; returns the session's CSRF token."""
    client.cookies.clear()
    form = client.get("/connexion")
    done = client.post("/connexion", data={"email": email, "mot_de_passe": PASSWORD, "csrf_token": csrf_of(form.text),
                                           "suivant": "/"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/").text)


def queue_rows(page: str) -> list[str]:
    """The rows of the alert table of a page (HTML of each row, in display order)."""
    start = page.index('id="file-alertes"')
    section = page[start:page.index("</section>", start)]
    return list(ROW_RE.findall(section))


def tokens_of(page: str) -> list[str]:
    """The signed alert tokens of the feedback forms, in display order, one per alert."""
    return list(dict.fromkeys(re.findall(r'name="item" value="([^"]+)"', page)))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The application over radiation_exposure alone (a demo register of 40 workers) and four users.

    Built once for the module (accounts and the model take most of the time); tests that store feedback
    or submit a job compare with what was there before them.
    """
    from iapublique.core import jobs

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IAPUBLIQUE_DATA_DIR", str(tmp_path_factory.mktemp("radioprotection")))
        mp.setenv("IAPUBLIQUE_JOBS_IMMEDIATE", "true")
        mp.delenv("IAPUBLIQUE_DATABASE_URL", raising=False)
        mp.delenv("IAPUBLIQUE_ENGINE", raising=False)
        get_settings.cache_clear()
        jobs.reset()
        init_db()
        service = RadiationExposureService()
        mp.setattr(service, "demo_size", DEMO_WORKERS)
        models_registry.ensure_demo_model(service)
        data = models_registry.demo_data(service)
        model, _ = models_registry.load(service)
        records = data.drop(columns=list(TRUTH_COLUMNS))
        results = service.run(model, records).drop(columns=["record_id", "worker_id", "employer_siret"])
        population = pd.concat([records, results], axis=1)
        per_employer = population[population["alert"]].groupby("employer_siret")["worker_id"].nunique()
        scoped = str(per_employer.sort_values().index[0])
        emails = {"expert": "expert@irsn.fr", "employeur": "medecin@employeur.fr", "autre": "agent@autre.gouv.fr",
                  "admin": "admin@plateforme.gouv.fr"}
        with session_scope() as s:
            accounts.create_user(s, emails["expert"], PASSWORD, administrations=["IRSN"])
            doctor = accounts.create_user(s, emails["employeur"], PASSWORD)
            accounts.add_membership(s, doctor, "IRSN", scoped)
            accounts.create_user(s, emails["autre"], PASSWORD, administrations=["AUTRE"])
            accounts.create_user(s, emails["admin"], PASSWORD, is_admin=True)
        with TestClient(create_app(get_settings(), services={"radiation_exposure": service})) as client:
            yield Site(client, service, population, scoped, emails)
        dispose_engines()
        jobs.reset()
        get_settings.cache_clear()


def stored_feedback() -> list[Feedback]:
    """Every feedback of the service, oldest first."""
    with session_scope() as s:
        return feedback.list_feedback(s, "radiation_exposure")


def test_queue_ranks_every_alert_of_the_demo_population(site: Site) -> None:
    sign_in(site.client, site.emails["expert"])
    page = site.client.get(BASE)
    assert page.status_code == 200
    text = page.text
    assert "File des alertes" in text and "données de démonstration (40 travailleurs simulés" in text
    assert demo_population_path(site.service).exists()
    alerts = site.population[site.population["alert"]]
    assert f"{len(alerts)} alertes" in text
    for name in ("secteur", "employeur", "type", "gravite", "avis"):
        assert f'<label class="fr-label" for="filtre-{name}">' in text
    rows = queue_rows(text)
    assert len(rows) == min(25, len(alerts))
    badges = [re.search(r"fr-badge--no-icon[^\"]*\">([^<]+)<", r) for r in rows]
    order = [SEVERITIES.index(b.group(1).lower().replace("é", "e")) for b in badges if b]
    assert len(order) == len(rows)
    assert order == sorted(order), "les alertes doivent être classées par gravité"
    best = min(alerts["severity"], key=SEVERITIES.index)
    top_score = float(alerts.loc[alerts["severity"] == best, "score"].max())
    shown_score = re.search(r"score ([\d,]+)<", rows[0]).group(1)  # type: ignore[union-attr]
    assert float(shown_score.replace(",", ".")) == pytest.approx(top_score, abs=0.005)
    assert "mSv" in rows[0] and "/travailleur/" in rows[0]
    if len(alerts) > 25:
        second = site.client.get(f"{BASE}?page=2")
        assert len(queue_rows(second.text)) == min(25, len(alerts) - 25)
        assert "Page précédente" in second.text


def test_filters_narrow_the_queue_with_and_without_htmx(site: Site) -> None:
    sign_in(site.client, site.emails["expert"])
    alerts = site.population[site.population["alert"]]
    kind = alerts["alert_kinds"].str.split(",").explode().value_counts().index[0]
    expected = alerts["alert_kinds"].str.split(",").map(lambda ks: kind in ks).sum()
    page = site.client.get(f"{BASE}?type={kind}")
    rows = queue_rows(page.text)
    assert len(rows) == min(25, expected)
    label = KIND_LABELS[kind][:1].upper() + KIND_LABELS[kind][1:]
    assert all(label in html.unescape(r) for r in rows)
    assert f'<option value="{kind}" selected>' in page.text

    sector = str(alerts["sector"].value_counts().index[-1])
    fragment = site.client.get(f"{BASE}/alertes?secteur={sector}&gravite=", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.headers["HX-Push-Url"] == f"{BASE}?secteur={sector}"
    rows = queue_rows(fragment.text)
    assert len(rows) == min(25, int((alerts["sector"] == sector).sum()))
    assert all(charts.sector_label(sector) in html.unescape(r) for r in rows)

    plain = site.client.get(f"{BASE}/alertes?gravite=reglementaire", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"{BASE}?gravite=reglementaire#file-alertes"
    nothing = site.client.get(f"{BASE}?secteur=inconnu")
    assert queue_rows(nothing.text) == [] and "Aucune alerte" in nothing.text


def test_confirm_reject_and_comment_are_stored_with_csrf(site: Site) -> None:
    csrf = sign_in(site.client, site.emails["expert"])
    before = len(stored_feedback())
    page = site.client.get(f"{BASE}?avis=a_traiter").text
    first, second = tokens_of(page)[:2]
    hx = {"HX-Request": "true"}
    done = site.client.post(f"{BASE}/alertes/avis", data={"csrf_token": csrf, "item": first, "verdict": "confirmer"},
                            headers=hx)
    assert done.status_code == 200 and "Alerte confirmée" in done.text
    rejected = site.client.post(f"{BASE}/alertes/avis", data={"csrf_token": csrf, "item": second,
                                                             "verdict": "rejeter"})
    assert rejected.status_code == 200 and "Avis enregistré" in rejected.text
    comment = site.client.post(f"{BASE}/alertes/avis", headers=hx, data={
        "csrf_token": csrf, "item": first, "verdict": "commenter", "commentaire": "Dosimètre oublié dans la zone."})
    assert comment.status_code == 200
    empty = site.client.post(f"{BASE}/alertes/avis", headers=hx,
                             data={"csrf_token": csrf, "item": first, "verdict": "commenter", "commentaire": " "})
    assert empty.status_code == 422
    assert site.client.post(f"{BASE}/alertes/avis", data={"item": first, "verdict": "confirmer"}).status_code == 403
    forged = site.client.post(f"{BASE}/alertes/avis", data={"csrf_token": csrf, "item": first[:-3] + "abc",
                                                           "verdict": "confirmer"})
    assert forged.status_code == 400

    stored = stored_feedback()[before:]
    assert [f.verdict for f in stored] == ["confirm", "correct", "comment"]
    assert stored[1].value == {"alert": False}
    assert stored[2].comment == "Dosimètre oublié dans la zone."
    assert stored[0].record["employer_siret"] and stored[0].result["alert"] is True
    assert stored[0].model_version.startswith("radiation_exposure-")
    confirmed, rejected_key = stored[0].item_key, stored[1].item_key
    rejected_page = site.client.get(f"{BASE}?avis=rejetee").text
    rows = [r for r in queue_rows(rejected_page) if rejected_key in r]
    assert len(rows) == 1 and "Rejetée le" in rows[0]
    todo = site.client.get(f"{BASE}?avis=a_traiter").text
    assert confirmed not in todo and rejected_key not in todo


def test_worker_view_shows_timeline_limits_projection_and_alerts(site: Site) -> None:
    sign_in(site.client, site.emails["expert"])
    alerts = site.population[site.population["alert"]]
    worker = str(alerts["worker_id"].value_counts().index[0])
    rows = site.population[site.population["worker_id"] == worker]
    page = site.client.get(f"{BASE}/travailleur/{worker}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2 and 'role="img"' in text
    assert text.count("<caption") >= 3
    assert str(rows["projection"].iloc[0]) in text
    eff = rows[rows["dosimetry_type"].isin(["passive_corps_entier", "interne"])]
    months = pd.to_datetime(eff["period_end"]).dt.to_period("M")
    expected_months = len(pd.period_range(months.min(), months.max(), freq="M"))
    timeline = text[text.index('id="titre-chronologie"'):text.index('id="titre-limites"')]
    assert timeline.count('<th scope="row">') == expected_months
    assert "Dose efficace (corps entier et interne)" in text
    assert text.count("Confirmer l'alerte de l'enregistrement") == int(rows["alert"].sum())
    assert site.client.get(f"{BASE}/travailleur/INCONNU").status_code == 404


def test_dashboard_trends_by_sector_and_employer(site: Site) -> None:
    sign_in(site.client, site.emails["admin"])
    page = site.client.get(f"{BASE}/tableau-de-bord")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert "Dose collective efficace par trimestre et par secteur" in text
    assert f"<td>{len(site.population)}</td>" in text
    by_employer = html.unescape(site.client.get(f"{BASE}/tableau-de-bord?par=employeur").text)
    assert "Alertes par trimestre et par employeur" in by_employer
    sector = str(site.population["sector"].value_counts().index[0])
    one = html.unescape(site.client.get(f"{BASE}/tableau-de-bord?secteur={sector}").text)
    assert f"(secteur {charts.sector_label(sector)})" in one
    n_sector = int((site.population["sector"] == sector).sum())
    assert f"<td>{n_sector:,}</td>".replace(",", "\u202f") in one


def test_employer_scope_limits_queue_worker_view_dashboard_and_feedback(site: Site) -> None:
    expert_csrf = sign_in(site.client, site.emails["expert"])
    expert_tokens = tokens_of(site.client.get(BASE).text)
    csrf = sign_in(site.client, site.emails["employeur"])
    page = site.client.get(BASE).text
    own = site.population[site.population["employer_siret"] == site.scoped_siret]
    label = charts.siret_label(site.scoped_siret)
    assert f"Périmètre restreint à l'employeur {label}" in html.unescape(page)
    rows = queue_rows(page)
    assert len(rows) == min(25, int(own["alert"].sum())) and rows
    assert all(f"SIRET {label}" in r for r in rows)
    options = re.findall(r'<option value="(\d{14})"', page)
    assert options == [site.scoped_siret]

    others = site.population[site.population["employer_siret"] != site.scoped_siret]
    assert site.client.get(f"{BASE}/travailleur/{others['worker_id'].iloc[0]}").status_code == 404
    assert site.client.get(f"{BASE}/travailleur/{own['worker_id'].iloc[0]}").status_code == 200

    dashboard = html.unescape(site.client.get(f"{BASE}/tableau-de-bord?par=employeur").text)
    shown = set(re.findall(r'<th scope="row">(\d{3} \d{3} \d{3} \d{5})</th>', dashboard))
    assert shown == {label}
    assert f"<td>{len(own)}</td>" in dashboard

    foreign = [t for t in expert_tokens if t not in tokens_of(page)]
    assert foreign, "l'expert doit voir des alertes d'autres employeurs"
    before = len(stored_feedback())
    refused = site.client.post(f"{BASE}/alertes/avis", data={"csrf_token": csrf, "item": foreign[0],
                                                            "verdict": "confirmer"})
    assert refused.status_code == 403 and len(stored_feedback()) == before
    assert expert_csrf != csrf


def test_other_administration_and_anonymous_are_refused_everywhere(site: Site) -> None:
    worker = str(site.population["worker_id"].iloc[0])
    own = [(method, BASE + route.path.replace("{worker_id}", worker))  # type: ignore[attr-defined]
           for route in site.service.web_router().routes for method in sorted(route.methods)]  # type: ignore[attr-defined]
    assert {path for _, path in own} >= {f"{BASE}/alertes", f"{BASE}/alertes/avis", f"{BASE}/travailleur/{worker}",
                                         f"{BASE}/tableau-de-bord"}
    routes = [("GET", BASE), ("GET", f"{BASE}/fiche"), *own]
    site.client.cookies.clear()
    for method, url in routes:
        anonymous = site.client.request(method, url, follow_redirects=False)
        assert anonymous.status_code == 303, (method, url, anonymous.status_code)
        assert anonymous.headers["location"].startswith("/connexion?suivant=")
    sign_in(site.client, site.emails["expert"])
    token = tokens_of(site.client.get(BASE).text)[0]
    before = len(stored_feedback())
    csrf = sign_in(site.client, site.emails["autre"])
    for method, url in routes:
        data = {"csrf_token": csrf, "item": token, "verdict": "confirmer"} if method == "POST" else None
        answer = site.client.request(method, url, data=data, follow_redirects=False)
        assert answer.status_code == 403, (method, url, answer.status_code)
        assert "réservé aux agents de l&#39;administration IRSN" in answer.text
    assert len(stored_feedback()) == before


def test_latest_finished_job_replaces_the_demo_population(site: Site, tmp_path: Path) -> None:
    csrf = sign_in(site.client, site.emails["expert"])
    register = generate(12, months=24, seed=9).drop(columns=list(TRUTH_COLUMNS))
    register["worker_id"] = "J-" + register["worker_id"].astype(str)
    source = tmp_path / "registre.csv"
    register.to_csv(source, index=False, sep=";")
    sent = site.client.post(f"{BASE}/fichier", data={"csrf_token": csrf},
                            files={"fichier": ("registre.csv", source.read_bytes(), "text/csv")},
                            follow_redirects=False)
    assert sent.status_code == 303, sent.text
    job_id = int(sent.headers["location"].rsplit("/", 1)[1])
    page = html.unescape(site.client.get(BASE).text)
    assert f"travail n° {job_id} (fichier « registre.csv »" in page
    workers = set(re.findall(r"/travailleur/([^\"]+)\"", page))
    assert workers and all(w.startswith("J-") for w in workers)
    worker = sorted(workers)[0]
    assert site.client.get(f"{BASE}/travailleur/{worker}").status_code == 200

    from iapublique.core import jobs

    with session_scope() as s:
        job = jobs.get_job(s, job_id)
        assert job is not None
        Path(job.output_path).unlink()
    back = html.unescape(site.client.get(BASE).text)
    assert "données de démonstration" in back and f"travail n° {job_id}" not in back


def test_charts_tables_carry_the_plotted_figures(site: Site) -> None:
    pop = site.population
    collective = charts.collective_dose_trends(pop, pop, by="sector")
    dose, usable = charts.effective_dose(pop, pop)
    total = sum(float(r[-1].replace("\u202f", "").replace(",", ".")) for r in collective.rows)
    chosen = pop["sector"].isin([k for k, v in charts.SECTOR_LABELS.items() if v in {r[0] for r in collective.rows}])
    assert total == pytest.approx(float(dose[usable & chosen.to_numpy()].sum()), abs=0.01 * len(collective.rows))
    alerts = charts.alert_trends(pop, pop, by="employer_siret")
    chosen = pop["employer_siret"].isin([r[0].replace(" ", "") for r in alerts.rows])
    assert sum(int(r[-3]) for r in alerts.rows) == int(pop.loc[chosen, "alert"].sum())
    for row in alerts.rows:
        assert sum(int(v) for v in row[1:-3]) + int(row[-1]) == int(row[-3])
    trusted = pop[~pop["alert_kinds"].str.contains("date_incoherente")]
    years = set(pd.to_datetime(trusted["period_end"]).dt.year.astype(str))
    assert all(c.split()[1] in years for c in alerts.columns[1:-3]), "une date aberrante étire l'axe du temps"
    assert all(re.fullmatch(r"\d{3} \d{3} \d{3} \d{5}", r[0]) for r in alerts.rows)
    assert collective.svg.startswith("<svg") and collective.svg.count("<polyline") == len(collective.rows)


def test_limit_gauges_use_the_threshold_of_the_worker() -> None:
    months = pd.date_range("2024-01-31", periods=12, freq="ME")
    records = pd.DataFrame({
        "worker_id": "B1", "year_of_birth": 1980, "category": "B", "dosimetry_type": "passive_corps_entier",
        "period_end": months, "dose_msv": 0.75,
    })
    results = pd.DataFrame({"rolling_12m_msv": np.cumsum(np.full(12, 0.75))})
    chart = charts.limit_gauges(records, results, "B1")
    assert chart.rows == [["Dose efficace (corps entier et interne)", "9", "9", "6 (seuil de la catégorie B)", "150 %"]]
    assert 'fill="#e1000f"' in chart.svg
    minor = records.assign(category="A", year_of_birth=2007, dosimetry_type="cristallin")
    gauge = charts.limit_gauges(minor, results, "B1")
    assert gauge.rows[0][0] == "Dose équivalente au cristallin"
    assert gauge.rows[0][3] == "15 (limite des travailleurs de 16 à 18 ans)"
