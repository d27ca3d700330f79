"""The targeting officers' page of customs_fraud: selection, filters, detail view, inspection results, access."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

try:  # FastAPI >= 0.160 includes routers lazily; this flattens them
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI lists every route in app.routes
    iter_route_contexts = None  # type: ignore[assignment]

from service_site import fresh_data_dir
from service_site import sign_in as sign_in_as

from iapublique.core import accounts, feedback, models_registry, runner
from iapublique.core.store.db import session_scope
from iapublique.core.store.models import AuditEntry
from iapublique.core.tables import column_names, read_frame
from iapublique.services.customs_fraud import CustomsFraudService
from iapublique.services.customs_fraud.charts import batch_reference, build_chart, model_reference, unit_value
from iapublique.services.customs_fraud.inspections import inspection_value, training_rows
from iapublique.services.customs_fraud.model import select_for_inspection
from iapublique.services.customs_fraud.schema import FRAUD_TYPE_LABELS, Record
from iapublique.services.customs_fraud.selection import (
    Lot,
    SelectionError,
    SelectionParams,
    demo_token,
    load_lot,
    select,
)
from iapublique.settings import Settings, get_settings
from iapublique.web.app import create_app

SERVICE = CustomsFraudService()
PASSWORD = "mot-de-passe-douane-42"
DETAIL_RE = re.compile(r'href="/services/customs_fraud/declaration/([^"?#]+)\?([^"#]*)"')
BASE = "/services/customs_fraud"


@dataclass
class Site:
    """The application over customs_fraud, its settings, and two agents (DGDDI and another administration)."""

    app: FastAPI
    settings: Settings
    agent: str
    other: str
    other_token: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A data directory with the demo model trained once for the module (3,000 declarations)."""
    with fresh_data_dir(tmp_path_factory.mktemp("douane")) as settings:
        models_registry.fit_and_store(SERVICE, SERVICE.demo_data(3_000, seed=0), "default", source="tests")
        with session_scope() as s:
            accounts.create_user(s, "cibleur@douane.gouv.fr", PASSWORD, name="Cibleur", administrations=["DGDDI"])
            other = accounts.create_user(s, "agent@autre.gouv.fr", PASSWORD, name="Autre", administrations=["AUTRE"])
            token = accounts.issue_token(s, other, label="tests")
        yield Site(
            create_app(settings, services={"customs_fraud": SERVICE}),
            settings,
            "cibleur@douane.gouv.fr",
            "agent@autre.gouv.fr",
            token,
        )


def sign_in(client: TestClient, email: str) -> str:
    """Log in through the form as one of this module's users; returns the session's CSRF token."""
    return sign_in_as(client, email, PASSWORD)


@pytest.fixture
def officer(site: Site) -> Iterator[tuple[TestClient, str]]:
    """A signed-in DGDDI targeting officer and the session's CSRF token."""
    with TestClient(site.app) as client:
        yield client, sign_in(client, site.agent)


@pytest.fixture(scope="module")
def demo_scores(site: Site) -> pd.DataFrame:
    """The demo batch scored directly through the runner (the reference the page must agree with)."""
    batch = SERVICE.demo_batch()
    results = runner.score(SERVICE, batch)
    return batch.assign(score=results["score"].to_numpy(), fraud_type=results["fraud_type"].to_numpy())


def demo_selection(client: TestClient, csrf: str, **fields: str) -> Any:
    """Post the lot form for the demo batch, as htmx does (the selection fragment comes back)."""
    return client.post(
        f"{BASE}/lot", data={"csrf_token": csrf, "source": "demo", **fields}, headers={"HX-Request": "true"}
    )


def lot_token(response: Any) -> str:
    """The lot token a selection answer refers to."""
    found = re.search(r'name="lot" value="([^"]+)"', response.text)
    assert found, "aucun jeton de lot dans la réponse"
    return found.group(1)


def selection_csv(client: TestClient, query: str) -> pd.DataFrame:
    """The selection downloaded as CSV."""
    response = client.get(f"{BASE}/selection.csv?{query}")
    assert response.status_code == 200, response.text
    assert response.content.startswith("\ufeff".encode())
    return pd.read_csv(io.StringIO(response.content.decode("utf-8-sig")), sep=";", dtype={"hs6_code": str})


def as_file(records: pd.DataFrame) -> bytes:
    """Records as a CSV file with the customs column names (« ; »-separated)."""
    shown = records.rename(columns=column_names(Record))
    buffer = io.StringIO()
    shown.to_csv(buffer, sep=";", index=False, date_format="%Y-%m-%d")
    return buffer.getvalue().encode("utf-8")


# ---- the page and the ranked selection ------------------------------------------------------------------


def test_page_offers_the_demo_batch_a_file_a_capacity_and_exploration(officer: tuple[TestClient, str]) -> None:
    client, _ = officer
    page = client.get(BASE)
    assert page.status_code == 200
    text = page.text
    assert "<h1>Ciblage des déclarations en douane</h1>" in text
    assert "Essayer avec les données de démonstration" in text and "Cibler le fichier déposé" in text
    for name in ('name="capacite"', 'name="unite"', 'name="exploration"', 'type="file"'):
        assert name in text
    assert 'value="10"' in text and "20 000" in text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "<script>" not in text and " onclick=" not in text


def test_the_generic_demo_route_still_renders_in_this_page(officer: tuple[TestClient, str]) -> None:
    client, csrf = officer
    page = client.post(f"{BASE}/demo", data={"csrf_token": csrf})
    assert page.status_code == 200 and "Préparer le ciblage" in page.text
    assert "Résultats (4\u202f000 éléments) — données de démonstration" in page.text


def test_demo_selection_is_the_top_of_the_ranking_plus_the_exploration_draw(
    officer: tuple[TestClient, str], demo_scores: pd.DataFrame
) -> None:
    client, csrf = officer
    answer = demo_selection(client, csrf, capacite="120", unite="nombre", exploration="10")
    assert answer.status_code == 200, answer.text[:500]
    token = lot_token(answer)
    assert answer.headers["HX-Push-Url"].startswith(f"{BASE}/selection?lot={token}")
    rows = answer.text.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    assert rows == 120
    assert answer.text.count(">Exploration</p>") == 12
    shown = [html.unescape(k) for k, _ in DETAIL_RE.findall(answer.text)]
    assert len(shown) == 120
    # the same selection computed directly: the 108 best scores, then 12 drawn below the cut
    order = np.argsort(-demo_scores["score"].to_numpy(), kind="stable")
    ids = demo_scores["declaration_id"].to_numpy()
    assert shown[:108] == list(ids[order[:108]])
    below = set(ids[order[108:]])
    assert set(shown[108:]) <= below and len(set(shown[108:])) == 12
    # French figures, suspected fraud, duty at stake, drivers, model version, feedback
    first = answer.text.split("<tbody>")[1].split("</tr>")[0]
    assert re.search(r'<td class="iap-score">\d{1,3},\d[ \u00a0\u202f]%</td>', first)
    assert re.search(r"\d&nbsp;€</td>", first)
    assert "augmente le risque" in first and '<code class="fr-text--xs">customs_fraud' in first
    assert "Confirmer" in first and 'id="avis-1"' in first
    types = set(demo_scores.loc[demo_scores["declaration_id"].isin(shown[:108]), "fraud_type"].dropna())
    assert types
    for kind in types:
        assert FRAUD_TYPE_LABELS[kind] in answer.text


def test_share_capacity_and_filters_by_office_chapter_and_dates(
    officer: tuple[TestClient, str], demo_scores: pd.DataFrame
) -> None:
    client, csrf = officer
    token = lot_token(demo_selection(client, csrf))
    office = demo_scores["office_id"].value_counts().index[0]
    chapter = demo_scores["hs6_code"].str[:2].value_counts().index[0]
    dates = pd.to_datetime(demo_scores["date"])
    ordered = dates.sort_values().dt.date.to_numpy()
    start, end = ordered[len(ordered) // 4], ordered[3 * len(ordered) // 4]
    in_scope = (
        (demo_scores["office_id"] == office)
        & (demo_scores["hs6_code"].str[:2] == chapter)
        & (dates.dt.date >= start)
        & (dates.dt.date <= end)
    )
    n_scope = int(in_scope.sum())
    assert n_scope >= 10
    query = f"lot={token}&capacite=20&unite=part&exploration=0&bureau={office}&chapitre={chapter}&du={start}&au={end}"
    table = selection_csv(client, query)
    assert len(table) == round(0.2 * n_scope)
    assert (table["office_id"] == office).all() and table["hs6_code"].str.startswith(chapter).all()
    chosen = pd.to_datetime(table["date"]).dt.date
    assert ((chosen >= start) & (chosen <= end)).all()
    assert (table["exploration"] == "non").all()
    # without exploration the selection is exactly the best scores of the scope
    best = demo_scores[in_scope].sort_values("score", ascending=False, kind="stable").head(len(table))
    assert list(table["declaration_id"]) == list(best["declaration_id"])
    assert table["score"].is_monotonic_decreasing
    page = client.get(f"{BASE}/selection?{query}", headers={"HX-Request": "true"})
    assert page.status_code == 200 and "<html" not in page.text
    assert f'<option value="{office}" selected>' in page.text and f'<option value="{chapter}" selected>' in page.text
    full = client.get(f"{BASE}/selection?{query}")
    assert "<html" in full.text and "Déclarations à contrôler" in full.text


def test_large_selections_are_paged(officer: tuple[TestClient, str]) -> None:
    client, csrf = officer
    token = lot_token(demo_selection(client, csrf))
    second = client.get(f"{BASE}/selection?lot={token}&capacite=450&unite=nombre&page=2")
    assert second.status_code == 200
    body = second.text.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 200 and 'id="avis-201"' in body and 'id="avis-401"' not in body
    assert "page 2 sur 3" in second.text and 'aria-current="page" title="Page 2"' in second.text
    third = client.get(f"{BASE}/selection?lot={token}&capacite=450&unite=nombre&page=3")
    assert third.text.split("<tbody>")[1].count("<tr>") == 50


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("capacite=-3&unite=nombre", "Capacité invalide"),
        ("capacite=2,5&unite=nombre", "nombre entier"),
        ("capacite=150&unite=part", "entre 0 et 100"),
        ("exploration=80", "Part d&#39;exploration invalide"),
        ("chapitre=6A", "Chapitre du SH invalide"),
        ("du=2024-05-01&au=2024-04-01", "la date de fin précède la date de début"),
        ("du=demain", "Date de début invalide"),
    ],
)
def test_wrong_settings_are_refused_in_french(officer: tuple[TestClient, str], query: str, message: str) -> None:
    client, csrf = officer
    token = lot_token(demo_selection(client, csrf))
    answer = client.get(f"{BASE}/selection?lot={token}&{query}", headers={"HX-Request": "true"})
    assert answer.status_code == 422 and message in answer.text
    assert 'name="lot"' in answer.text  # the settings form stays, to correct the value


def test_unknown_or_forged_lot_tokens_are_not_found(officer: tuple[TestClient, str]) -> None:
    client, _ = officer
    for token in ("lot-0123456789abcdef01234567", "../../secret_key", ""):
        answer = client.get(f"{BASE}/selection", params={"lot": token})
        assert answer.status_code == 404 and "introuvable ou expiré" in answer.text


# ---- detail view ----------------------------------------------------------------------------------------


def detail_link(page_text: str, fraud_word: str | None = None) -> str:
    """The detail URL of the first selected row (or of the first row whose suspected fraud is ``fraud_word``)."""
    body = page_text.split("<tbody>")[1]
    for row in body.split("</tr>"):
        if fraud_word is None or fraud_word in row:
            key, query = DETAIL_RE.findall(row)[0]
            return f"{BASE}/declaration/{key}?{html.unescape(query)}"
    raise AssertionError(f"aucune ligne « {fraud_word} »")


def test_detail_view_shows_fields_reasons_and_the_unit_value_chart(
    officer: tuple[TestClient, str], demo_scores: pd.DataFrame
) -> None:
    client, csrf = officer
    selection = demo_selection(client, csrf, capacite="200", unite="nombre")
    url = detail_link(selection.text, "minoration de valeur")
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    key = url.split("/declaration/")[1].split("?")[0]
    record = demo_scores.set_index("declaration_id").loc[key]
    assert f"<h1>Déclaration {key}</h1>" in text
    for label in ("Bureau de douane de dédouanement", "Masse nette (kg)", "Pays d&#39;origine déclaré", "(HS6 Code)"):
        assert label in text
    assert "Les cinq principaux facteurs du score" in text and "Sélectionnée — n°" in text
    assert "<svg" in text and 'role="img"' in text and '<title id="graphe-titre">' in text
    assert "Données du graphique" in text and "50e centile (médiane)" in text
    assert re.search(r"Référence : SH[246]", text)
    # a suspected undervaluation sits in the low part of its reference distribution
    rank = re.search(r"Cette déclaration \(trait rouge\) se situe (sous le 5e centile|vers le (\d+)e centile)", text)
    assert rank and (rank.group(2) is None or int(rank.group(2)) < 50)
    value = record["item_price"] / record["net_mass"]
    assert re.search(r"cette déclaration : [\d\u202f\u00a0]+(,\d+)? €/kg", text)
    assert abs(value - unit_value(record.to_dict())) < 1e-9
    assert 'id="controle"' in text and 'name="fraude"' in text and 'name="droits"' in text
    assert client.get(url.replace(key, "INCONNUE-0001")).status_code == 404


def test_chart_geometry_follows_the_model_reference(demo_scores: pd.DataFrame) -> None:
    model, _ = models_registry.load(SERVICE)
    record = demo_scores.iloc[0].to_dict()
    reference = model_reference(model, record)
    assert reference is not None and reference.count >= 20
    assert list(reference.values) == sorted(reference.values)
    value = reference.values[9] * 0.5  # half the median
    chart = build_chart(reference, value)
    assert sum(bar.share for bar in chart.bars) == pytest.approx(0.9, abs=1e-9)
    assert all(bar.height >= 0 and bar.width > 0 for bar in chart.bars)
    assert chart.value_x is not None and chart.value_x < chart.median_x
    assert chart.rank is not None and chart.rank < 0.5
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs) and chart.left <= xs[0] and xs[-1] + chart.bars[-1].width <= chart.right + 1e-6
    far = build_chart(reference, reference.values[-1] * 1e6)
    assert far.outside == "above" and far.value_x == far.right


def test_without_a_model_reference_the_batch_gives_the_reference(demo_scores: pd.DataFrame) -> None:
    cell = demo_scores.groupby(["hs6_code", "country_of_origin"]).size().idxmax()
    record = demo_scores[(demo_scores["hs6_code"] == cell[0]) & (demo_scores["country_of_origin"] == cell[1])].iloc[0]
    reference = batch_reference(demo_scores, record.to_dict())
    same = demo_scores[(demo_scores["hs6_code"] == cell[0]) & (demo_scores["country_of_origin"] == cell[1])]
    assert reference is not None and reference.count == len(same) and "lot analysé" in reference.source
    assert reference.median == pytest.approx(float(np.median(same["item_price"] / same["net_mass"])), rel=0.05)
    assert batch_reference(demo_scores.head(3), record.to_dict()) is None


# ---- inspection results ---------------------------------------------------------------------------------


def test_inspection_result_is_stored_as_feedback_and_becomes_a_training_row(
    officer: tuple[TestClient, str], site: Site
) -> None:
    client, csrf = officer
    url = detail_link(demo_selection(client, csrf, capacite="50", unite="nombre").text)
    key = url.split("/declaration/")[1].split("?")[0]
    page = client.get(url)
    item = html.unescape(re.search(r'name="item" value="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    retour = html.unescape(re.search(r'name="retour" value="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    form = {"csrf_token": csrf, "item": item, "retour": retour}

    missing = client.post(f"{BASE}/controle", data=form, headers={"HX-Request": "true"})
    assert missing.status_code == 422 and "oui ou non" in missing.text
    inconsistent = client.post(f"{BASE}/controle", data={**form, "fraude": "non", "droits": "300"})
    assert inconsistent.status_code == 422 and "Contrôle sans fraude" in inconsistent.text
    forged = client.post(f"{BASE}/controle", data={**form, "item": item[:-3] + "abc", "fraude": "non"})
    assert forged.status_code == 400 and "n&#39;a pas pu être vérifiée" in forged.text
    no_csrf = client.post(f"{BASE}/controle", data={"item": item, "fraude": "non"})
    assert no_csrf.status_code == 403
    elsewhere = client.post(f"{BASE}/controle", data={**form, "fraude": "non", "retour": "https://exemple.org/?"})
    assert elsewhere.status_code == 400 and "Adresse de retour invalide" in elsewhere.text
    with session_scope() as s:
        assert not feedback.list_feedback(s, "customs_fraud", item_key=key)  # refusals store nothing

    first = client.post(f"{BASE}/controle", data={**form, "fraude": "non"}, headers={"HX-Request": "true"})
    assert first.status_code == 200 and "fr-valid-text" in first.text and "pas de fraude" in first.text
    saved = client.post(
        f"{BASE}/controle",
        data={
            **form,
            "fraude": "oui",
            "type_fraude": "valeur",
            "critique": "oui",
            "droits": "1 250,50",
            "commentaire": "facture pro forma minorée",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"{BASE}/declaration/{key}?")
    shown = client.get(saved.headers["location"])
    assert "Résultat du contrôle enregistré" in shown.text and "oui, critique" in shown.text
    assert "facture pro forma minorée" in shown.text

    with session_scope() as s:
        stored = [fb for fb in feedback.list_feedback(s, "customs_fraud", item_key=key) if fb.verdict == "correct"]
        assert stored[-1].value == {"fraud": 1, "critical_fraud": 2, "fraud_type": "valeur", "duty_recovered": 1250.5}
        assert stored[-1].model_version.startswith("customs_fraud") and stored[-1].score is not None
        assert stored[-1].record["declaration_id"] == key
        export = feedback.export(s, "customs_fraud")
    rows = SERVICE.feedback_rows(export)
    mine = rows[rows["declaration_id"] == key]
    assert len(mine) == 1  # the latest report wins
    row = mine.iloc[0]
    assert (row["fraud"], row["critical_fraud"], row["fraud_type"], row["duty_at_stake"]) == (1, 2, "valeur", 1250.5)
    lot = load_lot(site.settings.data_dir, parse_qs(url.split("?")[1])["lot"][0])
    assert lot is not None
    original = lot.frame.set_index("declaration_id").loc[key]
    assert row["hs6_code"] == original["hs6_code"] and row["net_mass"] == pytest.approx(original["net_mass"])
    assert pd.Timestamp(row["date"]) == pd.Timestamp(original["date"])
    assert len(read_frame(rows[list(Record.model_fields)], Record)) == len(rows)


def test_next_training_uses_the_inspection_results(officer: tuple[TestClient, str], site: Site) -> None:
    client, csrf = officer
    url = detail_link(demo_selection(client, csrf, capacite="30", unite="nombre").text)
    page = client.get(url)
    item = html.unescape(re.search(r'name="item" value="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    sent = client.post(
        f"{BASE}/controle",
        data={"csrf_token": csrf, "item": item, "fraude": "oui", "type_fraude": "origine", "droits": "80"},
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 200
    with session_scope() as s:
        expected = len(SERVICE.feedback_rows(feedback.export(s, "customs_fraud")))
    assert expected >= 1
    models_registry.fit_and_store(SERVICE, SERVICE.demo_data(1_500, seed=4), "retour", source="tests")
    with session_scope() as s:
        entry = s.query(AuditEntry).filter(AuditEntry.action == "train").order_by(AuditEntry.id.desc()).first()
        assert entry is not None and entry.details["name"] == "retour"
        assert entry.details["feedback_rows"] == expected


def test_confirm_button_stores_a_confirmation_that_is_not_a_label(officer: tuple[TestClient, str]) -> None:
    client, csrf = officer
    answer = demo_selection(client, csrf, capacite="5", unite="nombre")
    item = html.unescape(re.search(r'name="item" value="([^"]+)"', answer.text).group(1))  # type: ignore[union-attr]
    done = client.post(
        f"{BASE}/avis", data={"csrf_token": csrf, "item": item, "verdict": "confirm"}, headers={"HX-Request": "true"}
    )
    assert done.status_code == 200 and "confirmation" in done.text
    with session_scope() as s:
        export = feedback.export(s, "customs_fraud")
    confirmed = export[export["verdict"] == "confirm"]
    assert len(confirmed) >= 1
    assert not set(confirmed["item_key"]) & set(training_rows(confirmed)["declaration_id"])


def test_training_rows_read_the_export_strictly() -> None:
    record = SERVICE.demo_batch(3, seed=9).to_dict(orient="records")
    export = pd.DataFrame(
        [
            {
                "feedback_id": 1,
                "item_key": record[0]["declaration_id"],
                "verdict": "correct",
                "correction_fraud": "1",
                "correction_fraud_type": "classement",
                "correction_duty_recovered": "40.5",
                **record[0],
            },
            {
                "feedback_id": 2,
                "item_key": record[1]["declaration_id"],
                "verdict": "correct",
                "correction_fraud": 0,
                **record[1],
            },
            {
                "feedback_id": 3,
                "item_key": record[0]["declaration_id"],
                "verdict": "correct",
                "correction_fraud": 1,
                "correction_fraud_type": "bizarre",
                "correction_critical_fraud": 2,
                **record[0],
            },
            {
                "feedback_id": 4,
                "item_key": record[2]["declaration_id"],
                "verdict": "correct",
                "correction_fraud": 1,
                **{**record[2], "net_mass": "lourd"},
            },
            {"feedback_id": 5, "item_key": "X", "verdict": "comment", "correction_fraud": None},
        ]
    )
    rows = training_rows(export).set_index("declaration_id")
    assert list(rows.index) == [record[1]["declaration_id"], record[0]["declaration_id"]]
    latest = rows.loc[record[0]["declaration_id"]]
    assert (latest["fraud"], latest["critical_fraud"], latest["fraud_type"]) == (1, 2, None)
    clean = rows.loc[record[1]["declaration_id"]]
    assert (clean["fraud"], clean["critical_fraud"], clean["duty_at_stake"]) == (0, 0, 0.0)
    assert training_rows(pd.DataFrame(columns=["feedback_id", "verdict"])).empty


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("peut-être", "", "", ""), "oui ou non"),
        (("oui", "contrebande", "", ""), "Type de fraude inconnu"),
        (("oui", "valeur", "", "beaucoup"), "Droits redressés invalides"),
        (("oui", "valeur", "", "-5"), "négatif"),
        (("non", "", "oui", ""), "Contrôle sans fraude"),
    ],
)
def test_inspection_values_are_checked(fields: tuple[str, str, str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        inspection_value(*fields)


# ---- selection helpers ----------------------------------------------------------------------------------


def test_selection_params_and_clamping() -> None:
    frame = SERVICE.demo_batch(400, seed=3).assign(score=np.linspace(1, 0, 400))
    lot = Lot("lot-" + "0" * 24, "fichier", "essai.csv", "v", "2025-01-01T00:00:00+00:00", frame)
    params = SelectionParams.parse({"capacite": "1 000", "unite": "nombre", "exploration": "12,5"})
    chosen = select(lot, params)
    assert chosen.clamped and chosen.size == 400
    share = select(lot, SelectionParams.parse({"capacite": "10", "exploration": "20"}))
    assert share.size == 40 and share.n_exploration == 8
    assert list(share.rows["lot_row"][:32]) == list(range(32))
    assert (share.rows["lot_row"][32:] >= 32).all()
    direct = select_for_inspection(frame["score"].to_numpy(), 40, 0.2, seed=0)
    assert int(direct["exploration"].sum()) == 8
    with pytest.raises(SelectionError) as err:
        SelectionParams.parse({"unite": "tonnes"})
    assert err.value.field == "unite"
    assert demo_token("v1") != demo_token("v2") and demo_token("v1") == demo_token("v1")
    assert SelectionParams.parse(dict(params.fields())) == params


# ---- uploads --------------------------------------------------------------------------------------------


def test_an_uploaded_file_is_scored_into_its_own_lot(officer: tuple[TestClient, str]) -> None:
    client, csrf = officer
    records = SERVICE.demo_batch(300, seed=11)
    answer = client.post(
        f"{BASE}/lot",
        data={"csrf_token": csrf, "source": "fichier", "capacite": "10", "unite": "part"},
        files={"fichier": ("declarations.csv", as_file(records), "text/csv")},
    )
    assert answer.status_code == 200, answer.text[:400]
    assert answer.history and answer.history[0].status_code == 303  # post/redirect/get
    assert answer.url.path == f"{BASE}/selection" and "<html" in answer.text
    assert "fichier « declarations.csv »" in answer.text
    token = lot_token(answer)
    assert token.startswith("lot-")
    assert answer.text.split("<tbody>")[1].split("</tbody>")[0].count("<tr>") == 30
    detail = client.get(detail_link(answer.text))
    assert detail.status_code == 200 and "<svg" in detail.text


def test_a_file_larger_than_the_page_limit_becomes_a_job(
    officer: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, csrf = officer
    monkeypatch.setattr(SERVICE, "page_max_rows", 100)
    records = SERVICE.demo_batch(150, seed=12)
    answer = client.post(
        f"{BASE}/lot",
        data={"csrf_token": csrf, "source": "fichier"},
        files={"fichier": ("gros.csv", as_file(records), "text/csv")},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/travaux/")
    job = client.get(answer.headers["location"])
    assert job.status_code == 200 and "gros.csv" in job.text


def bad_upload(client: TestClient, csrf: str, name: str, content: bytes) -> Any:
    """Post a file to the lot form."""
    return client.post(
        f"{BASE}/lot",
        data={"csrf_token": csrf, "source": "fichier"},
        files={"fichier": (name, content, "application/octet-stream")},
    )


def test_bad_uploads_are_refused_in_french_naming_line_and_field(officer: tuple[TestClient, str]) -> None:
    client, csrf = officer
    records = SERVICE.demo_batch(20, seed=13)
    no_mass = bad_upload(client, csrf, "sans_masse.csv", as_file(records.drop(columns=["net_mass"])))
    assert no_mass.status_code == 422 and "Net Mass" in no_mass.text
    negative = records.copy()
    negative.loc[4, "net_mass"] = -12.0
    refused = bad_upload(client, csrf, "negatif.csv", as_file(negative))
    assert refused.status_code == 422
    assert "masse nette négative" in refused.text and "ligne 6" in refused.text and "Net Mass" in refused.text
    text_price = records.astype({"item_price": object})
    text_price.loc[2, "item_price"] = "mille euros"
    not_number = bad_upload(client, csrf, "prix.csv", as_file(text_price))
    assert not_number.status_code == 422 and "ligne 4" in not_number.text and "Item Price" in not_number.text
    binary = bad_upload(client, csrf, "image.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert binary.status_code == 415 and "binaire" in binary.text
    nothing = client.post(f"{BASE}/lot", data={"csrf_token": csrf, "source": "fichier"})
    assert nothing.status_code == 422 and "Aucun fichier reçu" in nothing.text
    htmx = bad_upload(client, csrf, "image.csv", b"\x89PNG\r\n\x1a\n")
    assert htmx.status_code == 415
    kept = {p.name for p in (get_settings().data_dir / "uploads").glob("*/*")}
    assert not kept & {"sans_masse.csv", "negatif.csv", "prix.csv", "image.csv"}  # nothing kept


# ---- access -----------------------------------------------------------------------------------------------


def customs_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) of the application that belongs to one service (generic or its own)."""
    out = []
    for route in iter_route_contexts(app.routes) if iter_route_contexts is not None else app.routes:
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or set()
        if path.startswith(("/services/{service_id}", BASE, "/api/v1/services/{service_id}")):
            out += [(m, path) for m in sorted(set(methods) - {"HEAD"})]
    return out


def test_another_administration_gets_403_on_every_customs_route(site: Site, officer: tuple[TestClient, str]) -> None:
    client, csrf = officer
    token = lot_token(demo_selection(client, csrf))
    routes = customs_routes(site.app)
    own = [p for _, p in routes if p.startswith(BASE)]
    assert {f"{BASE}/lot", f"{BASE}/selection", f"{BASE}/selection.csv", f"{BASE}/controle"} <= set(own)
    assert any(p.startswith(f"{BASE}/declaration/") for p in own)
    values = {"service_id": "customs_fraud", "declaration_id": "23FR001000000000"}
    with TestClient(site.app) as outsider, TestClient(site.app) as anonymous:
        other_csrf = sign_in(outsider, site.other)
        for method, template in routes:
            url = re.sub(r"{([^}:]+)(?::[^}]+)?}", lambda m: values[m.group(1)], template) + f"?lot={token}"
            by_session = outsider.request(method, url, headers={"X-CSRF-Token": other_csrf}, follow_redirects=False)
            assert by_session.status_code == 403, (method, url, by_session.status_code)
            assert "réservé aux agents de l&#39;administration DGDDI" in by_session.text or "DGDDI" in by_session.text
            by_token = anonymous.request(
                method, url, headers={"Authorization": f"Bearer {site.other_token}"}, follow_redirects=False
            )
            assert by_token.status_code == 403, (method, url, by_token.status_code)
            nobody = anonymous.request(method, url, follow_redirects=False)
            assert nobody.status_code in (303, 401), (method, url, nobody.status_code)
    assert not any(k in by_session.text for k in ("23FR001000000000", "Probabilité de fraude"))


def test_lot_files_hold_records_and_results(site: Site, officer: tuple[TestClient, str]) -> None:
    client, csrf = officer
    token = lot_token(demo_selection(client, csrf))
    lot = load_lot(site.settings.data_dir, token)
    assert lot is not None and lot.is_demo and len(lot.frame) == len(SERVICE.demo_batch())
    assert {*Record.model_fields, "score", "fraud_type", "duty_at_stake", "explanation"} <= set(lot.frame.columns)
    with open(site.settings.data_dir / "customs_fraud" / "lots" / f"{token}.json", encoding="utf-8") as fh:
        assert "lot de démonstration" in fh.read()
    assert dt.datetime.fromisoformat(lot.created).tzinfo is not None
