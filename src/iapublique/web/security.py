"""Browser-facing protections: the session secret, CSRF tokens, the request size limit and security headers.

CSRF: every session carries a random token; every form has it in a hidden ``csrf_token`` field and
htmx sends it in the ``X-CSRF-Token`` header. Unsafe requests of a signed-in session (and the login
form) must present it. Calls authenticated by an ``Authorization`` header are exempt: a browser never
adds that header to a forged cross-site request.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iapublique.api.access import SESSION_USER
from iapublique.settings import Settings

CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
ALWAYS_CHECKED = {"/connexion"}
"""Paths whose unsafe requests are checked even without a signed-in user (login CSRF)."""

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def session_secret(settings: Settings) -> str:
    """The key signing session cookies: the setting, else a random key persisted in the data directory."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: refuse an unsafe session request that lacks the session's CSRF token (403)."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    if SESSION_USER not in request.session and request.url.path not in ALWAYS_CHECKED:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    expected = request.session.get(CSRF_SESSION_KEY, "")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise HTTPException(403, "Jeton de sécurité (CSRF) manquant ou invalide : rechargez la page puis recommencez.")


class BodyTooLarge(HTTPException):
    """A request body over the configured limit (413, French message)."""

    def __init__(self, limit_mb: int) -> None:
        super().__init__(
            413,
            f"Fichier trop volumineux : la taille maximale acceptée est de {limit_mb} Mo. "
            "Découpez le fichier ou demandez à l'administrateur de relever la limite.",
        )


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_upload_mb``: at once by Content-Length, else while streaming."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse at the first read when the declared length is too large, else count the bytes received."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit_mb = self.settings.max_upload_mb
        limit = limit_mb * 1024 * 1024
        declared = declared_length(scope)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit_mb)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit_mb)
            return message

        await self.app(scope, counting_receive, send)


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, None when absent or unreadable."""
    for name, value in scope.get("headers") or []:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def body_limit_guard(request: Request) -> None:
    """App-wide dependency: refuse a declared oversized body even on routes that never read it (413)."""
    settings = request.app.state.settings
    length = declared_length(request.scope)
    if length is not None and length > settings.max_upload_mb * 1024 * 1024:
        raise BodyTooLarge(settings.max_upload_mb)


class SecurityHeadersMiddleware:
    """Add CSP, anti-framing, no-sniff and referrer headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``send`` to extend the response headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                }
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
