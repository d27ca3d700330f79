"""The application factory: web pages and the REST API in one FastAPI application.

``create_app(settings, services=…)`` builds an application over the registered services (or an
explicit mapping, for tests), with session and token authentication, CSRF checks on every unsafe
session request, a request size limit, security headers and French error pages / JSON errors.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeSerializer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from iapublique import api
from iapublique.api.access import CurrentUser, LoginRequired, accessible_service
from iapublique.api.errors import error_json, table_error_json, validation_error_json
from iapublique.core import registry
from iapublique.core.service import Service
from iapublique.core.store.db import init_db
from iapublique.core.tables import TableError
from iapublique.settings import Settings, get_settings
from iapublique.web import job_pages, pages, service_pages
from iapublique.web.security import (
    BodyLimitMiddleware,
    SecurityHeadersMiddleware,
    body_limit_guard,
    csrf_guard,
    session_secret,
)
from iapublique.web.templating import STATIC, Templates

log = logging.getLogger(__name__)

SESSION_COOKIE = "iapublique_session"
SESSION_MAX_AGE = 8 * 3600
ERROR_TITLES = {
    400: "Requête invalide",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Action impossible pour l'instant",
    410: "Ressource supprimée",
    413: "Fichier trop volumineux",
    415: "Type de fichier refusé",
    422: "Données invalides",
    500: "Erreur du serveur",
}
ERROR_MESSAGES = {
    404: "La page demandée n'existe pas ou vous n'y avez pas accès.",
    405: "Cette adresse ne s'utilise pas ainsi.",
    500: "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, prévenez l'équipe technique.",
}


def is_api(request: Request) -> bool:
    """Whether the request targets the REST API (JSON errors) rather than a page (HTML errors)."""
    return request.url.path.startswith(api.PREFIX)


def create_app(settings: Settings | None = None, services: Mapping[str, Service] | None = None) -> FastAPI:
    """Build the web application and the API over ``services`` (the registered ones by default)."""
    settings = settings or get_settings()
    settings.ensure_dirs()
    served = dict(services) if services is not None else dict(registry.services())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        init_db(settings.db_url)
        yield

    app = FastAPI(
        title="IA Publique — API",
        description=(
            "API des services d'intelligence artificielle d'IA Publique. Authentification par jeton "
            "(`Authorization: Bearer iap_…`, délivré par `iapublique users jetons issue`) ou par la session du "
            "navigateur. Chaque service n'est accessible qu'aux agents de son administration. Chaque "
            "résultat indique la version du modèle qui l'a produit."
        ),
        version="1",
        openapi_url=f"{api.PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(body_limit_guard), Depends(csrf_guard)],
    )
    secret = session_secret(settings)
    app.state.settings = settings
    app.state.services = served
    app.state.templates = Templates(settings, served)
    app.state.signer = URLSafeSerializer(secret, salt="iapublique-avis")

    app.include_router(api.build_router())
    for module in (pages, service_pages, job_pages):
        app.include_router(module.router)
    for service_id, service in sorted(served.items()):
        extra = service.web_router()
        if extra is not None:
            guard = Depends(access_guard(service_id))
            app.include_router(extra, prefix=f"/services/{service_id}", dependencies=[guard])
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.add_middleware(
        SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, max_age=SESSION_MAX_AGE, same_site="lax"
    )
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    return app


def access_guard(service_id: str) -> Callable[..., None]:
    """A dependency refusing a service's own routes to users outside its administration (403) or anonymous."""

    def guard(request: Request, user: CurrentUser) -> None:
        accessible_service(service_id, request, user)

    return guard


def install_error_handlers(app: FastAPI) -> None:
    """French errors: JSON under /api/v1, HTML pages elsewhere; anonymous visitors are sent to the login page."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return error_json(
                401,
                "Authentification requise : envoyez « Authorization: Bearer iap_… » ou connectez-vous.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/connexion?suivant={quote(target, safe='')}", status_code=303)

    @app.exception_handler(TableError)
    async def table_error(request: Request, exc: TableError) -> Response:
        if is_api(request):
            return table_error_json(exc)
        return error_page(request, 422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        response = validation_error_json(exc)
        if is_api(request):
            return response
        return error_page(request, 422, "Formulaire incomplet ou invalide : vérifiez les champs puis recommencez.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else ""
        default = ERROR_MESSAGES.get(exc.status_code) or ERROR_TITLES.get(exc.status_code, "Erreur")
        english = {"Not Found", "Method Not Allowed", "Unauthorized", "Forbidden", "Bad Request"}
        message = default if not detail or detail in english else detail
        if is_api(request):
            return error_json(exc.status_code, str(message), headers=getattr(exc, "headers", None))
        return error_page(request, exc.status_code, str(message), headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("erreur inattendue sur %s", request.url.path)
        if is_api(request):
            return error_json(500, ERROR_MESSAGES[500])
        return error_page(request, 500, ERROR_MESSAGES[500])


def error_page(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """The French error page."""
    templates: Templates = request.app.state.templates
    response = templates.render(
        request,
        "error.html",
        {"status": status, "title": ERROR_TITLES.get(status, "Erreur"), "message": message},
        status_code=status,
    )
    if headers:
        response.headers.update(headers)
    return response
