"""API resource « feedback »: agents confirm, correct or comment results; the feedback is exported for retraining."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from iapublique.api.access import DB, AccessibleService, CurrentUser, item_visible, visible_job, visible_result_rows
from iapublique.api.jobs import job_item_visible
from iapublique.api.results import plain_rows
from iapublique.api.schemas import ErrorOut, FeedbackIn, FeedbackOut
from iapublique.core import audit, feedback

router = APIRouter(tags=["retours"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Authentification requise"},
    403: {"model": ErrorOut, "description": "Service réservé à une autre administration"},
    404: {"model": ErrorOut, "description": "Service ou travail inconnu"},
}


@router.post(
    "/services/{service_id}/feedback",
    response_model=FeedbackOut,
    status_code=201,
    summary="Avis sur un résultat",
    responses={**ERRORS, 422: {"model": ErrorOut, "description": "Avis incomplet"}},
)
def add_feedback(
    body: FeedbackIn, request: Request, service: AccessibleService, user: CurrentUser, s: DB
) -> FeedbackOut:
    """Enregistre la confirmation, la correction (avec la valeur juste) ou le commentaire d'un agent."""
    if body.job_id is not None:
        job = visible_job(body.job_id, request, user, s)
        if job.service_id != service.info.id:
            raise HTTPException(404, f"Travail n° {body.job_id} introuvable pour ce service.")
        if not job_item_visible(request, job, user, body.item_key):
            raise HTTPException(404, f"Élément « {body.item_key} » introuvable dans le travail n° {job.id}.")
    if not item_visible(service, user, body.record, body.result):
        raise HTTPException(403, "Avis refusé : cet élément n'est pas dans votre périmètre (ou son périmètre "
                                 "n'est pas indiqué dans « record » ou « result »).")
    try:
        row = feedback.add(
            s,
            service_id=service.info.id,
            user=user,
            item_key=body.item_key,
            verdict=body.verdict,
            value=body.value,
            comment=body.comment,
            record=body.record,
            result=body.result,
            model_version=body.model_version,
            score=body.score,
            job_id=body.job_id,
            source="api",
        )
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
    return FeedbackOut(
        id=row.id,
        service_id=row.service_id,
        item_key=row.item_key,
        verdict=row.verdict,
        value=row.value or {},
        comment=row.comment,
        model_version=row.model_version,
        created_at=row.created_at,
    )


@router.get(
    "/services/{service_id}/feedback",
    summary="Export des avis",
    responses={
        **ERRORS,
        200: {"content": {"application/json": {}, "text/csv": {}}, "description": "Un avis par ligne"},
    },
)
def export_feedback(
    service: AccessibleService,
    user: CurrentUser,
    s: DB,
    format: Annotated[Literal["json", "csv"], Query(description="json ou csv (« ; », UTF-8 avec BOM)")] = "json",
) -> Response:
    """Exporte les avis du service, un par ligne, champs de l'élément aplatis (pour réentraîner le modèle)."""
    frame = visible_result_rows(service, user, feedback.export(s, service.info.id))
    audit.record(s, "feedback_export", user=user, service_id=service.info.id, details={"rows": len(frame)})
    if format == "json":
        return JSONResponse(plain_rows(frame))
    buffer = io.StringIO()
    frame.to_csv(buffer, sep=";", index=False)
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{service.info.id}-avis.csv"'},
    )
