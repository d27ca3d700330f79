"""Pages of the radiation-exposure service: the alert queue, a worker's view and the trends dashboard.

The population shown is the latest finished job of the service whose input and output files are still
on disk, or else the demo register scored once with the default model and cached under
``data_dir/demo``. Dosimetry experts (members of the administration without a scope, and admins) see
every worker; a user whose membership carries a scope (an employer's SIRET, set by
``iapublique users attach EMAIL IRSN --perimetre SIRET``) sees only that employer's workers, in every
page of this module and in the feedback it accepts (see ``scope.py``; the platform's generic surfaces apply
the same rule through the service's ``visible_rows`` and ``may_submit``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iapublique.api.access import DB, CurrentUser, app_settings
from iapublique.core import feedback, jobs, models_registry
from iapublique.core.service import Service
from iapublique.core.store.db import session_scope
from iapublique.core.store.models import Job, User
from iapublique.core.tables import TableError, read_frame, read_table, write_table
from iapublique.services.radiation_exposure import charts
from iapublique.services.radiation_exposure.schema import CHANNEL_LABELS, KIND_LABELS, SEVERITIES, Record
from iapublique.services.radiation_exposure.scope import employer_scope, visible
from iapublique.services.radiation_exposure.scope import siret_key as _siret
from iapublique.settings import get_settings
from iapublique.web.pages import templates
from iapublique.web.service_pages import signer, verified_item
from iapublique.web.templating import date_fr

log = logging.getLogger(__name__)

PAGE_SIZE = 25
"""Alerts shown per page of the queue."""
JOBS_LOOKED_AT = 20
"""Latest jobs of the service examined to find one whose files are still on disk."""
RESULT_COLUMNS = ("score", "explanation", "alert", "alert_kinds", "severity", "rolling_12m_msv", "projection",
                  "reason", "model_version")
"""Result columns kept beside the record columns in a population frame."""
SEVERITY_LABELS: dict[str, str] = {
    "reglementaire": "Réglementaire",
    "forte": "Forte",
    "moyenne": "Moyenne",
    "faible": "Faible",
    "aucune": "Aucune",
}
SEVERITY_BADGES: dict[str, str] = {"reglementaire": "error", "forte": "warning", "moyenne": "info", "faible": "new"}
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}
STATUS_CHOICES: dict[str, str] = {
    "a_traiter": "Sans confirmation ni rejet",
    "confirmee": "Confirmées",
    "rejetee": "Rejetées",
}
VERDICTS: dict[str, str] = {"confirmer": "confirm", "rejeter": "correct", "commenter": "comment"}
"""Buttons of an alert → verdicts stored by :func:`iapublique.core.feedback.add` (a rejection is a correction)."""
GROUPINGS: dict[str, tuple[str, str]] = {"secteur": ("sector", "Secteur"), "employeur": ("employer_siret", "Employeur")}

_demo_lock = threading.Lock()


# ---- the population shown -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Scored dose records (record and result columns side by side) and where they come from."""

    frame: pd.DataFrame
    origin: str
    """``travail`` (a finished job) or ``demo`` (the demo register)."""
    label: str
    model_version: str
    job_id: int | None = None


def combine(records: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Records and their results in one frame, aligned by position or, failing that, by record id."""
    kept = [c for c in RESULT_COLUMNS if c in results.columns]
    records = records.reset_index(drop=True)
    results = results.reset_index(drop=True)
    same_order = len(records) == len(results) and (
        "record_id" not in results.columns
        or (records["record_id"].astype(str).to_numpy() == results["record_id"].astype(str).to_numpy()).all()
    )
    if same_order:
        out = pd.concat([records, results[kept]], axis=1)
    else:
        by_id = results.assign(_key=results["record_id"].astype(str)).drop_duplicates("_key")
        left = records.assign(_key=records["record_id"].astype(str))
        out = left.merge(by_id[["_key", *kept]], on="_key", how="inner").drop(columns="_key")
    out["alert"] = out["alert"].fillna(False).astype(bool)
    out["alert_kinds"] = out["alert_kinds"].fillna("").astype(str)
    out["severity"] = out["severity"].fillna("aucune").astype(str)
    return out


@lru_cache(maxsize=2)
def _read_job_frame(input_path: str, input_mtime: int, output_path: str, output_mtime: int,
                    input_name: str) -> pd.DataFrame:
    """A job's input records joined with its results (read once per file version)."""
    records = read_table(Path(input_path), Record, name=input_name or None)
    return combine(records, pd.read_parquet(output_path))


@lru_cache(maxsize=2)
def _read_parquet(path: str, mtime: int) -> pd.DataFrame:
    """A cached population frame (read once per file version)."""
    return pd.read_parquet(path)


def job_population(job: Job) -> Population | None:
    """The population of a finished job whose input and output files exist, or None."""
    try:
        output = jobs.output_file(job)
    except ValueError:
        return None
    source = Path(job.input_path)
    if not job.input_path or not source.is_file():
        return None
    try:
        frame = _read_job_frame(str(source), source.stat().st_mtime_ns, str(output), output.stat().st_mtime_ns,
                                job.input_name)
    except (TableError, OSError, ValueError, KeyError) as err:
        log.warning("travail %s illisible pour la file des alertes : %s", job.id, err)
        return None
    finished = f", terminé le {_date_time(job.finished_at)}" if job.finished_at else ""
    label = f"travail n° {job.id} (fichier « {job.input_name or source.name} »{finished})"
    return Population(frame, "travail", label, job.model_version, job.id)


def demo_population_path(service: Service) -> Path:
    """Where the scored demo register is cached (beside the demo data, under ``data_dir/demo``)."""
    return get_settings().data_dir / "demo" / f"{service.info.id}-population.parquet"


def demo_population(service: Service) -> Population:
    """The demo register (``models_registry.demo_data``) scored once with the default model, cached as Parquet."""
    with _demo_lock:
        models_registry.ensure_demo_model(service)
        model, manifest = models_registry.load(service)
        path = demo_population_path(service)
        frame: pd.DataFrame | None = None
        if path.exists():
            cached = _read_parquet(str(path), path.stat().st_mtime_ns)
            if len(cached) and str(cached["model_version"].iloc[0]) == manifest.version:
                frame = cached
        if frame is None:
            data = models_registry.demo_data(service)
            data = data.drop(columns=[c for c in service.truth_columns if c in data.columns])
            records = read_frame(data, Record, name="données de démonstration")
            results = service.run(model, records)
            results["model_version"] = manifest.version
            write_table(combine(records, results), path)
            frame = _read_parquet(str(path), path.stat().st_mtime_ns)
    workers = frame["worker_id"].nunique()
    label = f"données de démonstration ({_int(workers)} travailleurs simulés, aucune donnée réelle)"
    return Population(frame, "demo", label, manifest.version)


def current_population(s: Session, service: Service) -> Population:
    """The latest finished job's population whose files exist, else the demo register."""
    for job in jobs.list_jobs(s, service_id=service.info.id, limit=JOBS_LOOKED_AT):
        if job.status == "done":
            population = job_population(job)
            if population is not None:
                return population
    return demo_population(service)


# ---- who sees what ----------------------------------------------------------------------------------------------


def scope_label(scope: frozenset[str] | None) -> str:
    """French description of a user's perimeter, empty for experts."""
    if scope is None:
        return ""
    names = ", ".join(charts.siret_label(s) for s in sorted(scope))
    return f"Périmètre restreint à l'employeur {names}" if len(scope) == 1 else f"Périmètre : employeurs {names}"


# ---- formatting helpers -------------------------------------------------------------------------------------------


def _int(value: int) -> str:
    """A whole number in French format."""
    from babel.numbers import format_decimal

    return format_decimal(int(value), format="#,##0", locale="fr_FR")


def _date_time(value: dt.datetime) -> str:
    """A timestamp in French, Paris time."""
    return date_fr(value)


def _date(value: object) -> dt.date | None:
    """A date cell as a ``date`` (None when missing or unreadable)."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    stamp = pd.to_datetime(str(value), errors="coerce")
    return None if pd.isna(stamp) else stamp.date()


def _plain(value: object) -> Any:
    """A JSON-ready cell: dates as ISO text, missing values as None, numpy scalars as Python ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def _sentence_case(text: str) -> str:
    """The text with its first letter in upper case, the rest untouched (« mSv » stays « mSv »)."""
    return text[:1].upper() + text[1:]


def _number(value: object) -> float | None:
    """A numeric cell as a float (None when missing)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# ---- the alert queue ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the agent asked to see: sector, employer, alert kind, severity, feedback status, page."""

    secteur: str = ""
    employeur: str = ""
    type: str = ""
    gravite: str = ""
    avis: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> QueueFilters:
        """Filters from a query string (unknown values simply match nothing; a bad page number is page 1)."""
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        return cls(
            secteur=params.get("secteur", "").strip(),
            employeur=_siret(params.get("employeur", "")),
            type=params.get("type", "").strip(),
            gravite=params.get("gravite", "").strip(),
            avis=params.get("avis", "").strip(),
            page=page,
        )

    def query(self, **changes: object) -> str:
        """The query string of these filters, with some changed (empty values left out)."""
        values = {**self.__dict__, **changes}
        if values.get("page") == 1:
            values.pop("page")
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})

    @property
    def active(self) -> bool:
        """Whether any filter (other than the page) is set."""
        return any((self.secteur, self.employeur, self.type, self.gravite, self.avis))


def verdicts_by_item(s: Session, service: Service) -> dict[str, dict[str, Any]]:
    """The state of the agents' feedback per record: last decision (confirmed / rejected) and comment count."""
    out: dict[str, dict[str, Any]] = {}
    for row in feedback.list_feedback(s, service.info.id):
        state = out.setdefault(row.item_key, {"decision": "", "at": None, "comments": 0})
        if row.verdict == "confirm":
            state.update(decision="confirmee", at=row.created_at)
        elif row.verdict == "correct" and row.value.get("alert") in (False, "false", "non", "0"):
            state.update(decision="rejetee", at=row.created_at)
        elif row.verdict == "comment":
            state["comments"] += 1
    return out


def status_text(state: Mapping[str, Any] | None) -> str:
    """French state of an alert's review (« Confirmée le … », « 2 commentaires »), empty when untouched."""
    if not state:
        return ""
    parts = []
    if state["decision"]:
        word = "Confirmée" if state["decision"] == "confirmee" else "Rejetée"
        parts.append(f"{word} le {_date_time(state['at'])}" if state["at"] else word)
    if state["comments"]:
        parts.append(f"{state['comments']} commentaire{'s' if state['comments'] > 1 else ''}")
    return " ; ".join(parts)


def ranked_alerts(frame: pd.DataFrame) -> pd.DataFrame:
    """Alert rows, most severe first, then by score, then the most recent wear period first."""
    alerts = frame[frame["alert"].to_numpy()]
    order = alerts.assign(
        _rank=alerts["severity"].map(SEVERITY_RANK).fillna(len(SEVERITIES)),
        _end=pd.to_datetime(alerts["period_end"], errors="coerce"),
    ).sort_values(["_rank", "score", "_end", "record_id"], ascending=[True, False, False, True], kind="stable")
    return order.drop(columns=["_rank", "_end"])


def has_kind(kinds: pd.Series, kind: str) -> pd.Series:
    """Rows whose comma-separated alert kinds include ``kind``."""
    return kinds.map(lambda value: kind in str(value).split(","))


def filter_alerts(alerts: pd.DataFrame, f: QueueFilters, states: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The alerts matching the filters."""
    keep = pd.Series(True, index=alerts.index)
    if f.secteur:
        keep &= alerts["sector"].astype(str) == f.secteur
    if f.employeur:
        keep &= alerts["employer_siret"].astype(str).str.replace(r"\s+", "", regex=True) == f.employeur
    if f.type:
        keep &= has_kind(alerts["alert_kinds"], f.type)
    if f.gravite:
        keep &= alerts["severity"].astype(str) == f.gravite
    if f.avis:
        decision = alerts["record_id"].astype(str).map(lambda k: (states.get(k) or {}).get("decision", ""))
        keep &= (decision == "") if f.avis == "a_traiter" else (decision == f.avis)
    return alerts[keep.to_numpy()]


def filter_options(alerts: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Choices of each filter, from the alerts the user may see: (value, French label)."""
    kinds_present = {k for value in alerts["alert_kinds"].astype(str) for k in value.split(",") if k}
    sectors = sorted(set(alerts["sector"].astype(str)), key=charts.sector_label)
    employers = sorted({_siret(v) for v in alerts["employer_siret"].astype(str)})
    severities = [s for s in SEVERITIES if s in set(alerts["severity"].astype(str))]
    return {
        "secteur": [(s, charts.sector_label(s)) for s in sectors],
        "employeur": [(e, charts.siret_label(e)) for e in employers],
        "type": [(k, _sentence_case(KIND_LABELS[k])) for k in KIND_LABELS if k in kinds_present],
        "gravite": [(s, SEVERITY_LABELS[s]) for s in severities],
        "avis": list(STATUS_CHOICES.items()),
    }


def alert_item(request: Request, service: Service, row: Mapping[Any, Any], position: int, population: Population,
               states: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One alert as the templates show it, with the signed token its feedback forms send back."""
    key = str(row["record_id"])
    record = {name: _plain(row.get(name)) for name in Record.model_fields}
    result = {name: _plain(row.get(name)) for name in ("record_id", "worker_id", "alert", "alert_kinds", "severity",
                                                        "rolling_12m_msv", "projection", "reason")}
    token = signer(request).dumps({
        "service": service.info.id,
        "key": key,
        "record": record,
        "result": result,
        "version": str(row.get("model_version") or population.model_version),
        "score": _number(row.get("score")),
        "job": population.job_id,
    })
    severity = str(row["severity"])
    kinds = [k for k in str(row["alert_kinds"]).split(",") if k]
    return {
        "key": key,
        "position": position,
        "token": token,
        "worker_id": str(row["worker_id"]),
        "employer": charts.siret_label(_siret(row["employer_siret"])),
        "sector": charts.sector_label(str(row["sector"])),
        "job": str(row["job"]).replace("_", " "),
        "period_start": _date(row["period_start"]),
        "period_end": _date(row["period_end"]),
        "channel": CHANNEL_LABELS.get(str(row["dosimetry_type"]), str(row["dosimetry_type"])),
        "dose": _number(row.get("dose_msv")),
        "below_threshold": bool(row.get("below_threshold") or False),
        "severity": severity,
        "severity_label": SEVERITY_LABELS.get(severity, severity),
        "badge": SEVERITY_BADGES.get(severity, "info"),
        "kinds": [_sentence_case(KIND_LABELS.get(k, k)) for k in kinds],
        "reason": str(row["reason"]),
        "rolling": _number(row.get("rolling_12m_msv")),
        "projection": str(row["projection"]),
        "score": _number(row.get("score")),
        "status": status_text(states.get(key)),
    }


def queue_context(request: Request, service: Service, user: User, s: Session) -> dict[str, Any]:
    """Everything the alert queue fragment shows, for the filters of the request's query string."""
    f = QueueFilters.from_query(request.query_params)
    population = current_population(s, service)
    scope = employer_scope(user, service)
    seen = visible(population.frame, scope)
    states = verdicts_by_item(s, service)
    alerts = ranked_alerts(seen)
    chosen = filter_alerts(alerts, f, states)
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(f.page, pages)
    start = (page - 1) * PAGE_SIZE
    shown = chosen.iloc[start:start + PAGE_SIZE]
    items = [alert_item(request, service, row, start + i + 1, population, states)
             for i, row in enumerate(shown.to_dict("records"))]
    return {
        "filters": f,
        "options": filter_options(alerts),
        "alerts": items,
        "total": len(chosen),
        "total_alerts": len(alerts),
        "regulatory": int((chosen["severity"] == "reglementaire").sum()),
        "workers": int(seen["worker_id"].nunique()),
        "alert_workers": int(chosen["worker_id"].nunique()),
        "page": page,
        "pages": pages,
        "previous": f.query(page=page - 1) if page > 1 else None,
        "next": f.query(page=page + 1) if page < pages else None,
        "population": population,
        "scope": scope_label(scope),
    }


def page_queue(request: Request, service: Service, user: User) -> dict[str, Any]:
    """The queue of the service page (rendered by the platform's generic route, so it opens its own session)."""
    with session_scope(app_settings(request).db_url) as s:
        return queue_context(request, service, user, s)


# ---- routes -----------------------------------------------------------------------------------------------------


def build_router(service: Service) -> APIRouter:
    """The service's own routes, mounted under ``/services/radiation_exposure`` behind the access guard."""
    router = APIRouter(include_in_schema=False)
    base = f"/services/{service.info.id}"
    prefix = f"services/{service.info.id}"

    @router.get("/alertes", response_class=HTMLResponse)
    def alert_queue(request: Request, user: CurrentUser, s: DB) -> Response:
        """The filtered alert queue: the fragment for htmx, else the service page with the same filters."""
        query = QueueFilters.from_query(request.query_params).query()
        if request.headers.get("hx-request") != "true":
            return RedirectResponse(f"{base}{'?' + query if query else ''}#file-alertes", status_code=303)
        request.state.user = user
        context = {"service": service, "info": service.info, "queue": queue_context(request, service, user, s)}
        response = templates(request).render(request, f"{prefix}/_queue.html", context)
        response.headers["HX-Push-Url"] = f"{base}{'?' + query if query else ''}"
        return response

    @router.post("/alertes/avis", response_class=HTMLResponse)
    def alert_feedback(
        request: Request,
        user: CurrentUser,
        s: DB,
        item: Annotated[str, Form()] = "",
        verdict: Annotated[str, Form()] = "",
        commentaire: Annotated[str, Form()] = "",
    ) -> Response:
        """Store an expert's confirmation, rejection or comment on an alert shown in a page."""
        shown = verified_item(
            request, service, item, "Avis refusé : l'alerte concernée n'a pas pu être vérifiée. Rechargez la page."
        )
        scope = employer_scope(user, service)
        record = shown.get("record") or {}
        if scope is not None and _siret(record.get("employer_siret", "")) not in scope:
            raise HTTPException(403, "Avis refusé : ce travailleur n'est pas dans votre périmètre.")
        if verdict not in VERDICTS:
            raise HTTPException(400, "Avis refusé : choisissez Confirmer, Rejeter ou Commenter.")
        stored = VERDICTS[verdict]
        request.state.user = user
        try:
            row = feedback.add(
                s,
                service_id=service.info.id,
                user=user,
                item_key=str(shown.get("key", "")),
                verdict=stored,
                value={"alert": False} if verdict == "rejeter" else None,
                comment=commentaire,
                record=record,
                result=shown.get("result"),
                model_version=str(shown.get("version") or ""),
                score=shown.get("score"),
                job_id=shown.get("job"),
                source="web:alertes",
            )
        except ValueError as err:
            return templates(request).render(
                request, "_feedback_done.html", {"ok": False, "message": str(err), "service": service}, status_code=422
            )
        words = {"confirmer": "Alerte confirmée", "rejeter": "Alerte rejetée (fausse alerte)",
                 "commenter": "Commentaire enregistré"}
        message = f"{words[verdict]} sur l'enregistrement « {row.item_key} ». Merci."
        if request.headers.get("hx-request") == "true":
            return templates(request).render(
                request, "_feedback_done.html", {"ok": True, "message": message, "service": service}
            )
        return templates(request).render(
            request, "feedback_page.html", {"title": "Avis enregistré", "message": message, "service": service}
        )

    @router.get("/travailleur/{worker_id}", response_class=HTMLResponse)
    def worker_page(worker_id: str, request: Request, user: CurrentUser, s: DB) -> Response:
        """One worker: dose timeline, 12-month sums against the limits, projection and alerts."""
        population = current_population(s, service)
        seen = visible(population.frame, employer_scope(user, service))
        rows = seen[(seen["worker_id"].astype(str) == worker_id).to_numpy()].reset_index(drop=True)
        if rows.empty:
            raise HTTPException(404, f"Travailleur « {worker_id} » introuvable dans la population suivie "
                                     "ou hors de votre périmètre.")
        request.state.user = user  # only now: an error page must not touch the user of a rolled-back session
        states = verdicts_by_item(s, service)
        alerts = ranked_alerts(rows)
        items = [alert_item(request, service, row, i + 1, population, states)
                 for i, row in enumerate(alerts.to_dict("records"))]
        context = {
            "title": f"Travailleur {worker_id}",
            "service": service,
            "info": service.info,
            "worker": worker_summary(rows),
            "timeline": charts.worker_timeline(rows, rows, worker_id),
            "limits": charts.limit_gauges(rows, rows, worker_id),
            "projection": str(rows["projection"].iloc[0]),
            "items": items,
            "population": population,
        }
        return templates(request).render(request, f"{prefix}/worker.html", context)

    @router.get("/tableau-de-bord", response_class=HTMLResponse)
    def dashboard(request: Request, user: CurrentUser, s: DB, par: str = "secteur", secteur: str = "") -> Response:
        """Trends by sector or employer: collective dose, alerts and mean dose per worker, per period."""
        request.state.user = user
        if par not in GROUPINGS:
            par = "secteur"
        population = current_population(s, service)
        scope = employer_scope(user, service)
        seen = visible(population.frame, scope)
        sectors = sorted(set(seen["sector"].astype(str)), key=charts.sector_label)
        if secteur and secteur in sectors:
            seen = seen[(seen["sector"].astype(str) == secteur).to_numpy()]
        else:
            secteur = ""
        by = GROUPINGS[par][0]
        context = {
            "title": f"Tableau de bord — {service.info.title}",
            "service": service,
            "info": service.info,
            "par": par,
            "secteur": secteur,
            "groupings": [(k, v[1]) for k, v in GROUPINGS.items()],
            "sectors": [(code, charts.sector_label(code)) for code in sectors],
            "figures": dashboard_figures(seen),
            "charts": [
                charts.collective_dose_trends(seen, seen, by=by),
                charts.alert_trends(seen, seen, by=by),
                charts.group_trends(seen, seen, by=by),
            ] if len(seen) else [],
            "population": population,
            "scope": scope_label(scope),
        }
        return templates(request).render(request, f"{prefix}/dashboard.html", context)

    return router


def worker_summary(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """A worker's attributes as (French label, value) pairs, from their latest record."""
    last = rows.assign(_end=pd.to_datetime(rows["period_end"], errors="coerce")).sort_values("_end").iloc[-1]
    category = {"A": "A", "B": "B", "none": "non classé"}.get(str(last["category"]), "non renseignée")
    end = _date(last.get("follow_up_end"))
    labs = sorted({str(v) for v in rows["laboratory"].dropna().astype(str) if v.strip()})
    return [
        ("Année de naissance", str(last["year_of_birth"])),
        ("Sexe", str(last["sex"]) if last.get("sex") else "non renseigné"),
        ("Employeur (SIRET)", charts.siret_label(_siret(last["employer_siret"]))),
        ("Secteur", charts.sector_label(str(last["sector"]))),
        ("Métier", str(last["job"]).replace("_", " ")),
        ("Catégorie", category),
        ("Début du suivi", date_fr(_date(last.get("follow_up_start")), with_time=False) or "non renseigné"),
        ("Fin du suivi", date_fr(end, with_time=False) if end else "suivi en cours"),
        ("Enregistrements de dose", _int(len(rows))),
        ("Laboratoires", ", ".join(labs) or "non renseignés"),
    ]


def dashboard_figures(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Headline figures of the dashboard: workers, records, collective dose, alerts (French text)."""
    if frame.empty:
        return [("Travailleurs suivis", "0"), ("Enregistrements de dose", "0")]
    dose, usable = charts.effective_dose(frame, frame)
    return [
        ("Travailleurs suivis", _int(frame["worker_id"].nunique())),
        ("Enregistrements de dose", _int(len(frame))),
        ("Dose collective efficace (homme·mSv)", charts.fr(float(dose[usable].sum()), 1)),
        ("Alertes", _int(int(frame["alert"].sum()))),
        ("Dont réglementaires", _int(int((frame["severity"] == "reglementaire").sum()))),
    ]
