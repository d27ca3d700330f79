"""French JSON errors of the API: table errors name file, line and field; validation errors name the field."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from iapublique.core.tables import TableError

VALIDATION_MESSAGES = {
    "missing": "champ obligatoire manquant",
    "int_parsing": "un entier est attendu",
    "int_type": "un entier est attendu",
    "float_parsing": "un nombre est attendu",
    "float_type": "un nombre est attendu",
    "string_type": "un texte est attendu",
    "bool_parsing": "oui/non attendu",
    "literal_error": "valeur non permise",
    "dict_type": "un objet JSON est attendu",
    "list_type": "une liste est attendue",
    "json_invalid": "JSON invalide",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "model_attributes_type": "un objet JSON est attendu",
}


def error_json(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """An API error: ``{"message": …}`` plus located fields when known."""
    return JSONResponse({"message": message, **extra}, status_code=status, headers=headers)


def table_error_json(err: TableError) -> JSONResponse:
    """422 with ``{fichier, ligne, champ, message}``."""
    return JSONResponse({**err.to_dict(), "detail": str(err)}, status_code=422)


def validation_error_json(err: RequestValidationError) -> JSONResponse:
    """422 listing each invalid field with a French message."""
    problems = []
    for item in err.errors():
        loc = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "form")]
        kind = str(item.get("type", ""))
        text = VALIDATION_MESSAGES.get(kind)
        if text is None:
            raw = str(item.get("msg", "valeur invalide"))
            text = raw.removeprefix("Value error, ")
        problems.append({"champ": ".".join(loc) or None, "message": text})
    first = problems[0] if problems else {"champ": None, "message": "requête invalide"}
    where = f"champ « {first['champ']} » : " if first["champ"] else ""
    return JSONResponse(
        {"message": f"Requête invalide : {where}{first['message']}.", "champ": first["champ"], "erreurs": problems},
        status_code=422,
    )
