"""API resource « jobs »: submit a file for batch processing, follow its progress, download its results."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import pyarrow.parquet as pq
from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from iapublique.api.access import (
    DB,
    AccessibleService,
    CurrentUser,
    VisibleJob,
    app_services,
    app_settings,
    sees_everything,
    visible_result_rows,
    visible_services,
)
from iapublique.api.schemas import ErrorOut, JobOut
from iapublique.api.uploads import discard, prepare_upload, store_upload
from iapublique.core import jobs
from iapublique.core.artifacts import ArtifactError, check_name
from iapublique.core.service import Service
from iapublique.core.store.models import Job, User
from iapublique.core.tables import TableError
from iapublique.settings import Settings

router = APIRouter(tags=["travaux"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Authentification requise"},
    404: {"model": ErrorOut, "description": "Travail introuvable (ou d'une autre administration)"},
}
MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


async def submit_upload(
    s: Session, service: Service, upload: UploadFile, *, user: User, settings: Settings, model_name: str
) -> Job:
    """Store, check and submit an uploaded file as a job; nothing is kept when the file is refused."""
    try:
        check_name(model_name)
    except ArtifactError as err:
        raise HTTPException(422, str(err)) from None
    stored = await store_upload(upload, settings, service)
    name = upload.filename or stored.name
    try:
        table, _rows = prepare_upload(stored, name, service, user)
        return jobs.submit(s, service, user=user, input_path=table, input_name=name, model_name=model_name)
    except (TableError, ArtifactError, ValueError):
        discard(stored)
        raise


def job_query(user: User, services: dict[str, Service], service_id: str | None) -> Any:
    """Jobs of the services the user may see, newest first (optionally one service)."""
    ids = [svc.info.id for svc in visible_services(user, services)]
    if service_id is not None:
        ids = [i for i in ids if i == service_id]
    return select(Job).where(Job.service_id.in_(ids)).order_by(Job.id.desc())


def result_file(job: Job, fmt: Literal["csv", "parquet"]) -> Path:
    """The job's result file in the asked format (409 in French while it is not available)."""
    if job.status != "done":
        state = {"queued": "en attente", "running": "en cours", "failed": "en échec"}.get(job.status, job.status)
        raise HTTPException(409, f"Résultats indisponibles : le travail n° {job.id} est {state}.")
    try:
        return jobs.output_file(job, fmt)
    except ValueError as err:
        raise HTTPException(409, f"Résultats indisponibles : {err}") from None


@router.post(
    "/services/{service_id}/jobs",
    response_model=JobOut,
    status_code=202,
    summary="Dépôt d'un fichier à traiter",
    responses={
        **ERRORS,
        403: {"model": ErrorOut, "description": "Service réservé à une autre administration"},
        409: {"model": ErrorOut, "description": "Aucun modèle entraîné"},
        413: {"model": ErrorOut, "description": "Fichier trop volumineux"},
        415: {"model": ErrorOut, "description": "Type de fichier refusé"},
        422: {"model": ErrorOut, "description": "Fichier invalide (ligne et champ indiqués)"},
    },
)
async def submit_job(
    request: Request,
    service: AccessibleService,
    user: CurrentUser,
    s: DB,
    file: Annotated[UploadFile, File(description="Fichier CSV (« , » ou « ; », UTF-8), Parquet ou JSONL")],
    model: Annotated[str, Form(description="Nom du modèle entraîné à utiliser")] = "default",
) -> JobOut:
    """Dépose un fichier et lance son traitement par lot ; suivre ensuite `GET /jobs/{id}`."""
    job = await submit_upload(s, service, file, user=user, settings=app_settings(request), model_name=model)
    s.refresh(job)
    return JobOut.of(job)


@router.get("/jobs", response_model=list[JobOut], summary="Travaux visibles", responses=ERRORS)
def list_jobs(
    request: Request,
    user: CurrentUser,
    s: DB,
    service: Annotated[str | None, Query(description="Limiter à un service")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Nombre maximal de travaux")] = 100,
) -> list[JobOut]:
    """Les travaux des services accessibles à l'utilisateur, du plus récent au plus ancien."""
    rows = s.scalars(job_query(user, app_services(request), service).limit(limit))
    return [JobOut.of(job) for job in rows]


@router.get("/jobs/{job_id}", response_model=JobOut, summary="État d'un travail", responses=ERRORS)
def get_job(job: VisibleJob) -> JobOut:
    """État et avancement d'un travail (lignes traitées, fraction, message)."""
    return JobOut.of(job)


@router.get(
    "/jobs/{job_id}/results",
    summary="Résultats d'un travail",
    response_class=FileResponse,
    responses={
        **ERRORS,
        200: {
            "content": {MEDIA["csv"]: {}, MEDIA["parquet"]: {}},
            "description": "Fichier de résultats, avec la version du modèle sur chaque ligne",
        },
        409: {"model": ErrorOut, "description": "Travail pas encore terminé ou en échec"},
    },
)
def job_results(
    request: Request,
    job: VisibleJob,
    user: CurrentUser,
    format: Annotated[
        Literal["csv", "parquet"], Query(description="csv (séparateur « ; », UTF-8 avec BOM) ou parquet")
    ] = "csv",
) -> Response:
    """Télécharge les résultats d'un travail terminé (pour un accès restreint, les seules lignes de son périmètre)."""
    parquet = result_file(job, "parquet")
    name = f"{job.service_id}-travail-{job.id}.{format}"
    service = app_services(request)[job.service_id]
    if sees_everything(service, user, pq.read_schema(parquet).names):
        return FileResponse(result_file(job, format), media_type=MEDIA[format], filename=name)
    rows = visible_result_rows(service, user, pd.read_parquet(parquet))
    return Response(table_bytes(rows, format), media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def table_bytes(rows: pd.DataFrame, fmt: Literal["csv", "parquet"]) -> bytes:
    """A result table as a downloadable file's bytes, in the same forms as the files written by jobs."""
    if fmt == "parquet":
        buffer = io.BytesIO()
        rows.to_parquet(buffer, index=False)
        return buffer.getvalue()
    return rows.to_csv(sep=";", index=False).encode("utf-8-sig")


def visible_job_rows(request: Request, job: Job, user: User) -> pd.DataFrame:
    """The rows of a finished job's results this user may see (ValueError when the file is unavailable)."""
    service = app_services(request)[job.service_id]
    return visible_result_rows(service, user, pd.read_parquet(jobs.output_file(job, "parquet")))


def job_item_visible(request: Request, job: Job, user: User, item_key: str) -> bool:
    """True when the job's results hold this item among the rows the user may see (always for full access)."""
    service = app_services(request)[job.service_id]
    try:
        parquet = jobs.output_file(job, "parquet")
    except ValueError:
        return sees_everything(service, user, service.result_fields())
    if sees_everything(service, user, pq.read_schema(parquet).names):
        return True
    rows = visible_job_rows(request, job, user)
    key = service.key_field
    return bool(key) and key in rows.columns and item_key in set(rows[key].astype(str))
