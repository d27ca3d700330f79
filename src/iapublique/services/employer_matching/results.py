"""Result rows of employer matching: the ten candidates as JSON, the NAF top 5, the French explanation."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
from babel.numbers import format_decimal, format_percent

from iapublique.core.explain import Explanation, Factor, Highlight
from iapublique.services.employer_matching.matching import FEATURE_LABELS, FEATURES
from iapublique.services.employer_matching.model import EmployerMatcher, Scored
from iapublique.services.employer_matching.reference import naf_label, name_key, plain

BAND_LABELS: dict[str, str] = {
    "NN": "effectif inconnu", "00": "0 salarié", "01": "1 ou 2 salariés", "02": "3 à 5 salariés",
    "03": "6 à 9 salariés", "11": "10 à 19 salariés", "12": "20 à 49 salariés", "21": "50 à 99 salariés",
    "22": "100 à 199 salariés", "31": "200 à 249 salariés", "32": "250 à 499 salariés",
    "41": "500 à 999 salariés", "42": "1 000 à 1 999 salariés", "51": "2 000 à 4 999 salariés",
    "52": "5 000 à 9 999 salariés", "53": "10 000 salariés ou plus",
}
"""SIRENE staff bands in words."""
MATCHED_LABELS: dict[str, str] = {
    "nom": "nom", "sigle": "sigle", "commune": "commune", "voie": "voie", "numero": "numéro", "activite": "activité",
    "memoire": "bulletins déjà codés", "residence": "commune de résidence",
}
"""Names of the fields that can match, as shown to agents."""


def percent(value: float) -> str:
    """A probability as a French percentage (« 93 % »)."""
    return str(format_percent(value, format="#,##0 %", locale="fr_FR"))


def km(value: float) -> str:
    """A distance in French (« 12,4 km »)."""
    return f"{format_decimal(round(value, 1), format='#,##0.#', locale='fr_FR')} km"


def establishment_name(row: dict[str, Any]) -> str:
    """Display name of an establishment: legal name, else the individual's name."""
    name = str(row.get("denominationUniteLegale") or "").strip()
    if not name:
        name = f"{row.get('prenom1UniteLegale') or ''} {row.get('nomUniteLegale') or ''}".strip()
    return name or "(sans nom)"


def address(row: dict[str, Any]) -> str:
    """One-line address of an establishment from its SIRENE fields."""
    street = " ".join(str(row.get(c) or "").strip() for c in ("numeroVoieEtablissement", "typeVoieEtablissement",
                                                              "libelleVoieEtablissement")).strip()
    street = " ".join(street.split())
    town = f"{row.get('codePostalEtablissement') or ''} {row.get('libelleCommuneEtablissement') or ''}".strip()
    parts = [p for p in (street, str(row.get("complementAdresseEtablissement") or "").strip(), town) if p]
    return ", ".join(parts)


def matched_fields(feat: np.ndarray) -> list[str]:
    """Which bulletin fields agree with a candidate, from its pair features."""
    col = {name: i for i, name in enumerate(FEATURES)}

    def val(name: str) -> float:
        v = float(feat[col[name]])
        return -1.0 if math.isnan(v) else v

    out: list[str] = []
    if val("token_set") >= 0.85 or val("cos") >= 0.7:
        out.append("nom")
    if val("sigle_hit") > 0:
        out.append("sigle")
    if val("same_commune") > 0 or val("commune_ratio") >= 0.9:
        out.append("commune")
    if val("street_ratio") >= 0.85:
        out.append("voie")
    if val("number_equal") > 0:
        out.append("numero")
    if val("naf_div_prob") >= 0.3:
        out.append("activite")
    if val("mem_dep") > 0 or val("mem_res") > 0:
        out.append("memoire")
    if val("same_residence") > 0:
        out.append("residence")
    return out


def _highlights(record: dict[str, Any], matched: list[str], alias_words: set[str]) -> list[Highlight]:
    """Spans of the bulletin's fields that agree with the proposed establishment."""
    out: list[Highlight] = []
    name = str(record.get("employer_name") or "")
    if name and ("nom" in matched or "sigle" in matched or "memoire" in matched):
        pos = 0
        for word in name.split():
            start = name.find(word, pos)
            pos = start + len(word)
            canonical = name_key(word).split()
            if plain(word) and (plain(word) in alias_words or (canonical and set(canonical) <= alias_words)):
                out.append(Highlight(field="employer_name", start=start, end=pos, label="mot du nom retrouvé"))
    for field, key, label in (("commune", "commune", "commune concordante"),
                              ("street_name", "voie", "voie concordante"),
                              ("street_number", "numero", "numéro concordant"),
                              ("activity", "activite", "activité concordante")):
        text = str(record.get(field) or "")
        if text and key in matched:
            out.append(Highlight(field=field, start=0, end=len(text), label=label))
    return out


def to_frame(model: EmployerMatcher, records: pd.DataFrame, scored: Scored) -> pd.DataFrame:
    """The Result columns (all but model_version) for scored bulletins, in input order."""
    records = records.reset_index(drop=True)
    index = model.index()
    n = len(records)
    rows = scored.top_rows
    valid = rows >= 0
    display = index.display_records(rows[valid])
    shown: dict[tuple[int, int], dict[str, Any]] = {}
    for (i, j), found in zip(np.argwhere(valid), display, strict=True):
        shown[(int(i), int(j))] = {str(k): v for k, v in found.items()}
    contrib = model.contributions(scored.feats[scored.pair_of_top1[scored.pair_of_top1 >= 0]])
    contrib_of: dict[int, np.ndarray] = {}
    for i, c in zip(np.nonzero(scored.pair_of_top1 >= 0)[0], contrib, strict=True):
        contrib_of[int(i)] = c
    top1 = np.maximum(rows[:, 0], 0)
    top1_words: list[set[str]] = [set() for _ in range(n)]  # words of each first candidate's names (highlights)
    for column in ("legal", "usual", "ens", "sigle", "commune_name"):
        for i, text in enumerate(index.text(column, top1)):
            top1_words[i].update(text.split())
    dist_col = FEATURES.index("dist_declared")
    dist_res_col = FEATURES.index("dist_residence")
    rec_dicts = [{str(k): v for k, v in r.items()} for r in records.to_dict("records")]
    out: dict[str, list[Any]] = {k: [] for k in ("bulletin_id", "proposed_siret", "proposed_name", "probability",
                                                 "auto_coded", "noncodable", "noncodable_label", "naf_top5",
                                                 "candidates", "score", "explanation")}
    for i in range(n):
        cands: list[dict[str, Any]] = []
        for j in range(rows.shape[1]):
            if (i, j) not in shown:
                continue
            info = shown[(i, j)]
            feat = scored.feats[scored.top_pairs[i, j]]
            dist = float(feat[dist_col]) if not math.isnan(float(feat[dist_col])) else float(feat[dist_res_col])
            code = str(info.get("activitePrincipaleEtablissement") or "")
            cands.append({
                "siret": str(info["siret"]), "nom": establishment_name(info),
                "enseigne": str(info.get("enseigne1Etablissement") or info.get("denominationUsuelleEtablissement")
                                or ""),
                "adresse": address(info), "commune": str(info.get("libelleCommuneEtablissement") or ""),
                "naf": code, "naf_libelle": naf_label(code),
                "effectif": BAND_LABELS.get(str(info.get("trancheEffectifsEtablissement") or "NN"),
                                            "effectif inconnu"),
                "siege": str(info.get("etablissementSiege")) == "true",
                "ouvert": str(info.get("etatAdministratifEtablissement") or "A") == "A",
                "distance_km": None if math.isnan(dist) else round(dist, 1),
                "score": round(float(scored.top_scores[i, j]), 4),
                "champs": matched_fields(feat),
            })
        naf5 = [{"code": str(c), "libelle": naf_label(str(c)), "score": round(float(s), 4)}
                for c, s in zip(scored.naf_top[i], scored.naf_scores[i], strict=True) if s > 0]
        p = float(scored.p_top1[i])
        nc = bool(scored.noncodable[i])
        first = cands[0] if cands else None
        record = rec_dicts[i]
        out["bulletin_id"].append(str(record.get("bulletin_id")))
        out["proposed_siret"].append(None if nc or first is None else first["siret"])
        out["proposed_name"].append(None if nc or first is None else first["nom"])
        out["probability"].append(p)
        out["auto_coded"].append(bool(scored.auto[i]))
        out["noncodable"].append(nc)
        out["noncodable_label"].append(str(scored.reason[i]) if nc else None)
        out["naf_top5"].append(json.dumps(naf5, ensure_ascii=False))
        out["candidates"].append(json.dumps(cands, ensure_ascii=False))
        out["score"].append(0.0 if nc else p)
        out["explanation"].append(_explain(model, record, scored, i, first, contrib_of.get(i), top1_words[i]).to_json())
    return pd.DataFrame(out)


def _explain(model: EmployerMatcher, record: dict[str, Any], scored: Scored, i: int, first: dict[str, Any] | None,
             contrib: np.ndarray | None, words: set[str]) -> Explanation:
    """French explanation of one bulletin's proposal: sentence, five main factors, matched spans."""
    p = float(scored.p_top1[i])
    if scored.noncodable[i]:
        return Explanation(summary=f"Bulletin non codable : {scored.reason[i]}. Aucun établissement n'est attribué ; "
                                   "un agent peut en choisir un s'il le juge possible.",
                           factors=[Factor(label="motif", value=str(scored.reason[i]), weight=1.0)])
    if first is None:
        return Explanation(summary="Aucun établissement candidat trouvé : précisez le nom, la commune ou le "
                                   "département, ou recherchez l'établissement dans le répertoire.")
    decision = ("codé automatiquement" if scored.auto[i]
                else f"à vérifier par un agent (seuil de codage automatique : {percent(min(model.threshold_, 1.0))})")
    summary = (f"Établissement proposé : {first['nom']} ({first['commune']}), SIRET {first['siret']} ; "
               f"probabilité {percent(p)}, {decision}.")
    factors: list[Factor] = []
    feat = scored.feats[scored.top_pairs[i, 0]]
    if contrib is not None:
        order = np.argsort(-np.abs(contrib[:-1]))[:5]
        for j in order:
            v = float(feat[j])
            value = "non renseigné" if math.isnan(v) else format_decimal(round(v, 2), locale="fr_FR")
            factors.append(Factor(label=FEATURE_LABELS[FEATURES[j]], value=value, weight=round(float(contrib[j]), 4)))
    alias_words = set(words)
    alias_words.update(plain(first["nom"]).split())
    alias_words.update(plain(first["enseigne"]).split())
    return Explanation(summary=summary, factors=factors,
                       highlights=_highlights(record, first["champs"], alias_words))
