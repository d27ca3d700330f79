"""Candidate search and pair features: from a bulletin to its 100 most plausible establishments.

Search: the employer name, reduced to a key (synonyms, legal forms and function words removed), is
compared by character-trigram TF-IDF cosine with every name an establishment is known by (legal name,
usual name, shop signs, acronym), restricted to the départements the bulletin points to (declared
workplace, commune, residence); establishments of the declared or residence commune get a bonus before
the cut. Bulletins already coded (training data, agents' choices) with the same name nearby add their
establishment. Features then describe each (bulletin, establishment) pair for the re-ranker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from iapublique.services.employer_matching.reference import (
    communes,
    departement_of,
    haversine_km,
    name_key,
    plain,
    street_type_code,
)
from iapublique.services.employer_matching.register import RegisterIndex

PER_BLOCK = 400
"""Aliases kept per département block before merging (first cut)."""
CANDIDATES = 100
"""Establishments kept per bulletin for the re-ranker."""
NATIONWIDE = "*"
"""Block of bulletins that name no département, no commune and no residence: searched in the whole register."""

FEATURES = (
    "cos", "stage", "rank", "cos_gap", "token_set", "ratio", "partial", "sigle_hit", "same_commune",
    "same_residence", "same_dep", "same_res_dep", "dist_declared", "dist_residence", "commune_ratio",
    "street_ratio", "number_equal", "type_equal", "naf_prob", "naf_div_prob", "band", "head", "closed",
    "siren_size", "siren_in_cands", "near_best", "mem_dep", "mem_res", "mem_share", "has_commune", "has_street",
    "has_number", "has_activity", "name_len",
)
"""Pair features of the re-ranker, in column order."""

FEATURE_LABELS: dict[str, str] = {
    "cos": "similarité du nom (trigrammes)", "stage": "score de recherche", "rank": "rang à la recherche",
    "cos_gap": "écart au meilleur nom", "token_set": "mots du nom en commun", "ratio": "nom très proche",
    "partial": "nom contenu dans l'autre", "sigle_hit": "sigle reconnu", "same_commune": "même commune de travail",
    "same_residence": "commune de résidence", "same_dep": "même département", "same_res_dep":
    "département de résidence", "dist_declared": "distance à la commune déclarée", "dist_residence":
    "distance au domicile", "commune_ratio": "nom de commune proche", "street_ratio": "même voie",
    "number_equal": "même numéro de voie", "type_equal": "même type de voie", "naf_prob": "activité concordante",
    "naf_div_prob": "division d'activité concordante", "band": "effectif de l'établissement", "head": "siège",
    "closed": "établissement fermé", "siren_size": "nombre d'établissements de l'entreprise", "siren_in_cands":
    "établissements de la même entreprise parmi les candidats", "near_best": "candidats aussi proches",
    "mem_dep": "bulletins déjà codés du département", "mem_res": "bulletins déjà codés de la commune",
    "mem_share": "part des bulletins déjà codés", "has_commune": "commune renseignée", "has_street":
    "voie renseignée", "has_number": "numéro renseigné", "has_activity": "activité renseignée",
    "name_len": "longueur du nom",
}
"""French label of each feature, for explanations."""


@dataclass
class Queries:
    """Bulletins parsed for search: name keys, resolved communes and départements, address parts."""

    key: list[str]
    commune: np.ndarray
    commune_written: list[str]
    dep: np.ndarray
    residence: np.ndarray
    res_dep: np.ndarray
    street: list[str]
    number: list[str]
    stype: list[str]
    activity: list[str]

    def __len__(self) -> int:
        return len(self.key)


def _text(records: pd.DataFrame, column: str) -> list[str]:
    """A column as clean strings ('' for missing)."""
    if column not in records.columns:
        return [""] * len(records)
    return [v.strip() if isinstance(v, str) else ("" if v is None or v != v else str(v).strip())
            for v in records[column].tolist()]


def _clean_dep(value: str) -> str:
    """A département code as written (« 1 », « 01 », « 2a », « 971 ») in its canonical form."""
    v = plain(value).replace(" ", "")
    if v.isdigit() and len(v) == 3 and v.startswith("0"):
        v = v[1:]
    if v.isdigit() and len(v) <= 2:
        return v.zfill(2)
    if v in ("2A", "2B") or (v.isdigit() and len(v) == 3 and v.startswith("97")):
        return v
    return ""


def parse(records: pd.DataFrame) -> Queries:
    """Parse bulletins: name key, résolution of the written commune (old names, slips), départements."""
    com = communes()
    names = _text(records, "employer_name")
    written = _text(records, "commune")
    deps = [_clean_dep(v) for v in _text(records, "departement")]
    residence = [com.current(v) if v else "" for v in _text(records, "residence_code")]
    res_dep = [departement_of(r) if r else "" for r in residence]
    resolved: list[str] = []
    by_dep = _commune_names_by_dep()
    for w, d, rd in zip(written, deps, res_dep, strict=True):
        code = com.resolve(w, d or rd) if w else ""
        if not code and w and (d or rd) in by_dep:
            names_dep, codes_dep = by_dep[d or rd]
            hit = process.extractOne(plain(w), names_dep, scorer=fuzz.ratio, score_cutoff=85)
            code = codes_dep[hit[2]] if hit else ""
        resolved.append(code)
    dep_final = [d or (departement_of(c) if c else "") for d, c in zip(deps, resolved, strict=True)]
    return Queries(
        key=[name_key(n) for n in names],
        commune=np.array(resolved, dtype="U5"),
        commune_written=[plain(w) for w in written],
        dep=np.array(dep_final, dtype="U3"),
        residence=np.array(residence, dtype="U5"),
        res_dep=np.array(res_dep, dtype="U3"),
        street=[plain(s) for s in _text(records, "street_name")],
        number=[plain(s) for s in _text(records, "street_number")],
        stype=[street_type_code(s) if s else "" for s in _text(records, "street_type")],
        activity=_text(records, "activity"),
    )


_BY_DEP: dict[str, tuple[list[str], list[str]]] = {}


def _commune_names_by_dep() -> dict[str, tuple[list[str], list[str]]]:
    """Commune names (plain) and codes per département, for fuzzy resolution of mistyped communes."""
    if not _BY_DEP:
        table = communes().table
        for code, name in zip(table["code"], table["name"], strict=True):
            names, codes = _BY_DEP.setdefault(departement_of(code), ([], []))
            names.append(plain(name))
            codes.append(code)
    return _BY_DEP


class Memory:
    """Bulletins already coded, by name key and place: they point to their establishment (register rows)."""

    def __init__(self, keys: list[str], deps: list[str], residences: list[str], rows: np.ndarray) -> None:
        frame = pd.DataFrame({"key": keys, "dep": deps, "res": residences, "row": rows})
        frame = frame[(frame["key"] != "") & (frame["row"] >= 0)]
        self.by_dep = self._table(frame, "dep")
        self.by_res = self._table(frame, "res")

    @staticmethod
    def _table(frame: pd.DataFrame, place: str) -> dict[tuple[str, str], dict[int, int]]:
        """(name key, place) → {register row: number of bulletins}."""
        out: dict[tuple[str, str], dict[int, int]] = {}
        counts = frame.groupby(["key", place, "row"]).size().reset_index(name="n")
        for key, where, row, n in zip(counts["key"], counts[place], counts["row"], counts["n"], strict=True):
            out.setdefault((str(key), str(where)), {})[int(row)] = int(n)
        return out

    def lookup(self, q: Queries, own: np.ndarray | None = None) -> pd.DataFrame:
        """(bulletin, row, mem_dep, mem_res) for every remembered establishment of each bulletin's name.

        ``own``: the register row each bulletin is itself coded to when it belongs to the memory (training):
        its own contribution is left out, so training sees the memory as a new bulletin will.
        """
        found: dict[tuple[int, int], list[float]] = {}
        for i, key in enumerate(q.key):
            if not key:
                continue
            mine = int(own[i]) if own is not None else -1
            for row, n in self.by_dep.get((key, str(q.dep[i])), {}).items():
                n -= row == mine
                if n > 0:
                    found.setdefault((i, row), [0.0, 0.0])[0] = n
            for row, n in self.by_res.get((key, str(q.residence[i])), {}).items():
                n -= row == mine
                if n > 0:
                    found.setdefault((i, row), [0.0, 0.0])[1] = n
        if not found:
            return pd.DataFrame({"q": np.zeros(0, np.int64), "row": np.zeros(0, np.int64),
                                 "mem_dep": np.zeros(0), "mem_res": np.zeros(0)})
        pairs = np.array(list(found), dtype=np.int64)
        values = np.array(list(found.values()), dtype=float)
        return pd.DataFrame({"q": pairs[:, 0], "row": pairs[:, 1], "mem_dep": values[:, 0], "mem_res": values[:, 1]})


def search(index: RegisterIndex, q: Queries, memory: Memory | None, k: int = CANDIDATES,
           own: np.ndarray | None = None) -> pd.DataFrame:
    """Candidate establishments of each bulletin: columns q, row, cos, alias, stage (at most ``k`` per bulletin)."""
    n = len(q)
    qvec = index.query_vectors(q.key)
    com_dep = np.array([departement_of(c) if c else "" for c in q.commune])
    blocks: dict[str, list[int]] = {}
    for i in range(n):
        places = {str(d) for d in (q.dep[i], q.res_dep[i], com_dep[i]) if d}
        for d in places or {NATIONWIDE}:  # nothing says where: the whole register
            blocks.setdefault(d, []).append(i)
    parts_q: list[np.ndarray] = []
    parts_alias: list[np.ndarray] = []
    parts_cos: list[np.ndarray] = []
    parts_bonus: list[np.ndarray] = []
    has_name = np.array([bool(x) for x in q.key])
    for dep, rows_list in blocks.items():
        rows = np.array([r for r in rows_list if has_name[r]], dtype=np.int64)
        if not len(rows):
            continue
        start, block = index.block_matrix(dep)
        if block.shape[0] == 0:
            continue
        # bulletins per sparse product: bounded so that a big block (Paris) never holds more than about
        # 20 million similarities at once (memory), small blocks take 512 at a time (speed)
        step = int(max(16, min(512, 2e7 // max(block.shape[0], 1))))
        for chunk_start in range(0, len(rows), step):
            chunk = rows[chunk_start:chunk_start + step]
            sims = (block @ qvec[chunk].T).T.tocsr()
            for j, qi in enumerate(chunk):
                lo, hi = sims.indptr[j], sims.indptr[j + 1]
                if hi == lo:
                    continue
                cols = sims.indices[lo:hi] + start
                vals = sims.data[lo:hi]
                est = index.alias_est[cols]
                ecom = index.commune[est]
                # the declared and residence communes, and the size of the establishment (people work more
                # often in big ones), break ties between homonyms before the cut
                bonus = (0.25 * (ecom == q.commune[qi]) * (q.commune[qi] != "") + 0.12 * (ecom == q.residence[qi])
                         + 0.01 * index.band[est])
                score = vals + bonus
                if len(score) > PER_BLOCK:
                    top = np.argpartition(-score, PER_BLOCK)[:PER_BLOCK]
                    cols, vals, bonus = cols[top], vals[top], bonus[top]
                parts_q.append(np.full(len(cols), qi, dtype=np.int64))
                parts_alias.append(cols.astype(np.int64))
                parts_cos.append(vals.astype(np.float32))
                parts_bonus.append(np.asarray(bonus, dtype=np.float32))
    if parts_q:
        found = pd.DataFrame({"q": np.concatenate(parts_q), "alias": np.concatenate(parts_alias),
                              "cos": np.concatenate(parts_cos), "bonus": np.concatenate(parts_bonus)})
    else:
        found = pd.DataFrame({"q": np.zeros(0, np.int64), "alias": np.zeros(0, np.int64),
                              "cos": np.zeros(0, np.float32), "bonus": np.zeros(0, np.float32)})
    found["row"] = index.alias_est[found["alias"].to_numpy()].astype(np.int64)
    found = found.sort_values(["q", "row", "cos"], ascending=[True, True, False], kind="stable")
    found = found.drop_duplicates(["q", "row"], keep="first")
    if memory is not None:
        mem = memory.lookup(q, own)
        if len(mem):
            found = found.merge(mem, on=["q", "row"], how="outer")
            found["alias"] = found["alias"].fillna(-1).astype(np.int64)
            found[["cos", "bonus"]] = found[["cos", "bonus"]].fillna(0.0)
    for col in ("mem_dep", "mem_res"):
        if col not in found.columns:
            found[col] = 0.0
        found[col] = found[col].fillna(0.0).astype(np.float32)
    found["stage"] = (found["cos"] + found["bonus"] + 0.3 * np.minimum(found["mem_dep"], 3)
                      + 0.3 * np.minimum(found["mem_res"], 3)).astype(np.float32)
    found = found.sort_values(["q", "stage"], ascending=[True, False], kind="stable")
    found["rank"] = found.groupby("q").cumcount()
    found = found[found["rank"] < k].reset_index(drop=True)
    return found


def features(index: RegisterIndex, q: Queries, cands: pd.DataFrame, naf_probs: np.ndarray,
             naf_codes: np.ndarray) -> np.ndarray:
    """Feature matrix (pairs × FEATURES) of the candidate pairs, NaN where a field is missing."""
    qi = cands["q"].to_numpy()
    row = cands["row"].to_numpy()
    alias = cands["alias"].to_numpy()
    m = len(cands)
    f = np.full((m, len(FEATURES)), np.nan, dtype=np.float32)
    if m == 0:
        return f
    col = {name: i for i, name in enumerate(FEATURES)}
    cos = cands["cos"].to_numpy(dtype=np.float32)
    f[:, col["cos"]] = cos
    f[:, col["stage"]] = cands["stage"].to_numpy()
    f[:, col["rank"]] = cands["rank"].to_numpy()
    best = cands.groupby("q")["cos"].transform("max").to_numpy()
    f[:, col["cos_gap"]] = best - cos
    f[:, col["near_best"]] = cands.assign(near=cos >= best - 0.02).groupby("q")["near"].transform("sum").to_numpy()

    qkeys = [q.key[i] for i in qi]
    legal = index.text("legal", row)
    akeys = index.alias_keys(np.maximum(alias, 0))
    akeys = [a if al >= 0 else lg for a, al, lg in zip(akeys, alias, legal, strict=True)]
    f[:, col["token_set"]] = process.cpdist(qkeys, akeys, scorer=fuzz.token_set_ratio, workers=1) / 100.0
    f[:, col["ratio"]] = process.cpdist(qkeys, akeys, scorer=fuzz.ratio, workers=1) / 100.0
    f[:, col["partial"]] = process.cpdist(qkeys, akeys, scorer=fuzz.partial_ratio, workers=1) / 100.0
    sigles = index.text("sigle", row)
    f[:, col["sigle_hit"]] = [1.0 if s and (s == k or f" {s} " in f" {k} ") else 0.0
                              for s, k in zip(sigles, qkeys, strict=True)]

    ecom = index.commune[row]
    qcom = q.commune[qi]
    has_com = qcom != ""
    f[:, col["same_commune"]] = np.where(has_com, (ecom == qcom).astype(np.float32), np.nan)
    f[:, col["same_residence"]] = (ecom == q.residence[qi]).astype(np.float32)
    edep = index.dep[row]
    qdep = q.dep[qi]
    f[:, col["same_dep"]] = np.where(qdep != "", (edep == qdep).astype(np.float32), np.nan)
    f[:, col["same_res_dep"]] = (edep == q.res_dep[qi]).astype(np.float32)
    elat, elon = index.lat[row], index.lon[row]
    qlat, qlon = communes().coords(q.commune)
    rlat, rlon = communes().coords(q.residence)
    f[:, col["dist_declared"]] = haversine_km(qlat[qi], qlon[qi], elat, elon)
    f[:, col["dist_residence"]] = haversine_km(rlat[qi], rlon[qi], elat, elon)

    cw = np.array([q.commune_written[i] for i in qi], dtype=object)
    has_cw = cw != ""
    if has_cw.any():
        pos = np.nonzero(has_cw)[0]
        names = index.text("commune_name", row[pos])
        f[pos, col["commune_ratio"]] = process.cpdist(cw[pos].tolist(), names, scorer=fuzz.ratio, workers=1) / 100.0
    qstreet = np.array([q.street[i] for i in qi], dtype=object)
    has_st = qstreet != ""
    if has_st.any():
        pos = np.nonzero(has_st)[0]
        streets = index.text("street", row[pos])
        f[pos, col["street_ratio"]] = process.cpdist(qstreet[pos].tolist(), streets, scorer=fuzz.token_set_ratio,
                                                     workers=1) / 100.0
    qnum = np.array([q.number[i] for i in qi], dtype=object)
    has_num = qnum != ""
    if has_num.any():
        pos = np.nonzero(has_num)[0]
        nums = index.text("number", row[pos])
        f[pos, col["number_equal"]] = [1.0 if a == b else 0.0 for a, b in zip(qnum[pos], nums, strict=True)]
    qtype = np.array([q.stype[i] for i in qi], dtype=object)
    has_type = qtype != ""
    if has_type.any():
        pos = np.nonzero(has_type)[0]
        types = index.text("stype", row[pos])
        f[pos, col["type_equal"]] = [1.0 if a == b else 0.0 for a, b in zip(qtype[pos], types, strict=True)]

    has_act = np.array([bool(a) for a in q.activity])
    naf_pos = {c: i for i, c in enumerate(naf_codes)}
    enaf = np.array([naf_pos.get(c, -1) for c in index.naf[row]], dtype=np.int64)
    if len(naf_probs):
        p = naf_probs[qi, np.maximum(enaf, 0)]
        f[:, col["naf_prob"]] = np.where(has_act[qi] & (enaf >= 0), p, np.nan)
        div_of = np.array([c[:2] for c in naf_codes])
        divs, div_idx = np.unique(div_of, return_inverse=True)
        div_probs = np.zeros((naf_probs.shape[0], len(divs)), dtype=np.float32)
        np.add.at(div_probs.T, div_idx, naf_probs.T)
        pdiv = div_probs[qi, div_idx[np.maximum(enaf, 0)]]
        f[:, col["naf_div_prob"]] = np.where(has_act[qi] & (enaf >= 0), pdiv, np.nan)
    f[:, col["band"]] = index.band[row]
    f[:, col["head"]] = index.head[row]
    f[:, col["closed"]] = ~index.open[row]
    f[:, col["siren_size"]] = np.log1p(index.siren_size[row])
    sc = pd.DataFrame({"q": qi, "s": index.siren_code[row]})
    f[:, col["siren_in_cands"]] = sc.groupby(["q", "s"])["s"].transform("size").to_numpy()
    mem_dep = cands["mem_dep"].to_numpy(dtype=np.float32)
    mem_res = cands["mem_res"].to_numpy(dtype=np.float32)
    f[:, col["mem_dep"]] = mem_dep
    f[:, col["mem_res"]] = mem_res
    tot = pd.Series(mem_dep).groupby(qi).transform("sum").to_numpy()
    f[:, col["mem_share"]] = np.where(tot > 0, mem_dep / np.maximum(tot, 1), np.nan)
    f[:, col["has_commune"]] = np.array([bool(q.commune_written[i]) for i in qi], dtype=np.float32)
    f[:, col["has_street"]] = has_st
    f[:, col["has_number"]] = has_num
    f[:, col["has_activity"]] = has_act[qi]
    f[:, col["name_len"]] = [len(k) for k in qkeys]
    return f


def manual_search(index: RegisterIndex, name: str = "", commune: str = "", number: str = "",
                  limit: int = 20) -> np.ndarray:
    """Register rows an agent looks for by hand: SIREN/SIRET digits, else a name (within a commune's département)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) in (9, 14):
        con = index.connect()
        try:
            found = con.execute("SELECT row_id FROM etablissements WHERE siret = ? OR siren = ? "
                                "ORDER BY etatAdministratifEtablissement, siret LIMIT ?",
                                [digits, digits[:9] if len(digits) == 9 else "", limit]).fetchall()
        finally:
            con.close()
        return np.array([r[0] for r in found], dtype=np.int64)
    key = name_key(name)
    if not key:
        return np.zeros(0, dtype=np.int64)
    code = communes().resolve(commune) if commune else ""
    qvec = index.query_vectors([key])
    if code:
        start, block = index.block_matrix(departement_of(code))
    else:
        start, block = 0, index.aliases
    if block.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    sims = np.asarray((block @ qvec.T).todense()).ravel()
    est = index.alias_est[start + np.arange(len(sims))]
    if code:
        sims = sims + 0.3 * (index.commune[est] == code)
    order = np.argsort(-sims, kind="stable")
    out: list[int] = []
    for i in order:
        if sims[i] <= 0.05:
            break
        if int(est[i]) not in out:
            out.append(int(est[i]))
        if len(out) >= limit:
            break
    return np.array(out, dtype=np.int64)
