"""The coding agents' pages of ``employer_matching``, mounted under ``/services/employer_matching``.

- ``POST /codage``: one bulletin typed (or a demo bulletin), its ten candidates with the matching fields
  highlighted, the probability, the auto-coding decision, the non-codable flag and the NAF suggestions;
- ``GET /recherche``: manual search of the register (name and commune, or SIREN/SIRET) for that bulletin;
- ``POST /choix``: the agent's pick (an establishment, or « non codable » with its reason), stored as
  feedback and added at once to the memory of coded bulletins (it joins the training at the next one).

The web application checks that the user may open the service before every one of these routes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from iapublique.api.access import DB, CurrentUser
from iapublique.api.results import plain_rows
from iapublique.core import feedback, models_registry, runner
from iapublique.core.explain import Explanation
from iapublique.core.tables import TableError
from iapublique.services.employer_matching.matching import manual_search
from iapublique.services.employer_matching.reference import naf_label
from iapublique.services.employer_matching.results import BAND_LABELS, MATCHED_LABELS, address, establishment_name
from iapublique.services.employer_matching.schema import Record
from iapublique.services.employer_matching.synthetic import NONCODABLE_REASONS
from iapublique.web.pages import templates
from iapublique.web.service_pages import page_context, signer, verified_item

if TYPE_CHECKING:
    from iapublique.services.employer_matching import EmployerMatchingService

SERVICE_ID = "employer_matching"
PAGE = f"services/{SERVICE_ID}/page.html"
FIELDS = tuple(Record.model_fields)


def feedback_training_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Labelled bulletins from agents' picks: the latest pick per bulletin, with its SIRET or non-codable reason."""
    if frame.empty or ("correction_siret" not in frame.columns and "correction_noncodable" not in frame.columns):
        return pd.DataFrame()
    picks = frame[frame["verdict"].isin(["confirm", "correct"])].copy()
    if picks.empty:
        return pd.DataFrame()
    picks = picks.drop_duplicates("item_key", keep="last")
    out = pd.DataFrame({f: picks[f] if f in picks.columns else None for f in FIELDS})
    siret = picks["correction_siret"] if "correction_siret" in picks.columns else pd.Series("", index=picks.index)
    out["siret"] = siret.fillna("").astype(str)
    reason = (picks["correction_noncodable"] if "correction_noncodable" in picks.columns
              else pd.Series("", index=picks.index))
    out["noncodable_reason"] = np.where(out["siret"] == "", reason.fillna("").astype(str), "")
    naf = picks["correction_naf"] if "correction_naf" in picks.columns else pd.Series("", index=picks.index)
    out["naf"] = naf.fillna("").astype(str)
    out = out[(out["siret"] != "") | (out["noncodable_reason"] != "")]
    return out.reset_index(drop=True)


def _values(form: Any) -> dict[str, str]:
    """Bulletin fields typed in a form."""
    out = {}
    for name in FIELDS:
        raw = form.get(name)
        out[name] = raw.strip() if isinstance(raw, str) else ""
    return out


def _marked(text: str, spans: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """A field's text cut into plain and highlighted pieces (rendered with <mark>)."""
    pieces: list[dict[str, Any]] = []
    pos = 0
    for start, end, label in sorted(spans):
        if start < pos:
            continue
        if start > pos:
            pieces.append({"text": text[pos:start], "mark": False})
        pieces.append({"text": text[start:end], "mark": True, "label": label})
        pos = end
    if pos < len(text):
        pieces.append({"text": text[pos:], "mark": False})
    return pieces


def _rows_view(model: Any, rows: np.ndarray) -> list[dict[str, Any]]:
    """Register rows for the manual-search table."""
    if not len(rows):
        return []
    out = []
    for info in model.index().display(rows).to_dict("records"):
        code = str(info.get("activitePrincipaleEtablissement") or "")
        out.append({
            "siret": str(info["siret"]), "nom": establishment_name(info),
            "enseigne": str(info.get("enseigne1Etablissement") or info.get("denominationUsuelleEtablissement") or ""),
            "adresse": address(info), "naf": code, "naf_libelle": naf_label(code),
            "effectif": BAND_LABELS.get(str(info.get("trancheEffectifsEtablissement") or "NN"), "effectif inconnu"),
            "siege": str(info.get("etablissementSiege")) == "true",
            "ouvert": str(info.get("etatAdministratifEtablissement") or "A") == "A",
        })
    return out


def build_router(service: EmployerMatchingService) -> APIRouter:
    """The service's own routes (paths relative to ``/services/employer_matching``)."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, user: Any, extra: dict[str, Any], status_code: int = 200) -> Response:
        context = page_context(request, service, user, values=extra.pop("values", None),
                               error=extra.pop("error", None), error_field=extra.pop("error_field", None))
        context.update(extra)
        context.setdefault("reasons", NONCODABLE_REASONS)
        context.setdefault("matched_labels", MATCHED_LABELS)
        return templates(request).render(request, PAGE, context, status_code=status_code)

    def code_one(request: Request, user: Any, values: dict[str, str]) -> dict[str, Any]:
        """Score one bulletin and prepare everything the page shows of it."""
        records = pd.DataFrame([{k: (v or None) for k, v in values.items()}], dtype=object)
        if not values.get("bulletin_id"):
            records["bulletin_id"] = "saisie"
            values["bulletin_id"] = "saisie"
        models_registry.ensure_demo_model(service)
        out = runner.score(service, records)
        result = plain_rows(out)[0]
        expl = Explanation.from_cell(result["explanation"])
        spans: dict[str, list[tuple[int, int, str]]] = {}
        for h in expl.highlights:
            spans.setdefault(h.field, []).append((h.start, h.end, h.label or ""))
        shown_fields = [{"name": f, "label": Record.model_fields[f].description, "value": values.get(f, ""),
                         "pieces": _marked(values.get(f, ""), spans.get(f, []))} for f in FIELDS]
        token = signer(request).dumps({
            "service": SERVICE_ID, "key": values["bulletin_id"], "record": values,
            "result": {k: result.get(k) for k in ("proposed_siret", "proposed_name", "probability", "auto_coded",
                                                  "noncodable", "noncodable_label")},
            "version": result.get("model_version"), "score": result.get("score"),
        })
        return {"result": result, "explanation": expl, "candidates": json.loads(result["candidates"]),
                "naf_top5": json.loads(result["naf_top5"]), "shown_fields": shown_fields, "token": token,
                "values": values}

    @router.post("/codage", response_class=HTMLResponse)
    async def code_bulletin(request: Request, user: CurrentUser) -> Response:
        """Code the bulletin typed in the form (or a demo bulletin) and show its ten candidates."""
        form = await request.form()
        values = _values(form)
        if form.get("demo"):
            seed = int(str(form.get("demo"))) if str(form.get("demo")).isdigit() else 1
            demo = service.demo_batch(1, seed=seed).iloc[0]
            values = {f: ("" if demo.get(f) is None or pd.isna(demo.get(f)) else str(demo.get(f))) for f in FIELDS}
        if not any(values.get(f) for f in ("employer_name", "activity", "commune", "street_name")):
            return render(request, user, {"values": values, "error": "Indiquez au moins le nom de l'employeur, "
                                          "l'activité ou l'adresse du lieu de travail.", "error_field":
                                          "employer_name"}, status_code=422)
        try:
            shown = code_one(request, user, values)
        except TableError as err:
            return render(request, user, {"values": values, "error": str(err)}, status_code=422)
        return render(request, user, shown)

    @router.post("/recherche", response_class=HTMLResponse)
    def search_register(
        request: Request,
        user: CurrentUser,
        item: Annotated[str, Form()] = "",
        nom: Annotated[str, Form()] = "",
        commune: Annotated[str, Form()] = "",
        numero: Annotated[str, Form()] = "",
    ) -> Response:
        """Search the register by hand for the bulletin being coded (name and commune, or SIREN/SIRET)."""
        shown = verified_item(request, service, item, "Recherche refusée : le bulletin n'a pas pu être vérifié. "
                                                      "Recodez-le.")
        values = {k: str(v) for k, v in (shown.get("record") or {}).items()}
        context = code_one(request, user, values)
        model, _ = models_registry.load(service)
        rows = manual_search(model.index(), nom, commune, numero)
        context.update({"search": {"nom": nom, "commune": commune, "numero": numero},
                        "found": _rows_view(model, rows)})
        if not nom.strip() and not numero.strip():
            context["search_error"] = "Indiquez un nom d'établissement ou un numéro SIREN (9 chiffres) ou SIRET (14)."
        return render(request, user, context)

    @router.post("/choix", response_class=HTMLResponse)
    def record_pick(
        request: Request,
        user: CurrentUser,
        s: DB,
        item: Annotated[str, Form()] = "",
        siret: Annotated[str, Form()] = "",
        motif: Annotated[str, Form()] = "",
        commentaire: Annotated[str, Form()] = "",
    ) -> Response:
        """Store the agent's pick as feedback and add it to the memory of coded bulletins."""
        shown = verified_item(request, service, item, "Choix refusé : le bulletin n'a pas pu être vérifié. Recodez-le.")
        record = {k: str(v) for k, v in (shown.get("record") or {}).items()}
        result = shown.get("result") or {}
        model, _ = models_registry.load(service)
        siret = "".join(ch for ch in siret if ch.isdigit())
        if siret:
            rows = model.index().rows_of_sirets([siret])
            if rows[0] < 0:
                raise HTTPException(422, f"SIRET {siret} absent du répertoire : choisissez un établissement listé.")
            naf = str(model.index().naf[rows[0]])
            value: dict[str, Any] = {"siret": siret, "naf": naf, "noncodable": ""}
            message = f"Établissement {siret} enregistré pour le bulletin « {record.get('bulletin_id')} »."
        elif motif in NONCODABLE_REASONS:
            value = {"siret": "", "naf": "", "noncodable": motif}
            message = f"Bulletin « {record.get('bulletin_id')} » enregistré comme non codable ({motif})."
        else:
            raise HTTPException(422, "Choisissez un établissement ou un motif de non-codage.")
        verdict = ("confirm" if (siret and siret == result.get("proposed_siret"))
                   or (not siret and result.get("noncodable") and motif == result.get("noncodable_label"))
                   else "correct")
        try:
            feedback.add(s, service_id=SERVICE_ID, user=user, item_key=str(shown.get("key", "")), verdict=verdict,
                         value=value, comment=commentaire, record=record, result=result,
                         model_version=str(shown.get("version") or ""), score=shown.get("score"), source="web:choix")
        except ValueError as err:
            raise HTTPException(422, str(err)) from None
        if siret:
            model.remember(pd.DataFrame([record]), [siret])
        context = code_one(request, user, record)
        context["saved"] = message
        return render(request, user, context)

    return router
