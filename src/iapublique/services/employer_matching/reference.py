"""Bundled reference tables: communes (code, name, postcode, centroid, successor of merged ones) and NAF rév. 2.

Derived by :mod:`build_data` from INSEE's Code officiel géographique 2018 (coordinates as published by
etalab-ia/ami-ia-insee-aiee2, MIT licence) and the NAF rév. 2 nomenclature (as published by
InseeFrLab/codif-ape-train, Apache-2.0 licence).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from iapublique.services.employer_matching.build_data import COMMUNES_FILE, NAF_FILE

LEGAL_FORMS = frozenset([
    "SARL", "SAS", "SA", "SASU", "EURL", "SNC", "SCI", "SCP", "SELARL", "SELAS", "SCOP", "GIE", "EARL", "GAEC", "ETS",
    "ETABLISSEMENTS", "STE", "SOCIETE", "CIE",
])
"""Legal-form words dropped from names before comparison (people rarely write them)."""
STOPWORDS = frozenset([
    "DE", "DU", "DES", "LA", "LE", "LES", "D", "L", "ET", "EN", "AU", "AUX", "A", "SUR", "SOUS", "PAR", "POUR",
])
"""French function words dropped from names."""
SYNONYMS: dict[str, str] = {
    "MAIRIE": "COMMUNE",
    "VILLE": "COMMUNE",
    "HOTEL DE VILLE": "COMMUNE",
    "HOPITAL": "CENTRE HOSPITALIER",
    "HOSP": "CENTRE HOSPITALIER",
    "CH": "CENTRE HOSPITALIER",
    "CHR": "CENTRE HOSPITALIER REGIONAL",
    "CHU": "CENTRE HOSPITALIER UNIVERSITAIRE",
    "CLG": "COLLEGE",
    "LYC": "LYCEE",
    "ECOLE PRIMAIRE": "ECOLE ELEMENTAIRE",
    "EHPAD": "EHPAD",
    "ST": "SAINT",
}
"""Canonical forms of words public employers are written with, applied to both the register and bulletins."""
STREET_TYPES: dict[str, str] = {
    "RUE": "RUE", "R": "RUE", "AVENUE": "AV", "AV": "AV", "AVE": "AV", "BOULEVARD": "BD", "BD": "BD",
    "BLD": "BD", "PLACE": "PL", "PL": "PL", "CHEMIN": "CHE", "CHE": "CHE", "CH": "CHE", "ROUTE": "RTE",
    "RTE": "RTE", "ALLEE": "ALL", "ALL": "ALL", "IMPASSE": "IMP", "IMP": "IMP", "QUAI": "QUAI", "COURS": "CRS",
    "CRS": "CRS", "ZONE ARTISANALE": "ZA", "ZA": "ZA", "ZONE INDUSTRIELLE": "ZI", "ZI": "ZI",
    "ZAC": "ZAC", "ZONE D ACTIVITES": "ZA", "PARC": "PARC", "ESPLANADE": "ESP", "ESP": "ESP",
}
"""Street types as written on bulletins → SIRENE's abbreviated type."""

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_SLIP_TRIGGERS = tuple(w for w in SYNONYMS if " " not in w and len(w) >= 6)
"""Synonym words long enough to be recognised through one typing slip (« Maiirie » → MAIRIE)."""


def _canonical_word(word: str) -> str:
    """The synonym of a word, also through one slip on a long trigger word."""
    if word in SYNONYMS:
        return SYNONYMS[word]
    if len(word) >= 5:
        for trigger in _SLIP_TRIGGERS:
            if abs(len(trigger) - len(word)) <= 1 and OSA.distance(word, trigger, score_cutoff=1) <= 1:
                return SYNONYMS[trigger]
    return word


@lru_cache(maxsize=200_000)
def plain(text: str) -> str:
    """Upper case without accents nor punctuation, single spaces (the common form of every compared text)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", ascii_text.replace("'", " ")).strip()


@lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """A name reduced for matching: plain form, synonyms made canonical, legal forms and function words dropped."""
    words = plain(text)
    if not words:
        return ""
    padded = f" {words} "
    for src in ("HOTEL DE VILLE", "ECOLE PRIMAIRE"):
        padded = padded.replace(f" {src} ", f" {SYNONYMS[src]} ")
    tokens = [_canonical_word(t) for t in padded.split()]
    kept = [t for t in " ".join(tokens).split() if t not in LEGAL_FORMS and t not in STOPWORDS]
    return " ".join(kept)


def street_type_code(text: str) -> str:
    """SIRENE street-type code of a written street type (empty when unknown)."""
    return STREET_TYPES.get(plain(text), plain(text)[:4])


def departement_of(code: str) -> str:
    """Département of a commune code (2A/2B for Corsica, 3 digits overseas)."""
    code = str(code or "")
    if code.startswith("97"):
        return code[:3]
    return code[:2]


@dataclass(frozen=True)
class Communes:
    """The commune table with lookups by code and by written name."""

    table: pd.DataFrame
    index: dict[str, int]
    by_name: dict[tuple[str, str], str]
    by_name_any: dict[str, list[str]]
    lat: np.ndarray
    lon: np.ndarray
    successor: dict[str, str]

    def current(self, code: str) -> str:
        """The current commune of a code: a merged commune's or a municipal arrondissement's city, else itself."""
        code = str(code or "").strip()
        if len(code) == 4 and code.isdigit():
            code = code.zfill(5)
        return self.successor.get(code) or code

    def resolve(self, name: str, departement: str = "") -> str:
        """Current commune code of a written commune name (old names map to their successor), or ''."""
        words = [w for w in plain(name).split() if not any(ch.isdigit() for ch in w)
                 and w not in ("CEDEX", "ARRONDISSEMENT", "ARR", "ER", "EME", "E")]
        key = " ".join(words).replace("SAINT ", "ST ").replace("SAINTE ", "STE ")
        if not key:
            return ""
        if departement and (departement, key) in self.by_name:
            return self.by_name[(departement, key)]
        codes = self.by_name_any.get(key, [])
        return codes[0] if len(codes) == 1 else ""

    def coords(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and longitude (degrees) of commune codes; NaN where unknown."""
        pos = np.array([self.index.get(str(c), -1) for c in codes], dtype=np.int64)
        lat = np.where(pos >= 0, self.lat[np.maximum(pos, 0)], np.nan)
        lon = np.where(pos >= 0, self.lon[np.maximum(pos, 0)], np.nan)
        return lat, lon


@cache
def communes() -> Communes:
    """The bundled commune table, current communes first use (merged ones point to their successor)."""
    table = pd.read_csv(COMMUNES_FILE, dtype={"code": str, "postcode": str, "successor": str}, keep_default_na=False,
                        na_values={"lon": [""], "lat": [""]})
    table["successor"] = table["successor"].fillna("")
    current = table[table["successor"] == ""]
    succ = dict(zip(table["code"], table["successor"], strict=True))
    target = [s or c for c, s in zip(table["code"], table["successor"], strict=True)]
    by_name: dict[tuple[str, str], str] = {}
    by_name_any: dict[str, list[str]] = {}
    for code, name, tgt in zip(table["code"], table["name"], target, strict=True):
        key = plain(name).replace("SAINT ", "ST ").replace("SAINTE ", "STE ")
        dep = departement_of(code)
        if (dep, key) not in by_name or not succ[code]:
            by_name[(dep, key)] = tgt
        by_name_any.setdefault(key, [])
        if tgt not in by_name_any[key]:
            by_name_any[key].append(tgt)
    index = {c: i for i, c in enumerate(table["code"])}
    lat = table["lat"].to_numpy(dtype=float).copy()
    lon = table["lon"].to_numpy(dtype=float).copy()
    for i, succ_code in enumerate(table["successor"]):
        if succ_code and succ_code in index:
            lat[i], lon[i] = lat[index[succ_code]], lon[index[succ_code]]
    return Communes(table=current.reset_index(drop=True), index=index, by_name=by_name, by_name_any=by_name_any,
                    lat=lat, lon=lon, successor={c: s for c, s in succ.items() if s})


@cache
def merged_communes() -> pd.DataFrame:
    """Former communes merged into another one (code, name, successor)."""
    table = pd.read_csv(COMMUNES_FILE, dtype=str, keep_default_na=False)
    return table[table["successor"] != ""][["code", "name", "successor"]].reset_index(drop=True)


@cache
def naf() -> pd.DataFrame:
    """NAF rév. 2 subclasses (code without dot, label, group/division/section labels)."""
    return pd.read_csv(NAF_FILE, dtype=str, keep_default_na=False)


def naf_label(code: str) -> str:
    """French label of a NAF code (the code itself when unknown)."""
    labels = _naf_labels()
    return labels.get(str(code).replace(".", ""), str(code))


@cache
def _naf_labels() -> dict[str, str]:
    table = naf()
    return dict(zip(table["code"], table["label"], strict=True))


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) between points given in degrees; NaN propagates."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1))))
