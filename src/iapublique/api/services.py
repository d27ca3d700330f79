"""API resource « services »: list the services a caller may use, describe one, run it synchronously."""

from __future__ import annotations

import typing
from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, Request

from iapublique.api.access import DB, AccessibleService, CurrentUser, app_services, app_settings, visible_services
from iapublique.api.results import run_sync
from iapublique.api.schemas import ErrorOut, FieldOut, ResultOut, RunIn, RunOut, ServiceDetailOut, ServiceOut
from iapublique.core.service import Service
from iapublique.core.tables import _base_type, column_names

router = APIRouter(tags=["services"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Authentification requise"},
    403: {"model": ErrorOut, "description": "Service réservé à une autre administration"},
    404: {"model": ErrorOut, "description": "Service inconnu"},
}


def type_name(annotation: Any) -> tuple[str, list[str]]:
    """French name of a field type, with the permitted values of a choice field."""
    kind, _ = _base_type(annotation)
    if typing.get_origin(kind) is Literal:
        return "choix", [str(a) for a in typing.get_args(kind)]
    names = {int: "entier", float: "nombre", bool: "booléen", str: "texte"}
    if kind in names:
        return names[kind], []
    name = getattr(kind, "__name__", str(kind))
    return {"date": "date", "datetime": "date et heure"}.get(name, "texte"), []


def describe_fields(service: Service) -> list[FieldOut]:
    """The service's input fields, for the API and the generic page form."""
    columns = column_names(service.Record)
    out = []
    for name, f in service.Record.model_fields.items():
        kind, choices = type_name(f.annotation)
        out.append(
            FieldOut(
                name=name,
                column=columns[name],
                description=f.description or columns[name],
                type=kind,
                required=f.is_required(),
                choices=choices,
            )
        )
    return out


@router.get("/services", response_model=list[ServiceOut], summary="Services accessibles", responses=ERRORS)
def list_services(request: Request, user: CurrentUser) -> list[ServiceOut]:
    """Les services que l'utilisateur peut utiliser (ceux de ses administrations ; tous pour un administrateur)."""
    return [ServiceOut.of(svc) for svc in visible_services(user, app_services(request))]


@router.get(
    "/services/{service_id}", response_model=ServiceDetailOut, summary="Description d'un service", responses=ERRORS
)
def get_service(service: AccessibleService) -> ServiceDetailOut:
    """Un service, ses champs d'entrée et les champs de ses résultats."""
    base = ServiceOut.of(service)
    return ServiceDetailOut(
        **base.model_dump(),
        fields=describe_fields(service),
        result_fields=service.result_fields(),
        record_schema=service.Record.model_json_schema(),
        result_schema=service.Result.model_json_schema(),
    )


@router.post(
    "/services/{service_id}/run",
    response_model=RunOut,
    summary="Traitement immédiat",
    responses={
        **ERRORS,
        409: {"model": ErrorOut, "description": "Aucun modèle entraîné"},
        413: {"model": ErrorOut, "description": "Trop d'éléments pour un traitement immédiat"},
        422: {"model": ErrorOut, "description": "Élément invalide (ligne et champ indiqués)"},
    },
)
def run_service(body: RunIn, request: Request, service: AccessibleService, user: CurrentUser, s: DB) -> RunOut:
    """Traite un élément ou un petit lot (au plus `sync_max_rows`) et renvoie score, explication et version du modèle.

    La ligne indiquée dans une erreur est la position de l'élément dans `records` (1 = premier).
    """
    records = pd.DataFrame(body.rows())
    rows = run_sync(
        s,
        service,
        records,
        user=user,
        max_rows=app_settings(request).sync_max_rows,
        model_name=body.model,
        source="api",
    )
    results = [ResultOut(item_key=row.item_key, **row.result) for row in rows]
    versions = sorted({r.model_version for r in results})
    return RunOut(service=service.info.id, model_version=", ".join(versions), count=len(results), results=results)
