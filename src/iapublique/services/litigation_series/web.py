"""Pages of the litigation-series service: the series of the indexed corpus, one series with its members and
the agents' actions, and the registration of a new requête with the passages it shares with its series.

The corpus shown is the index of the service's default model (trained on the demo corpus until an
administrator trains one on a real corpus), with the agents' decisions replayed. Personal data never
appears: members and representative texts are shown masked, and a submitted requête is shown masked too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from iapublique.api.access import DB, CurrentUser
from iapublique.core import models_registry
from iapublique.core.explain import Explanation
from iapublique.core.service import Service
from iapublique.services.litigation_series import decisions as decisions_module
from iapublique.services.litigation_series.model import SeriesModel
from iapublique.services.litigation_series.privacy import find_personal_data
from iapublique.services.litigation_series.schema import STATUS_LABELS
from iapublique.web.pages import templates

MAX_SERIES = 200
"""Series listed at most in the corpus view (largest first)."""
MAX_MEMBERS = 500
"""Members listed at most in a series page."""
MAX_TEXT = 20_000
"""Characters of a requête accepted by the registration form."""


@dataclass(frozen=True)
class Corpus:
    """The indexed corpus shown: the model, its version and the series state after the agents' decisions."""

    model: SeriesModel
    version: str
    state: decisions_module.SeriesState


def current_corpus(service: Service, s: Any) -> Corpus:
    """The default model's index with every decision replayed."""
    from iapublique.services.litigation_series import series_state

    models_registry.ensure_demo_model(service)
    model, manifest = models_registry.load(service)
    return Corpus(model, manifest.version, series_state(model, decisions_module.listed(s)))


def _date(model: SeriesModel, k: int) -> dt.date | None:
    """Registration date of indexed requête ``k``."""
    return model.date_of(k)


def _parse_day(value: str) -> dt.date | None:
    """A date typed in a filter (ISO), or None."""
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def series_members(corpus: Corpus) -> dict[str, np.ndarray]:
    """Indices of the members of each series."""
    ids = np.asarray(corpus.state.ids, dtype=object)
    out: dict[str, np.ndarray] = {}
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    start = 0
    for k in range(1, len(order) + 1):
        if k == len(order) or sorted_ids[k] != sorted_ids[start]:
            sid = str(sorted_ids[start]) if len(order) else ""
            if sid:
                out[sid] = order[start:k]
            start = k
    return out


def series_card(corpus: Corpus, sid: str, members: np.ndarray) -> dict[str, Any]:
    """What the corpus view and the series page show of one series."""
    from iapublique.services.litigation_series import series_head, series_name

    model, state = corpus.model, corpus.state
    source = state.source.get(sid)
    days = model.days_[members]
    known = days[days > 0]
    head = series_head(model, state, sid)
    courts = Counter(str(model.courts_[k]) for k in members)
    return {
        "id": sid,
        "name": series_name(model, state, sid),
        "size": len(members),
        "courts": [(c or "non renseignée", n) for c, n in courts.most_common(4)],
        "n_courts": len(courts),
        "first": model.date_of(int(members[np.argmin(days)])) if len(known) else None,
        "last": model.date_of(int(members[np.argmax(days)])) if len(known) else None,
        "act": model.series_acts_[source] if source is not None else "",
        "conclusions": model.series_conclusions_[source] if source is not None else [],
        "text": model.series_texts_[source] if source is not None else "",
        "head": str(model.case_ids_[head]) if head >= 0 else "",
        "confirmed": state.confirmed.get(sid),
        "matters": sorted({str(model.matters_[k]) for k in members if str(model.matters_[k])}),
    }


def corpus_context(corpus: Corpus, juridiction: str, du: str, au: str, taille: str) -> dict[str, Any]:
    """The series list with the filters (court, period, minimum size) applied to their members."""
    model = corpus.model
    start, end = _parse_day(du), _parse_day(au)
    try:
        min_size = max(1, int(taille)) if taille.strip() else 1
    except ValueError:
        min_size = 1
    keep = np.ones(model.size, dtype=bool)
    if juridiction:
        keep &= model.courts_ == juridiction
    epoch = dt.date(1970, 1, 1)
    if start:
        keep &= model.days_ >= (start - epoch).days
    if end:
        keep &= (model.days_ <= (end - epoch).days) & (model.days_ > 0)
    cards = []
    for sid, members in series_members(corpus).items():
        chosen = members[keep[members]]
        if len(chosen) and len(members) >= min_size:
            card = series_card(corpus, sid, members)
            card["matching"] = len(chosen)
            cards.append(card)
    cards.sort(key=lambda c: (-c["size"], c["id"]))
    in_series = sum(c["size"] for c in cards)
    return {
        "cards": cards[:MAX_SERIES],
        "total_series": len(cards),
        "in_series": in_series,
        "indexed": model.size,
        "courts": sorted({str(c) for c in model.courts_ if str(c)}),
        "filters": {"juridiction": juridiction, "du": du, "au": au, "taille": taille},
    }


def masked_segments(text: str, highlights: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """The text cut into (piece, kind) with personal data replaced (« masque ») and shared passages (« commun »)."""
    events: list[tuple[int, int, str]] = [(s.start, s.end, "masque") for s in find_personal_data(text)]
    events += [(s, e, "commun") for s, e in highlights]
    events.sort()
    out: list[tuple[str, str]] = []
    pos = 0
    masked = {(s.start, s.end): s.kind for s in find_personal_data(text)}
    for start, end, kind in events:
        if start < pos:
            if kind == "commun" and end > pos:
                start = pos
            else:
                continue
        out.append((text[pos:start], ""))
        out.append((f"[{masked[(start, end)]}]" if kind == "masque" else text[start:end], kind))
        pos = end
    out.append((text[pos:], ""))
    return [(piece, kind) for piece, kind in out if piece]


def as_lines(segments: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Segments regrouped by line of text (so pages show the requête's lines as paragraphs that wrap)."""
    lines: list[list[tuple[str, str]]] = [[]]
    for piece, kind in segments:
        parts = piece.split("\n")
        for k, part in enumerate(parts):
            if k:
                lines.append([])
            if part:
                lines[-1].append((part, kind))
    return [line for line in lines if line]


def build_router(service: Service) -> APIRouter:
    """The service's own routes, mounted under ``/services/litigation_series`` behind the access guard."""
    router = APIRouter(include_in_schema=False)
    prefix = f"services/{service.info.id}"
    base = f"/services/{service.info.id}"

    @router.get("/series", response_class=HTMLResponse)
    def corpus_view(request: Request, user: CurrentUser, s: DB, juridiction: str = "", du: str = "", au: str = "",
                    taille: str = "") -> Response:
        """The series of the indexed corpus, largest first, filtered by court, period and size."""
        corpus = current_corpus(service, s)
        request.state.user = user
        context = {"title": "Séries du corpus", "service": service, "info": service.info, "version": corpus.version,
                   **corpus_context(corpus, juridiction, du, au, taille)}
        return templates(request).render(request, f"{prefix}/corpus.html", context)

    @router.get("/series/{sid}", response_class=HTMLResponse)
    def series_page(sid: str, request: Request, user: CurrentUser, s: DB) -> Response:
        """One series: summary, representative text, members (masked) and the agents' actions."""
        corpus = current_corpus(service, s)
        groups = series_members(corpus)
        if sid not in groups:
            raise HTTPException(404, f"Série « {sid} » introuvable dans le corpus indexé (fusionnée ou dissoute ?).")
        request.state.user = user
        members = groups[sid]
        model = corpus.model
        order = sorted(members.tolist(), key=lambda k: (int(model.days_[k]), str(model.case_ids_[k])))
        rows = [{"case": str(model.case_ids_[k]), "court": str(model.courts_[k]), "date": model.date_of(k),
                 "excerpt": model.excerpts_[k]} for k in order[:MAX_MEMBERS]]
        others = sorted(((o, series_card(corpus, o, m)["name"]) for o, m in groups.items() if o != sid),
                        key=lambda item: item[1])
        context = {
            "title": f"Série {sid}",
            "service": service,
            "info": service.info,
            "card": series_card(corpus, sid, members),
            "members": rows,
            "hidden": max(0, len(order) - MAX_MEMBERS),
            "others": others,
            "history": corpus.state.history.get(sid, []),
            "actions": decisions_module.ACTIONS,
            "version": corpus.version,
        }
        return templates(request).render(request, f"{prefix}/series.html", context)

    @router.post("/series/{sid}/decision")
    def decide(
        sid: str,
        request: Request,
        user: CurrentUser,
        s: DB,
        action: Annotated[str, Form()] = "",
        nom: Annotated[str, Form()] = "",
        autre_serie: Annotated[str, Form()] = "",
        requetes: Annotated[list[str] | None, Form()] = None,
        commentaire: Annotated[str, Form()] = "",
    ) -> Response:
        """Store an agent's decision on a series, then show the series (the surviving one after a merge)."""
        corpus = current_corpus(service, s)
        groups = series_members(corpus)
        if sid not in groups:
            raise HTTPException(404, f"Série « {sid} » introuvable dans le corpus indexé.")
        members = {str(corpus.model.case_ids_[k]) for k in groups[sid]}
        chosen = [c for c in (requetes or []) if c in members]
        if action in ("split", "exclude") and not chosen:
            raise HTTPException(400, "Décision refusée : cochez au moins une requête de la série.")
        if action == "merge" and autre_serie not in groups:
            raise HTTPException(400, "Décision refusée : choisissez une autre série du corpus à fusionner.")
        if action == "confirm":
            chosen = sorted(members)
        target = ""
        if action == "merge":
            target = autre_serie
        elif action == "split":
            target = f"{sid}-{len(corpus.state.history.get(sid, [])) + 1}"
        try:
            decisions_module.add(s, user, action, sid, target_series_id=target, name=nom, case_ids=chosen,
                                 comment=commentaire)
        except ValueError as err:
            raise HTTPException(400, f"Décision refusée : {err}") from None
        s.commit()
        where = target if action == "split" else sid
        return RedirectResponse(f"{base}/series/{where}#decisions", status_code=303)

    @router.get("/enregistrer", response_class=HTMLResponse)
    def register_form(request: Request, user: CurrentUser) -> Response:
        """The registration form of a new requête."""
        request.state.user = user
        context = {"title": "Enregistrer une requête", "service": service, "info": service.info, "values": {},
                   "answer": None}
        return templates(request).render(request, f"{prefix}/register.html", context)

    @router.post("/enregistrer", response_class=HTMLResponse)
    def register(
        request: Request,
        user: CurrentUser,
        texte: Annotated[str, Form()] = "",
        numero: Annotated[str, Form()] = "",
        juridiction: Annotated[str, Form()] = "",
        date_enregistrement: Annotated[str, Form()] = "",
    ) -> Response:
        """Register one requête: its series (head, score, shared passages), a possible new series, or isolated."""
        request.state.user = user
        values = {"texte": texte, "numero": numero, "juridiction": juridiction,
                  "date_enregistrement": date_enregistrement}
        error = None
        if not texte.strip():
            error = "Collez le texte de la requête."
        elif len(texte) > MAX_TEXT:
            error = f"Texte trop long : {MAX_TEXT:,} caractères au plus.".replace(",", " ")
        day = _parse_day(date_enregistrement)
        if date_enregistrement.strip() and day is None:
            error = "Date d'enregistrement illisible : utilisez le format JJ/MM/AAAA du calendrier."
        answer = None
        if error is None:
            models_registry.ensure_demo_model(service)
            model, manifest = models_registry.load(service)
            record = pd.DataFrame([{"case_id": numero.strip() or "nouvelle-requete", "text": texte,
                                    "court": juridiction.strip(), "registered_on": day, "matter": "",
                                    "ocr_confidence": None}])
            row = service.run(model, record).iloc[0].to_dict()
            explanation = Explanation.from_cell(row["explanation"])
            spans = [(h.start, h.end) for h in explanation.highlights]
            answer = {"row": row, "explanation": explanation, "lines": as_lines(masked_segments(texte, spans)),
                      "status_label": STATUS_LABELS[str(row["status"])], "version": manifest.version,
                      "similar": [c for c in str(row["similar_cases"]).split(" ; ") if c]}
        context = {"title": "Enregistrer une requête", "service": service, "info": service.info, "values": values,
                   "answer": answer, "error": error}
        return templates(request).render(request, f"{prefix}/register.html", context,
                                         status_code=422 if error else 200)

    return router
