"""Service pages: one generic page per service (form, upload, demo, results, feedback) and its model card.

A service may replace the generic page with its own ``templates/page.html`` (extending ``service.html``
or ``base.html``); the context it receives is documented in ``docs/web.md``.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from iapublique.api.access import DB, AccessibleService, CurrentUser, app_settings, item_visible
from iapublique.api.jobs import submit_upload
from iapublique.api.results import BASE_RESULT_FIELDS, RunRow, run_sync
from iapublique.api.services import describe_fields
from iapublique.api.uploads import UploadRefused, accepted_suffixes
from iapublique.core import feedback, models_registry
from iapublique.core.artifacts import ArtifactError
from iapublique.core.service import Service
from iapublique.core.store.models import User
from iapublique.core.tables import TableError, column_names
from iapublique.web.pages import templates

router = APIRouter(include_in_schema=False)

DISPLAY_LIMIT = 200
"""Results shown in a page at most (the demo batch of a service may be larger; files go through jobs)."""
TEXTAREA_HINTS = ("text", "texte", "contenu", "description", "motif", "objet", "clause", "resume", "libelle")


def signer(request: Request) -> URLSafeSerializer:
    """Signs the result a feedback button refers to, so the stored record/result are the ones shown."""
    value: URLSafeSerializer = request.app.state.signer
    return value


def widget(field: Any, name: str, kind: str) -> str:
    """The form control of a field: ``textarea`` for long text, ``select`` for choices, else ``input``."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if extra.get("widget") in ("textarea", "input", "select"):
        return str(extra["widget"])
    if kind in ("choix", "booléen"):
        return "select"
    if kind == "texte" and any(h in name.lower() for h in TEXTAREA_HINTS):
        return "textarea"
    return "input"


def form_fields(service: Service) -> list[dict[str, Any]]:
    """The fields of the one-record form, with their control and choices."""
    out = []
    for f in describe_fields(service):
        model_field = service.Record.model_fields[f.name]
        choices = f.choices or (["oui", "non"] if f.type == "booléen" else [])
        out.append({**f.model_dump(), "widget": widget(model_field, f.name, f.type), "choices": choices})
    return out


def correction_field(service: Service) -> str:
    """The result field a « correct » verdict gives the right value of (the first service-specific one)."""
    for name in service.result_fields():
        if name not in BASE_RESULT_FIELDS and name != service.key_field:
            return name
    return "value"


def result_columns(service: Service, rows: list[RunRow]) -> list[str]:
    """Service-specific result columns shown in the table (not the key, score, explanation, version).

    A Result field declared with ``json_schema_extra={"in_table": False}`` (e.g. a JSON list of candidates
    that the service's own page lays out) stays in downloads and the API but out of the generic table.
    """
    declared = [
        n
        for n, f in service.Result.model_fields.items()
        if n not in BASE_RESULT_FIELDS
        and n != service.key_field
        and not (isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("in_table") is False)
    ]
    return declared or ([k for k in rows[0].extra_fields() if k != service.key_field] if rows else [])


def view_rows(
    request: Request, service: Service, rows: list[RunRow], job_id: int | None = None
) -> list[dict[str, Any]]:
    """Rows for the results table, each with the signed token its feedback forms send back."""
    sign = signer(request)
    out = []
    for position, row in enumerate(rows):
        key = row.item_key if row.item_key is not None else str(position + 1)
        token = sign.dumps(
            {
                "service": service.info.id,
                "key": key,
                "record": row.record,
                "result": {k: v for k, v in row.result.items() if k != "explanation"},
                "version": row.model_version,
                "score": row.score,
                "job": job_id,
            }
        )
        out.append({"key": key, "row": row, "token": token, "position": position + 1})
    return out


def page_context(
    request: Request,
    service: Service,
    user: User,
    *,
    rows: list[RunRow] | None = None,
    error: str | None = None,
    error_field: str | None = None,
    values: dict[str, str] | None = None,
    origin: str = "",
    hidden_rows: int = 0,
) -> dict[str, Any]:
    """Everything a service page (generic or overridden) receives; documented in docs/web.md."""
    request.state.user = user
    settings = app_settings(request)
    return {
        "title": service.info.title,
        "service": service,
        "info": service.info,
        "fields": form_fields(service),
        "values": values or {},
        "rows": view_rows(request, service, rows[:DISPLAY_LIMIT]) if rows is not None else None,
        "total_rows": len(rows) if rows is not None else 0,
        "result_columns": result_columns(service, rows or []),
        "correction_field": correction_field(service),
        "origin": origin,
        "hidden_rows": hidden_rows,
        "error": error,
        "error_field": error_field,
        "accepted": ", ".join(accepted_suffixes(service)),
        "max_upload_mb": settings.max_upload_mb,
        "sync_max_rows": settings.sync_max_rows,
    }


def render_service(request: Request, service: Service, context: dict[str, Any], status_code: int = 200) -> Response:
    """The results fragment for htmx requests, else the full page (the service's override when it has one)."""
    renderer = templates(request)
    if request.headers.get("hx-request") == "true":
        return renderer.render(request, "_results.html", context, status_code=status_code)
    override = f"services/{service.info.id}/page.html"
    name = override if renderer.has(override) else "service.html"
    return renderer.render(request, name, context, status_code=status_code)


def field_of_column(service: Service, column: str | None) -> str | None:
    """The Record field shown under this column name (errors name columns)."""
    if column is None:
        return None
    for name, shown in column_names(service.Record).items():
        if column in (name, shown):
            return name
    return None


def run_and_render(
    request: Request,
    service: Service,
    user: User,
    s: Any,
    records: pd.DataFrame,
    *,
    origin: str,
    values: dict[str, str] | None = None,
) -> Response:
    """Score records in the request and show the results, or the French error in the page.

    The demo batch is the service's own fixed input, so it is not held to ``sync_max_rows``.
    """
    limit = app_settings(request).sync_max_rows
    if origin == "demo":
        limit = max(limit, len(records))
    try:
        rows = run_sync(
            s, service, records, user=user, max_rows=limit, source=f"web:{origin}", own_input=origin == "demo"
        )
    except TableError as err:
        where = f"champ « {err.field} » : " if err.field else ""
        message = f"{where}{err.message}" if origin == "formulaire" else str(err)
        context = page_context(
            request,
            service,
            user,
            error=message,
            error_field=field_of_column(service, err.field),
            values=values,
            origin=origin,
        )
        return render_service(request, service, context, status_code=422)
    except HTTPException as err:
        context = page_context(request, service, user, error=str(err.detail), values=values, origin=origin)
        return render_service(request, service, context, status_code=err.status_code)
    context = page_context(
        request, service, user, rows=rows, values=values, origin=origin, hidden_rows=len(records) - len(rows)
    )
    return render_service(request, service, context)


@router.get("/services/{service_id}", response_class=HTMLResponse)
def service_page(request: Request, service: AccessibleService, user: CurrentUser) -> Response:
    """The service page: try the demo, analyse one item, or upload a file."""
    return render_service(request, service, page_context(request, service, user))


@router.post("/services/{service_id}/demo", response_class=HTMLResponse)
def run_demo(request: Request, service: AccessibleService, user: CurrentUser, s: DB) -> Response:
    """Run the service on its demonstration batch."""
    return run_and_render(request, service, user, s, service.demo_batch(), origin="demo")


@router.post("/services/{service_id}/essai", response_class=HTMLResponse)
async def run_form(request: Request, service: AccessibleService, user: CurrentUser, s: DB) -> Response:
    """Run the service on the one item typed in the form."""
    form = await request.form()
    values = {}
    for name in service.Record.model_fields:
        raw = form.get(name)
        values[name] = raw.strip() if isinstance(raw, str) else ""
    records = pd.DataFrame([{k: (v if v != "" else None) for k, v in values.items()}], dtype=object)
    return run_and_render(request, service, user, s, records, origin="formulaire", values=values)


@router.post("/services/{service_id}/fichier", response_class=HTMLResponse)
async def upload_file(
    request: Request,
    service: AccessibleService,
    user: CurrentUser,
    s: DB,
    fichier: Annotated[UploadFile, File()],
    modele: Annotated[str, Form()] = "default",
) -> Response:
    """Store and check an uploaded file, then follow its job on the job page."""
    try:
        job = await submit_upload(s, service, fichier, user=user, settings=app_settings(request), model_name=modele)
    except TableError as err:
        context = page_context(request, service, user, error=str(err), origin="fichier")
        return render_service(request, service, context, status_code=422)
    except UploadRefused as err:
        context = page_context(request, service, user, error=str(err.detail), origin="fichier")
        return render_service(request, service, context, status_code=415)
    except ArtifactError as err:
        context = page_context(request, service, user, error=f"Modèle indisponible : {err}", origin="fichier")
        return render_service(request, service, context, status_code=409)
    return RedirectResponse(f"/travaux/{job.id}", status_code=303)


def verified_item(request: Request, service: Service, item: str, unverified: str) -> dict[str, Any]:
    """The record/result a page showed, from its server-signed token; 400 when forged or from another service.

    ``unverified`` is the French message for a token that fails its signature check.
    """
    try:
        shown = signer(request).loads(item)
    except BadSignature:
        raise HTTPException(400, unverified) from None
    if not isinstance(shown, dict) or shown.get("service") != service.info.id:
        raise HTTPException(400, "Avis refusé : l'élément concerné ne vient pas de ce service.")
    return shown


@router.post("/services/{service_id}/avis", response_class=HTMLResponse)
def give_feedback(
    request: Request,
    service: AccessibleService,
    user: CurrentUser,
    s: DB,
    item: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "",
    valeur: Annotated[str, Form()] = "",
    commentaire: Annotated[str, Form()] = "",
) -> Response:
    """Store an agent's confirmation, correction or comment on a result shown on a page."""
    shown = verified_item(
        request, service, item, "Avis refusé : le résultat concerné n'a pas pu être vérifié. Relancez le traitement."
    )
    if not item_visible(service, user, shown.get("record"), shown.get("result")):
        raise HTTPException(403, "Avis refusé : cet élément n'est pas dans votre périmètre.")
    value = {correction_field(service): valeur.strip()} if verdict == "correct" and valeur.strip() else None
    try:
        row = feedback.add(
            s,
            service_id=service.info.id,
            user=user,
            item_key=str(shown.get("key", "")),
            verdict=verdict,
            value=value,
            comment=commentaire,
            record=shown.get("record"),
            result=shown.get("result"),
            model_version=str(shown.get("version") or ""),
            score=shown.get("score"),
            job_id=shown.get("job"),
            source="web",
        )
    except ValueError as err:
        return templates(request).render(
            request, "_feedback_done.html", {"ok": False, "message": str(err), "service": service}, status_code=422
        )
    words = {"confirm": "confirmation", "correct": "correction", "comment": "commentaire"}
    message = f"Merci : votre {words[verdict]} sur « {row.item_key} » est enregistrée."
    if request.headers.get("hx-request") == "true":
        return templates(request).render(
            request, "_feedback_done.html", {"ok": True, "message": message, "service": service}
        )
    request.state.user = user
    return templates(request).render(
        request, "feedback_page.html", {"title": "Avis enregistré", "message": message, "service": service}
    )


@router.get("/services/{service_id}/fiche", response_class=HTMLResponse)
def model_card(request: Request, service: AccessibleService, user: CurrentUser, s: DB) -> Response:
    """The service's model card (French Markdown, rendered safely) and its trained models."""
    request.state.user = user
    try:
        card = service.model_card()
    except FileNotFoundError:
        card = ""
    models = models_registry.list_models(s, service.info.id)
    return templates(request).render(
        request,
        "model_card.html",
        {"title": f"Fiche du modèle — {service.info.title}", "service": service, "card": card, "models": models},
    )
