"""Job pages: the list of visible jobs, one job with live progress (htmx polling) and its downloads."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from iapublique.api.access import DB, CurrentUser, VisibleJob, app_services
from iapublique.api.jobs import job_query, visible_job_rows
from iapublique.api.results import combine
from iapublique.core.store.models import Job, User
from iapublique.web.pages import templates
from iapublique.web.service_pages import correction_field, result_columns, view_rows

router = APIRouter(include_in_schema=False)

PREVIEW_ROWS = 20
STATUS_LABELS = {"queued": "En attente", "running": "En cours", "done": "Terminé", "failed": "Échec"}
STATUS_BADGES = {"queued": "info", "running": "new", "done": "success", "failed": "error"}


def job_context(request: Request, job: Job, user: User) -> dict[str, object]:
    """What the job page and its progress fragment show (for a restricted access, the rows of its scope only)."""
    service = app_services(request).get(job.service_id)
    context: dict[str, object] = {
        "job": job,
        "service": service,
        "status_label": STATUS_LABELS.get(job.status, job.status),
        "status_badge": STATUS_BADGES.get(job.status, "info"),
        "finished": job.status in ("done", "failed"),
        "rows": None,
        "total_rows": job.done or 0,
        "hidden_rows": 0,
    }
    if job.status == "done" and service is not None:
        try:
            seen = visible_job_rows(request, job, user)
        except (ValueError, OSError):
            seen = None
        if seen is not None:
            context["total_rows"] = len(seen)
            context["hidden_rows"] = max(0, (job.done or 0) - len(seen))
            preview = seen.head(PREVIEW_ROWS)
            rows = combine(service, pd.DataFrame(), preview)
            context["rows"] = view_rows(request, service, rows, job_id=job.id)
            context["result_columns"] = result_columns(service, rows)
            context["correction_field"] = correction_field(service)
    return context


@router.get("/travaux", response_class=HTMLResponse)
def jobs_page(request: Request, user: CurrentUser, s: DB) -> Response:
    """The jobs of the services the user may open, newest first."""
    request.state.user = user
    services = app_services(request)
    rows = list(s.scalars(job_query(user, services, None).limit(200)))
    return templates(request).render(
        request,
        "jobs.html",
        {"title": "Travaux", "jobs": rows, "services": services, "labels": STATUS_LABELS, "badges": STATUS_BADGES},
    )


@router.get("/travaux/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job: VisibleJob, user: CurrentUser) -> Response:
    """One job: live progress, then downloads and a preview of its results with feedback buttons."""
    request.state.user = user
    context = {"title": f"Travail n° {job.id}", **job_context(request, job, user)}
    return templates(request).render(request, "job.html", context)


@router.get("/travaux/{job_id}/progression", response_class=HTMLResponse)
def job_progress(request: Request, job: VisibleJob, user: CurrentUser) -> Response:
    """The progress fragment htmx polls every second while the job runs."""
    request.state.user = user
    return templates(request).render(request, "_job_progress.html", job_context(request, job, user))
