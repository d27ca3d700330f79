"""The targeting officers' pages of ``customs_fraud``, mounted under ``/services/customs_fraud``.

- ``POST /lot``: score today's demo batch or an uploaded file of declarations (up to
  ``page_max_rows`` rows in the request; larger files become a job) and show the selection;
- ``GET /selection`` (and ``/selection.csv``): the ranked selection of a stored lot for a capacity,
  an exploration share and the office / HS chapter / date filters;
- ``GET /declaration/{id}``: one declaration, its score, reasons and unit-value chart;
- ``POST /controle``: the inspection's outcome, stored as feedback for the next training.

The web application checks that the user may open the service before every one of these routes.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from iapublique.api.access import DB, CurrentUser, app_settings
from iapublique.api.results import plain_rows
from iapublique.api.uploads import UploadRefused, discard, prepare_upload, store_upload
from iapublique.core import audit, feedback, jobs, models_registry, runner
from iapublique.core.artifacts import ArtifactError, data_hash, read_manifest
from iapublique.core.explain import Explanation
from iapublique.core.store.models import User
from iapublique.core.tables import TableError, read_frame, read_table
from iapublique.services.customs_fraud import charts
from iapublique.services.customs_fraud.inspections import inspection_value
from iapublique.services.customs_fraud.schema import CRITICAL_LABELS, FRAUD_TYPE_LABELS, Record
from iapublique.services.customs_fraud.selection import (
    LOT_DAYS,
    Lot,
    Selection,
    SelectionError,
    SelectionParams,
    demo_token,
    load_lot,
    lot_frame,
    new_token,
    now_iso,
    save_lot,
    scope_options,
    select,
)
from iapublique.web.pages import templates
from iapublique.web.service_pages import page_context, signer, verified_item

if TYPE_CHECKING:
    from iapublique.services.customs_fraud import CustomsFraudService

SERVICE_ID = "customs_fraud"
BASE = f"/services/{SERVICE_ID}"
PAGE = f"services/{SERVICE_ID}/page.html"
FRAGMENT = f"services/{SERVICE_ID}/_selection.html"
DETAIL = f"services/{SERVICE_ID}/declaration.html"
DONE = f"services/{SERVICE_ID}/_controle_done.html"
RESULT_KEYS = ("score", "rank", "fraud_type", "duty_at_stake", "critical_class", "critical_probability", "drivers")
"""Result fields carried in signed feedback tokens (the explanation is left out: it is rebuilt from the lot)."""
FIELD_UNITS = {"tax_rate": "%", "net_mass": "kg", "item_price": "€"}
SELECTION_FIELDS = ("capacite", "unite", "exploration", "bureau", "chapitre", "du", "au", "page")


def is_fragment(request: Request) -> bool:
    """Whether to answer with the results fragment (an htmx swap) rather than a whole page."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def query_values(request: Request) -> dict[str, str]:
    """The selection fields of the query string."""
    return {k: request.query_params.get(k, "") for k in SELECTION_FIELDS}


# ---- lots ---------------------------------------------------------------------------------------------


def model_version(service: CustomsFraudService) -> str:
    """Version of the ``default`` model lots are scored with (a French ArtifactError when there is none)."""
    return read_manifest(models_registry.require_model(service, "default").parent).version


def score_lot(
    s: Session,
    service: CustomsFraudService,
    records: pd.DataFrame,
    *,
    user: User,
    data_dir: Path,
    origin: str,
    name: str,
    token: str,
) -> Lot:
    """Validate and score records with the default model, audit the run, store and return the lot."""
    validated = read_frame(
        records[[c for c in service.record_fields() if c in records.columns]], Record, name="données"
    )
    results = runner.score(service, validated)
    version = str(results["model_version"].iloc[0]) if len(results) else model_version(service)
    audit.record(
        s,
        "run",
        user=user,
        service_id=SERVICE_ID,
        input_hash=data_hash(validated),
        model_version=version,
        details={"rows": len(validated), "source": f"web:ciblage-{origin}", "lot": token},
    )
    lot = Lot(token, origin, name, version, now_iso(), lot_frame(validated, results))
    save_lot(data_dir, lot)
    return lot


def demo_lot(s: Session, service: CustomsFraudService, user: User, data_dir: Path) -> Lot:
    """Today's demo batch, scored once per model version and kept under its fixed token."""
    token = demo_token(model_version(service))
    lot = load_lot(data_dir, token)
    if lot is not None:
        return lot
    return score_lot(
        s,
        service,
        service.demo_batch(),
        user=user,
        data_dir=data_dir,
        origin="demo",
        name="lot de démonstration",
        token=token,
    )


def find_lot(request: Request, s: Session, service: CustomsFraudService, user: User, token: str) -> Lot:
    """The lot of a token: stored, or the demo lot rebuilt; 404 in French otherwise."""
    data_dir = app_settings(request).data_dir
    lot = load_lot(data_dir, token)
    if lot is not None:
        return lot
    if token.startswith("demo-"):
        try:
            lot = demo_lot(s, service, user, data_dir)
        except ArtifactError as err:
            raise HTTPException(409, f"Modèle indisponible : {err}") from None
        if lot.token == token:
            return lot
    raise HTTPException(
        404,
        f"Lot de déclarations introuvable ou expiré (les fichiers déposés sont gardés {LOT_DAYS} jours) : "
        "déposez-le à nouveau.",
    )


# ---- views ----------------------------------------------------------------------------------------------


def factors_of(cell: Any) -> Explanation:
    """The explanation of a lot row (an Explanation JSON string)."""
    try:
        return Explanation.from_cell(cell if isinstance(cell, str | dict) else {"summary": ""})
    except ValueError:
        return Explanation(summary="")


def feedback_payload(row: dict[str, Any], lot: Lot, position: int | None = None) -> dict[str, Any]:
    """What a signed feedback token holds: the record and the result shown, the model version and the lot."""
    record = {k: row.get(k) for k in Record.model_fields}
    result = {k: row.get(k) for k in RESULT_KEYS}
    result["declaration_id"] = row.get("declaration_id")
    return {
        "service": SERVICE_ID,
        "key": str(row.get("declaration_id")),
        "record": record,
        "result": result,
        "version": lot.model_version,
        "score": row.get("score"),
        "job": None,
        "lot": lot.token,
        "row": int(row.get("lot_row", -1)),
        "position": position,
    }


def detail_url(lot: Lot, params: SelectionParams, key: str, lot_row: int) -> str:
    """Link to the detail view of one declaration, keeping the selection settings for the way back."""
    return f"{BASE}/declaration/{quote(key, safe='')}?{params.query(lot.token)}&ligne={lot_row + 1}"


def selection_rows(request: Request, lot: Lot, selection: Selection) -> list[dict[str, Any]]:
    """The page's selected declarations, ready for the table (with their signed feedback tokens)."""
    page = selection.page_rows()
    sign = signer(request)
    out = []
    for row in plain_rows(page):
        explanation = factors_of(row.get("explanation"))
        position = int(row["position"])
        key = str(row.get("declaration_id"))
        fraud_type = row.get("fraud_type")
        out.append(
            {
                "position": position,
                "key": key,
                "exploration": bool(row.get("exploration")),
                "date": pd.Timestamp(row["date"]) if row.get("date") else None,
                "office": row.get("office_id"),
                "hs6": row.get("hs6_code"),
                "origin": row.get("country_of_origin"),
                "score": row.get("score"),
                "fraud_type": FRAUD_TYPE_LABELS.get(fraud_type, "") if isinstance(fraud_type, str) else "",
                "duty": row.get("duty_at_stake") if isinstance(fraud_type, str) else None,
                "critical": int(row.get("critical_class") or 0) == 2,
                "explanation": explanation,
                "model_version": lot.model_version,
                "token": sign.dumps(feedback_payload(row, lot, position)),
                "url": detail_url(lot, selection.params, key, int(row["lot_row"])),
            }
        )
    return out


def pagination(lot: Lot, selection: Selection) -> list[dict[str, Any]]:
    """Page links of the selection (every page: a selection rarely has more than a few)."""
    if selection.pages <= 1:
        return []
    return [
        {
            "number": p,
            "url": f"{BASE}/selection?{selection.params.query(lot.token, page=p)}",
            "current": p == selection.page,
        }
        for p in range(1, selection.pages + 1)
    ]


def selection_context(request: Request, lot: Lot, selection: Selection) -> dict[str, Any]:
    """Everything the selection fragment shows."""
    query = selection.params.query(lot.token)
    return {
        "lot": lot,
        "selection": selection,
        "selected": selection_rows(request, lot, selection),
        "options": scope_options(lot.frame),
        "form": selection.params.fields(),
        "pages": pagination(lot, selection),
        "csv_url": f"{BASE}/selection.csv?{query}",
    }


def render(
    request: Request,
    service: CustomsFraudService,
    user: User,
    extra: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    """The selection fragment to htmx, else the whole service page with it."""
    renderer = templates(request)
    request.state.user = user
    if is_fragment(request):
        # htmx swaps only 2xx and 42x answers: other refusals are shown in the fragment as well
        shown = status_code if status_code < 400 or 420 <= status_code < 430 else 422
        context = {"service": service, "info": service.info, **extra}
        response = renderer.render(request, FRAGMENT, context, status_code=shown)
    else:
        context = {**page_context(request, service, user), **extra}
        response = renderer.render(request, PAGE, context, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    return response


def error_view(
    request: Request,
    service: CustomsFraudService,
    user: User,
    message: str,
    status: int,
    field: str | None = None,
    lot: Lot | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The page or fragment with a French error (and the lot's settings form when there is a lot)."""
    extra: dict[str, Any] = {"error": message, "error_field": field, "form": form or {}}
    if lot is not None:
        extra.update({"lot": lot, "options": scope_options(lot.frame)})
    return render(request, service, user, extra, status_code=status)


# ---- inspection results --------------------------------------------------------------------------------


def inspections_of(s: Session, key: str) -> list[dict[str, Any]]:
    """Inspection results already recorded on a declaration, newest first."""
    out = []
    for fb in reversed(feedback.list_feedback(s, SERVICE_ID, item_key=key)):
        value = fb.value or {}
        if fb.verdict != "correct" or "fraud" not in value:
            continue
        out.append(
            {
                "date": fb.created_at,
                "fraud": bool(value.get("fraud")),
                "critical": value.get("critical_fraud") == 2,
                "fraud_type": FRAUD_TYPE_LABELS.get(str(value.get("fraud_type")), ""),
                "duty": value.get("duty_recovered"),
                "comment": fb.comment,
                "model_version": fb.model_version,
            }
        )
    return out


def record_lines(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The declaration's fields with their French label, file column name and formatted value."""
    lines = []
    for name, info in Record.model_fields.items():
        lines.append(
            {
                "name": name,
                "label": info.description,
                "column": info.alias,
                "value": row.get(name),
                "unit": FIELD_UNITS.get(name, ""),
            }
        )
    return lines


def back_to(retour: str) -> str:
    """Where to go after recording an inspection without htmx: the declaration's page, never elsewhere."""
    safe = retour.startswith(f"{BASE}/declaration/") and "?" in retour and retour.isprintable()
    if not safe or "//" in retour or "\\" in retour:
        raise HTTPException(400, "Adresse de retour invalide : rouvrez la fiche de la déclaration.")
    return retour


# ---- the router -------------------------------------------------------------------------------------------


def build_router(service: CustomsFraudService) -> APIRouter:
    """The service's own routes (paths relative to ``/services/customs_fraud``)."""
    router = APIRouter(include_in_schema=False)

    @router.post("/lot", response_class=HTMLResponse)
    async def create_lot(
        request: Request,
        user: CurrentUser,
        s: DB,
        source: Annotated[str, Form()] = "demo",
        fichier: Annotated[UploadFile | None, File()] = None,
        capacite: Annotated[str, Form()] = "",
        unite: Annotated[str, Form()] = "",
        exploration: Annotated[str, Form()] = "",
    ) -> Response:
        """Score the demo batch or an uploaded file, then show the selection for the capacity asked."""
        form = {"capacite": capacite, "unite": unite, "exploration": exploration}
        try:
            params = SelectionParams.parse(form)
        except SelectionError as err:
            return error_view(request, service, user, err.message, 422, err.field, form=form)
        try:
            if source == "fichier":
                if fichier is None or not fichier.filename:
                    return error_view(
                        request,
                        service,
                        user,
                        "Aucun fichier reçu : choisissez un fichier de déclarations (CSV ou Parquet) puis recommencez.",
                        422,
                        "fichier",
                        form=form,
                    )
                outcome = await upload_lot(request, s, service, user, fichier)
                if isinstance(outcome, int):
                    target = f"/travaux/{outcome}"
                    if is_fragment(request):
                        return Response(status_code=200, headers={"HX-Redirect": target})
                    return RedirectResponse(target, status_code=303)
                lot = outcome
            else:
                lot = demo_lot(s, service, user, app_settings(request).data_dir)
        except TableError as err:
            return error_view(request, service, user, str(err), 422, "fichier", form=form)
        except UploadRefused as err:
            return error_view(request, service, user, str(err.detail), 415, "fichier", form=form)
        except ArtifactError as err:
            return error_view(request, service, user, f"Modèle indisponible : {err}", 409, form=form)
        target = f"{BASE}/selection?{params.query(lot.token)}"
        if not is_fragment(request):  # post/redirect/get: reloading the page never scores the batch again
            return RedirectResponse(target, status_code=303)
        response = render(request, service, user, selection_context(request, lot, select(lot, params)))
        response.headers["HX-Push-Url"] = target
        return response

    @router.get("/selection", response_class=HTMLResponse)
    def show_selection(request: Request, user: CurrentUser, s: DB, lot: str = "") -> Response:
        """The ranked selection of a stored lot for the settings and filters of the query string."""
        found = find_lot(request, s, service, user, lot)
        values = query_values(request)
        try:
            params = SelectionParams.parse(values)
        except SelectionError as err:
            return error_view(request, service, user, err.message, 422, err.field, lot=found, form=values)
        return render(request, service, user, selection_context(request, found, select(found, params)))

    @router.get("/selection.csv")
    def selection_csv(request: Request, user: CurrentUser, s: DB, lot: str = "") -> Response:
        """The whole selection (every page) as CSV, « ; »-separated with a UTF-8 BOM like the job results."""
        found = find_lot(request, s, service, user, lot)
        try:
            params = SelectionParams.parse(query_values(request))
        except SelectionError as err:
            raise HTTPException(422, err.message) from None
        rows = select(found, params).rows
        columns = [
            "position",
            "exploration",
            "declaration_id",
            "date",
            "office_id",
            "hs6_code",
            "country_of_origin",
            "score",
            "fraud_type",
            "duty_at_stake",
            "critical_class",
            "drivers",
        ]
        table = rows[[c for c in columns if c in rows.columns]].copy()
        table["exploration"] = table["exploration"].map({True: "oui", False: "non"})
        table["model_version"] = found.model_version
        buffer = io.StringIO()
        buffer.write("\ufeff")
        table.to_csv(buffer, sep=";", index=False, quoting=csv.QUOTE_MINIMAL, date_format="%Y-%m-%d")
        name = f"selection-{found.token}.csv"
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/declaration/{declaration_id:path}", response_class=HTMLResponse)
    def declaration(
        request: Request,
        declaration_id: str,
        user: CurrentUser,
        s: DB,
        lot: str = "",
        ligne: int = 0,
        enregistre: int = 0,
    ) -> Response:
        """One declaration: its fields, score and reasons, the unit-value chart, and the inspection form."""
        found = find_lot(request, s, service, user, lot)
        frame = found.frame
        ids = frame["declaration_id"].astype(str).to_numpy()
        if 1 <= ligne <= len(frame) and ids[ligne - 1] == declaration_id:
            position = ligne - 1
        else:
            matches = (ids == declaration_id).nonzero()[0]
            if not len(matches):
                raise HTTPException(404, f"Déclaration « {declaration_id} » absente de ce lot.")
            position = int(matches[0])
        row = plain_rows(frame.iloc[[position]])[0]
        row["lot_row"] = position
        values = query_values(request)
        try:
            params = SelectionParams.parse(values)
        except SelectionError:
            params = SelectionParams()
        chosen = select(found, params).rows
        picked = chosen[chosen["lot_row"] == position]
        value = charts.unit_value(row)
        try:
            model, _ = models_registry.load(service, "default")
        except ArtifactError:
            model = None
        reference = charts.model_reference(model, row) if model is not None else None
        reference = reference or charts.batch_reference(frame, row)
        chart = charts.build_chart(reference, value) if reference is not None else None
        fraud_type = row.get("fraud_type")
        request.state.user = user
        context = {
            "title": f"Déclaration {declaration_id}",
            "service": service,
            "info": service.info,
            "lot": found,
            "row": row,
            "key": declaration_id,
            "lines": record_lines(row),
            "date": pd.Timestamp(row["date"]) if row.get("date") else None,
            "explanation": factors_of(row.get("explanation")),
            "fraud_type": FRAUD_TYPE_LABELS.get(fraud_type, "") if isinstance(fraud_type, str) else "",
            "critical_label": CRITICAL_LABELS.get(int(row.get("critical_class") or 0), ""),
            "selected": None
            if picked.empty
            else {"position": int(picked["position"].iloc[0]), "exploration": bool(picked["exploration"].iloc[0])},
            "back_url": f"{BASE}/selection?{params.query(found.token)}",
            "chart": chart,
            "unit_value": value if math.isfinite(value) else None,
            "rank_text": charts.rank_text(chart.rank) if chart is not None else "",
            "token": signer(request).dumps(feedback_payload(row, found)),
            "inspections": inspections_of(s, declaration_id),
            "saved": bool(enregistre),
            "fraud_types": FRAUD_TYPE_LABELS,
            "chart_decimals": charts.decimals_for,
            "self_url": detail_url(found, params, declaration_id, position),
        }
        return templates(request).render(request, DETAIL, context)

    @router.post("/controle", response_class=HTMLResponse)
    def record_inspection(
        request: Request,
        user: CurrentUser,
        s: DB,
        item: Annotated[str, Form()] = "",
        fraude: Annotated[str, Form()] = "",
        type_fraude: Annotated[str, Form()] = "",
        critique: Annotated[str, Form()] = "",
        droits: Annotated[str, Form()] = "",
        commentaire: Annotated[str, Form()] = "",
        retour: Annotated[str, Form()] = "",
    ) -> Response:
        """Store the inspection's outcome as a « correct » verdict (the truth for the next training)."""
        shown = verified_item(
            request, service, item,
            "Résultat de contrôle refusé : la déclaration concernée n'a pas pu être vérifiée. Rouvrez sa fiche.",
        )
        back = "" if is_fragment(request) else back_to(retour)
        try:
            value = inspection_value(fraude.strip(), type_fraude.strip(), critique.strip(), droits)
            row = feedback.add(
                s,
                service_id=SERVICE_ID,
                user=user,
                item_key=str(shown.get("key", "")),
                verdict="correct",
                value=value,
                comment=commentaire,
                record=shown.get("record"),
                result=shown.get("result"),
                model_version=str(shown.get("version") or ""),
                score=shown.get("score"),
                source="web:controle",
            )
        except ValueError as err:
            if is_fragment(request):
                return templates(request).render(request, DONE, {"ok": False, "message": str(err)}, status_code=422)
            raise HTTPException(422, str(err)) from None
        outcome = "fraude constatée" if value["fraud"] else "pas de fraude"
        message = (
            f"Résultat du contrôle de « {row.item_key} » enregistré ({outcome}) : il servira au prochain entraînement."
        )
        if is_fragment(request):
            return templates(request).render(request, DONE, {"ok": True, "message": message})
        return RedirectResponse(f"{back}&enregistre=1", status_code=303)

    return router


async def upload_lot(
    request: Request, s: Session, service: CustomsFraudService, user: User, upload: UploadFile
) -> Lot | int:
    """Check an uploaded file; score it into a lot, or submit it as a job when it is too large (job id)."""
    settings = app_settings(request)
    stored = await store_upload(upload, settings, service)
    name = upload.filename or stored.name
    submitted = False
    try:
        table, n_rows = prepare_upload(stored, name, service, user)
        if n_rows > service.page_max_rows:
            job = jobs.submit(s, service, user=user, input_path=table, input_name=name)
            submitted = True
            return job.id
        records = read_table(table, Record, name=name)
        return score_lot(
            s, service, records, user=user, data_dir=settings.data_dir, origin="fichier", name=name, token=new_token()
        )
    finally:
        if not submitted:
            discard(stored)
