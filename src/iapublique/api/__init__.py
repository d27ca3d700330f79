"""The REST API under ``/api/v1``: one router per resource, French OpenAPI descriptions."""

from __future__ import annotations

from fastapi import APIRouter

from iapublique.api import feedback, jobs, models, services

PREFIX = "/api/v1"


def build_router() -> APIRouter:
    """All API resources under the versioned prefix."""
    router = APIRouter(prefix=PREFIX)
    for module in (services, jobs, models, feedback):
        router.include_router(module.router)
    return router
