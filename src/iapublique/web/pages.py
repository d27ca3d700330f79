"""General pages: home (the user's services), login and logout, accessibility statement, API documentation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from iapublique.api import PREFIX
from iapublique.api.access import DB, SESSION_USER, CurrentUser, MaybeUser, app_services, visible_services
from iapublique.core import accounts, audit
from iapublique.web.security import CSRF_SESSION_KEY, csrf_token
from iapublique.web.templating import Templates

router = APIRouter(include_in_schema=False)


def templates(request: Request) -> Templates:
    """The application's page renderer."""
    renderer: Templates = request.app.state.templates
    return renderer


def safe_next(target: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: CurrentUser) -> Response:
    """The services the user may open, as cards."""
    request.state.user = user
    services = visible_services(user, app_services(request))
    return templates(request).render(request, "home.html", {"services": services, "title": "Accueil"})


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, user: MaybeUser, suivant: str = "/") -> Response:
    """The login form (an already signed-in user goes straight on)."""
    if user is not None:
        return RedirectResponse(safe_next(suivant), status_code=303)
    return templates(request).render(
        request, "login.html", {"title": "Connexion", "suivant": safe_next(suivant), "error": None, "email": ""}
    )


@router.post("/connexion", response_class=HTMLResponse)
def login(
    request: Request,
    s: DB,
    email: Annotated[str, Form()] = "",
    mot_de_passe: Annotated[str, Form()] = "",
    suivant: Annotated[str, Form()] = "/",
) -> Response:
    """Check the credentials (argon2), open a fresh session and go on; a French error otherwise."""
    user = accounts.authenticate(s, email, mot_de_passe) if email and mot_de_passe else None
    if user is None:
        return templates(request).render(
            request,
            "login.html",
            {
                "title": "Connexion",
                "suivant": safe_next(suivant),
                "error": "Adresse électronique ou mot de passe incorrect.",
                "email": email,
            },
            status_code=401,
        )
    request.session.clear()
    request.session[SESSION_USER] = user.id
    csrf_token(request)
    audit.record(s, "login", user=user)
    return RedirectResponse(safe_next(suivant), status_code=303)


@router.post("/deconnexion")
def logout(request: Request, user: MaybeUser, s: DB) -> Response:
    """Close the session."""
    if user is not None:
        audit.record(s, "logout", user=user)
    request.session.clear()
    request.session[CSRF_SESSION_KEY] = ""
    return RedirectResponse("/connexion", status_code=303)


@router.get("/accessibilite", response_class=HTMLResponse)
def accessibility(request: Request, user: MaybeUser) -> Response:
    """The accessibility statement (public)."""
    request.state.user = user
    return templates(request).render(request, "accessibility.html", {"title": "Déclaration d'accessibilité"})


@router.get(f"{PREFIX}/docs", response_class=HTMLResponse)
def api_docs(request: Request, user: MaybeUser) -> Response:
    """API reference rendered on the server from the OpenAPI schema (accessible, no third-party script)."""
    request.state.user = user
    spec = request.app.openapi()
    return templates(request).render(
        request,
        "api_docs.html",
        {
            "title": "Documentation de l'API",
            "openapi_url": f"{PREFIX}/openapi.json",
            "spec": spec,
            "operations": api_operations(spec),
            "schemas": api_schemas(spec),
        },
    )


def schema_name(schema: dict[str, Any]) -> str:
    """A readable type for a JSON schema: the component name, or the JSON type."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " ou ".join(schema_name(s) for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("type") == "array":
        return f"liste de {schema_name(schema.get('items', {}))}"
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    return str(schema.get("type", "objet"))


def api_operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per operation of the OpenAPI schema, in declaration order."""
    out = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            body_types = [(media, schema_name(c.get("schema", {}))) for media, c in body.items()]
            params = [
                {
                    "name": p["name"],
                    "where": {"path": "chemin", "query": "requête", "header": "en-tête"}.get(p["in"], p["in"]),
                    "required": p.get("required", False),
                    "type": schema_name(p.get("schema", {})),
                    "description": p.get("description") or p.get("schema", {}).get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            responses = [(code, r.get("description", "")) for code, r in op.get("responses", {}).items()]
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "body": body_types,
                    "responses": responses,
                    "anchor": op.get("operationId", f"{method}-{path}"),
                }
            )
    return out


def api_schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The schemas of the API with their fields, for the reference page."""
    out = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        if name in ("HTTPValidationError", "ValidationError") or name.startswith("Body_"):
            continue
        required = set(schema.get("required", []))
        fields = [
            {"name": f, "type": schema_name(s), "required": f in required, "description": s.get("description", "")}
            for f, s in schema.get("properties", {}).items()
        ]
        out.append({"name": name, "description": schema.get("description", ""), "fields": fields})
    return out
