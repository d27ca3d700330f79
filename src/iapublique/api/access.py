"""Who is calling and what they may see: request dependencies shared by the API and the web pages.

A caller is identified by an ``Authorization: Bearer iap_…`` token (scripts) or by the signed session
cookie (browsers). A service, and everything attached to it (jobs, models, feedback), is visible only
to members of its administration and to admins: others get 403 for a service and 404 for an object,
so object ids of other administrations are not even confirmed to exist. Within a service, a member whose
membership carries a scope (e.g. one employer) sees and submits only the rows the service's
``visible_rows`` and ``may_submit`` allow: :func:`visible_result_rows` and :func:`check_submission`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from iapublique.core import accounts
from iapublique.core.service import Service
from iapublique.core.store.db import session_scope
from iapublique.core.store.models import Job, User
from iapublique.core.tables import TableError, column_names
from iapublique.settings import Settings

SESSION_USER = "user_id"


class LoginRequired(Exception):
    """Raised when a route needs a signed-in user; answered with 401 (API) or a redirect (pages)."""


def app_settings(request: Request) -> Settings:
    """The settings the application was created with."""
    settings: Settings = request.app.state.settings
    return settings


def app_services(request: Request) -> dict[str, Service]:
    """The services the application serves, by id."""
    services: dict[str, Service] = request.app.state.services
    return services


def db(request: Request) -> Iterator[Session]:
    """A database session for the request, committed when the route succeeds."""
    with session_scope(app_settings(request).db_url) as s:
        yield s


DB = Annotated[Session, Depends(db)]


def bearer_token(request: Request) -> str | None:
    """The bearer token of the request, or None when it has no Authorization header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "En-tête Authorization invalide : utilisez « Bearer iap_… ».")
    return token.strip()


def current_user(request: Request, s: DB) -> User | None:
    """The signed-in user (token or session), None for an anonymous visitor; 401 for a bad token."""
    token = bearer_token(request)
    if token is not None:
        user = accounts.user_for_token(s, token)
        if user is None:
            raise HTTPException(
                401,
                "Jeton d'accès invalide ou révoqué. Demandez un nouveau jeton à votre administrateur.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        request.state.auth_method = "token"
        return user
    user_id = request.session.get(SESSION_USER)
    if user_id is None:
        return None
    user = s.get(User, int(user_id))
    if user is None or not user.is_active:
        request.session.clear()
        return None
    request.state.auth_method = "session"
    return user


MaybeUser = Annotated[User | None, Depends(current_user)]


def require_user(user: MaybeUser) -> User:
    """The signed-in user, or :class:`LoginRequired`."""
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(require_user)]


def visible_services(user: User, services: dict[str, Service]) -> list[Service]:
    """The services this user may open, in id order."""
    return [svc for _, svc in sorted(services.items()) if accounts.can_access(user, svc)]


def accessible_service(service_id: str, request: Request, user: CurrentUser) -> Service:
    """The service named in the path, if it exists (404) and the user may open it (403)."""
    service = app_services(request).get(service_id)
    if service is None:
        raise HTTPException(404, f"Service inconnu : « {service_id} ».")
    if not accounts.can_access(user, service):
        raise HTTPException(
            403,
            f"Accès refusé : le service « {service.info.title} » est réservé aux agents de "
            f"l'administration {service.info.administration}.",
        )
    return service


AccessibleService = Annotated[Service, Depends(accessible_service)]


def visible_job(job_id: int, request: Request, user: CurrentUser, s: DB) -> Job:
    """The job named in the path if the user may see it (its service's administration); 404 otherwise."""
    job = s.get(Job, job_id)
    service = app_services(request).get(job.service_id) if job is not None else None
    if job is None or service is None or not accounts.can_access(user, service):
        raise HTTPException(404, f"Travail n° {job_id} introuvable.")
    return job


VisibleJob = Annotated[Job, Depends(visible_job)]


def visible_result_rows(service: Service, user: User, rows: pd.DataFrame) -> pd.DataFrame:
    """The result rows this user may see (the service's ``visible_rows``), checked to be a subset of ``rows``."""
    kept = service.visible_rows(user, rows)
    if kept is rows:
        return rows
    if not kept.index.isin(rows.index).all():
        raise RuntimeError(f"{service.info.id}.visible_rows a renvoyé des lignes absentes du tableau reçu.")
    return kept


def sees_everything(service: Service, user: User, columns: list[str]) -> bool:
    """True when the service leaves this user's rows unfiltered (probed on an empty table of these columns)."""
    probe = pd.DataFrame(columns=columns)
    return service.visible_rows(user, probe) is probe


def item_visible(
    service: Service, user: User, record: dict[str, Any] | None, result: dict[str, Any] | None
) -> bool:
    """True when the user may see this one result (its record and result fields side by side)."""
    row = pd.DataFrame([{**(record or {}), **{k: v for k, v in (result or {}).items() if k != "explanation"}}])
    return len(visible_result_rows(service, user, row)) > 0


def check_submission(
    service: Service, user: User, records: pd.DataFrame, *, name: str = "données", first_line: int = 1
) -> None:
    """Refuse records this user may not submit (the service's ``may_submit``): TableError naming line and field."""
    errors = service.may_submit(user, records)
    if not errors:
        return
    first = min(errors, key=lambda e: e.line)
    shown = column_names(service.Record).get(first.field, first.field)
    more = f" ({len(errors) - 1} autre(s) ligne(s) refusée(s) pour la même raison)" if len(errors) > 1 else ""
    raise TableError(name, first.message + more, line=first.line + first_line, field=shown)
