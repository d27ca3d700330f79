"""API resource « models »: the fitted models of a service, with their version and quality figures."""

from __future__ import annotations

from fastapi import APIRouter

from iapublique.api.access import DB, AccessibleService
from iapublique.api.schemas import ErrorOut, ModelOut
from iapublique.core import models_registry

router = APIRouter(tags=["modèles"])


@router.get(
    "/services/{service_id}/models",
    response_model=list[ModelOut],
    summary="Modèles entraînés d'un service",
    responses={
        401: {"model": ErrorOut, "description": "Authentification requise"},
        403: {"model": ErrorOut, "description": "Service réservé à une autre administration"},
        404: {"model": ErrorOut, "description": "Service inconnu"},
    },
)
def list_models(service: AccessibleService, s: DB) -> list[ModelOut]:
    """Les modèles entraînés du service : nom, version, date, mesures de qualité."""
    return [ModelOut.of(m) for m in models_registry.list_models(s, service.info.id)]
