"""Jinja2 environment of the pages: platform templates, per-service overrides, French formatting filters.

Numbers and dates are shown in French with Babel; Markdown (model cards) is rendered with
markdown-it-py with raw HTML disabled, so a card cannot inject markup or scripts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, TemplateNotFound, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup

from iapublique.core.service import Service
from iapublique.settings import Settings

LOCALE = "fr_FR"
TIMEZONE = ZoneInfo("Europe/Paris")
TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
SERVICE_PREFIX = "services"
"""Service templates are addressed as ``services/<id>/<name>`` (e.g. ``services/customs_fraud/page.html``)."""


def nombre(value: Any, decimals: int = 3) -> str:
    """A number in French format (``0,873``; ``12 345``), empty for missing values."""
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:  # NaN
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(number, format=pattern, locale=LOCALE)


def pourcent(value: Any, decimals: int = 0) -> str:
    """A share (0..1) as a French percentage (``87 %``)."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return format_percent(float(value), format=pattern, locale=LOCALE)


def date_fr(value: Any, with_time: bool = True) -> str:
    """A date or timestamp in French (``3 mars 2025 à 14:05``), in Paris time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        if with_time:
            return format_datetime(value, "d MMMM y 'à' HH:mm", tzinfo=TIMEZONE, locale=LOCALE)
        return format_date(value, "d MMMM y", locale=LOCALE)
    if isinstance(value, dt.date):
        return format_date(value, "d MMMM y", locale=LOCALE)
    return str(value)


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def markdown(text: str) -> Markup:
    """Markdown to HTML with raw HTML disabled (escaped) and unsafe link schemes refused."""
    return Markup(_markdown.render(text))


def service_loaders(services: dict[str, Service]) -> dict[str, FileSystemLoader]:
    """One loader per service that ships a templates folder."""
    loaders: dict[str, FileSystemLoader] = {}
    for service_id, service in services.items():
        folder = service.templates_dir()
        if folder is not None:
            loaders[service_id] = FileSystemLoader(str(folder))
    return loaders


class Templates:
    """The page renderer: an environment over the platform and service templates, plus shared context."""

    def __init__(self, settings: Settings, services: dict[str, Service]) -> None:
        self.settings = settings
        self.env = Environment(
            loader=ChoiceLoader([_ServicePrefixLoader(service_loaders(services)), FileSystemLoader(str(TEMPLATES))]),
            autoescape=select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["nombre"] = nombre
        self.env.filters["pourcent"] = pourcent
        self.env.filters["date_fr"] = date_fr
        self.env.filters["markdown"] = markdown
        self.env.globals["theme"] = settings.theme
        self.env.globals["static_ready"] = (STATIC / "dsfr" / "dsfr.min.css").exists()

    def has(self, name: str) -> bool:
        """Whether a template exists (used to find a service's ``page.html`` override)."""
        try:
            self.env.get_template(name)
        except TemplateNotFound:
            return False
        return True

    def render(self, request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
        """Render a page with the shared context (request, user, CSRF token, theme)."""
        from iapublique.web.security import csrf_token

        full = {
            "request": request,
            "user": shown_user(request),
            "csrf_token": csrf_token(request),
            "current_path": request.url.path,
            **context,
        }
        html = self.env.get_template(name).render(full)
        return HTMLResponse(html, status_code=status_code)


class _ServicePrefixLoader(PrefixLoader):
    """``services/<id>/<name>`` → the service's own templates folder."""

    def __init__(self, loaders: dict[str, FileSystemLoader]) -> None:
        super().__init__({f"{SERVICE_PREFIX}/{k}": v for k, v in loaders.items()}, delimiter="/")

    def get_loader(self, template: str) -> tuple[Any, str]:
        """Split ``services/<id>/rest`` into the service loader and ``rest``."""
        parts = template.split("/", 2)
        if len(parts) < 3 or parts[0] != SERVICE_PREFIX:
            raise TemplateNotFound(template)
        key = f"{parts[0]}/{parts[1]}"
        if key not in self.mapping:
            raise TemplateNotFound(template)
        return self.mapping[key], parts[2]


def shown_user(request: Request) -> Any:
    """The signed-in user for the page header, or None when the request's session was rolled back.

    An error raised after ``request.state.user`` was set rolls the database session back, which
    detaches the user; the error page must still render (anonymously) rather than fail in turn.
    """
    from sqlalchemy.exc import SQLAlchemyError

    user = getattr(request.state, "user", None)
    if user is None:
        return None
    try:
        _ = (user.email, user.name, user.is_admin)
    except SQLAlchemyError:
        return None
    return user

