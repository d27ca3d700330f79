"""The reference register: read in SIRENE's layout, stored in DuckDB, indexed once and persisted.

A register is identified by the hash of its content (file bytes, or the generator's parameters for the
synthetic one). Its folder under the data directory holds ``register.duckdb`` (the establishments as read,
for display and manual search), ``index.npz`` (character-trigram TF-IDF of every name an establishment is
known by, rows grouped by département, plus numeric arrays; saved without pickle) and ``texts.parquet``
(the name and address keys compared by the re-ranker). Processes load it once and keep it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from iapublique.services.employer_matching.reference import communes, departement_of, name_key, plain
from iapublique.services.employer_matching.synthetic import BAND_CODES, REGISTER_COLUMNS, generate_register

GENERATOR_VERSION = "2"
N_FEATURES = 1 << 20
INDEX_VERSION = "3"
NAME_COLUMNS = ("denominationUniteLegale", "nomUniteLegale", "denominationUsuelleEtablissement",
                "enseigne1Etablissement")
REQUIRED = ("siret", "codeCommuneEtablissement", "activitePrincipaleEtablissement")


class RegisterError(ValueError):
    """A register file that cannot be read, explained in French."""


def vectorizer() -> HashingVectorizer:
    """The character-trigram hashing of names shared by the register index and the queries."""
    return HashingVectorizer(analyzer="char_wb", ngram_range=(3, 3), n_features=N_FEATURES, alternate_sign=False,
                             norm=None, lowercase=False, dtype=np.float32)


def synthetic_spec(n: int, seed: int) -> dict[str, Any]:
    """Description of a generated register (its hash is that of this description)."""
    return {"kind": "synthetic", "n": int(n), "seed": int(seed), "version": GENERATOR_VERSION}


def file_spec(path: str | Path) -> dict[str, Any]:
    """Description of a register read from a SIRENE file (its hash is that of the file's bytes)."""
    return {"kind": "file", "path": str(Path(path).resolve())}


def spec_hash(spec: dict[str, Any]) -> str:
    """Content hash of a register: file bytes for a file, parameters for a generated one."""
    h = hashlib.sha256()
    if spec["kind"] == "file":
        h.update(b"file:")
        with open(spec["path"], "rb") as fh:
            for blockb in iter(lambda: fh.read(1 << 20), b""):
                h.update(blockb)
    else:
        h.update(json.dumps(spec, sort_keys=True).encode())
    h.update(INDEX_VERSION.encode())
    return h.hexdigest()


def read_sirene(path: str | Path) -> pd.DataFrame:
    """A SIRENE extract (CSV with ``,`` or ``;``, or Parquet) with the service's columns, all as text."""
    path = Path(path)
    if not path.exists():
        raise RegisterError(f"répertoire d'établissements introuvable : {path}.")
    con = duckdb.connect()
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            rel = con.sql(f"SELECT * FROM read_parquet('{_quote(path)}')")
        else:
            rel = con.sql(f"SELECT * FROM read_csv('{_quote(path)}', all_varchar=true, header=true)")
        frame = rel.df()
    except duckdb.Error as exc:
        raise RegisterError(f"lecture impossible du répertoire {path.name} : {exc}") from exc
    finally:
        con.close()
    return conform_sirene(frame, path.name)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def conform_sirene(frame: pd.DataFrame, name: str = "répertoire") -> pd.DataFrame:
    """The SIRENE columns the service uses, as text; French error naming the missing column."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise RegisterError(f"{name} : colonne obligatoire absente du répertoire : {', '.join(missing)} "
                            "(format StockEtablissement de SIRENE attendu).")
    if not any(c in frame.columns for c in ("denominationUniteLegale", "nomUniteLegale", "enseigne1Etablissement")):
        raise RegisterError(f"{name} : aucune colonne de nom (denominationUniteLegale, nomUniteLegale, "
                            "enseigne1Etablissement) : joignez les noms de StockUniteLegale.")
    out = pd.DataFrame(index=frame.index)
    for col in REGISTER_COLUMNS:
        if col in frame.columns:
            out[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
        else:
            out[col] = ""
    raw = out["siret"].str.replace(" ", "", regex=False)
    # a SIRET read as a number loses its leading zeros: pad only those nearly complete
    out["siret"] = raw.where(~raw.str.fullmatch(r"\d{12,13}"), raw.str.zfill(14))
    out["siren"] = np.where(out["siren"] == "", out["siret"].str[:9], out["siren"])
    out["nic"] = np.where(out["nic"] == "", out["siret"].str[9:], out["nic"])
    out["codeCommuneEtablissement"] = out["codeCommuneEtablissement"].str.zfill(5)
    out["etatAdministratifEtablissement"] = out["etatAdministratifEtablissement"].replace("", "A")
    out["etablissementSiege"] = out["etablissementSiege"].str.lower().isin(["true", "1", "oui", "o"]).map(
        {True: "true", False: "false"})
    bad = ~out["siret"].str.fullmatch(r"\d{14}")
    if bad.any():
        line = int(np.argmax(bad.to_numpy())) + 2
        raise RegisterError(f"{name}, ligne {line} : SIRET « {out['siret'][bad].iloc[0]} » invalide "
                            "(14 chiffres attendus).")
    return out.reset_index(drop=True)


@dataclass
class RegisterIndex:
    """A loaded register: establishment arrays, name index by département, and the DuckDB store."""

    folder: Path
    n: int
    siret: np.ndarray
    siren_code: np.ndarray
    commune: np.ndarray
    dep: np.ndarray
    naf: np.ndarray
    band: np.ndarray
    head: np.ndarray
    open: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    siren_size: np.ndarray
    aliases: sp.csr_matrix
    alias_est: np.ndarray
    dep_codes: np.ndarray
    dep_start: np.ndarray
    dep_end: np.ndarray
    idf: np.ndarray
    texts: pa.Table
    siret_sorted: np.ndarray
    sorted_rows: np.ndarray
    alias_texts: pa.Table
    blocks: dict[str, sp.csr_matrix]
    shown: pa.Table

    def block(self, dep: str) -> tuple[int, int]:
        """Alias rows of a département (empty range when unknown; ``*``: the whole register)."""
        if dep == "*":
            return 0, int(self.aliases.shape[0])
        pos = np.searchsorted(self.dep_codes, dep)
        if pos < len(self.dep_codes) and self.dep_codes[pos] == dep:
            return int(self.dep_start[pos]), int(self.dep_end[pos])
        return 0, 0

    def block_matrix(self, dep: str) -> tuple[int, sp.csr_matrix]:
        """First alias row and TF-IDF rows of a département's aliases (sliced once, then kept)."""
        start, end = self.block(dep)
        if dep == "*":
            return 0, self.aliases
        if dep not in self.blocks:
            self.blocks[dep] = self.aliases[start:end]
        return start, self.blocks[dep]

    def alias_keys(self, rows: np.ndarray) -> list[str]:
        """Name keys of alias rows."""
        return [str(v) for v in self.alias_texts.column("key").take(pa.array(rows, type=pa.int64())).to_pylist()]

    def query_vectors(self, keys: list[str]) -> sp.csr_matrix:
        """TF-IDF vectors (L2-normalised) of name keys, comparable with the alias rows."""
        return _weigh(vectorizer().transform(keys), self.idf)

    def text(self, column: str, rows: np.ndarray) -> list[str]:
        """Values of a text column for establishment rows."""
        return [str(v) for v in self.texts.column(column).take(pa.array(rows, type=pa.int64())).to_pylist()]

    def rows_of_sirets(self, sirets: list[str]) -> np.ndarray:
        """Row of each SIRET in the register (-1 when absent)."""
        wanted = np.asarray(sirets, dtype="U14")
        if self.n == 0 or len(wanted) == 0:
            return np.full(len(wanted), -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.siret_sorted, wanted), 0, self.n - 1)
        found = self.siret_sorted[pos] == wanted
        return np.where(found, self.sorted_rows[pos], -1)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the register's DuckDB store."""
        return duckdb.connect(str(self.folder / "register.duckdb"), read_only=True)

    def display(self, rows: np.ndarray) -> pd.DataFrame:
        """The SIRENE fields of establishment rows, in the given order (for results and pages)."""
        found = self.display_records(rows)
        return pd.DataFrame(found) if found else pd.DataFrame(columns=["row_id", *REGISTER_COLUMNS])

    def display_records(self, rows: np.ndarray) -> list[dict[str, Any]]:
        """The SIRENE fields of establishment rows as dicts, in the given order.

        Read from the memory-mapped Arrow copy of the DuckDB table, record batch by record batch (a take
        over the whole table would copy it): microseconds per row, so one bulletin stays well under 100 ms.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return []
        batches = self.shown.to_batches()
        starts = np.cumsum([0] + [b.num_rows for b in batches])
        which = np.searchsorted(starts, rows, side="right") - 1
        out: list[dict[str, Any]] = [{} for _ in range(len(rows))]
        for b in np.unique(which):
            pos = np.nonzero(which == b)[0]
            taken = batches[b].take(pa.array(rows[pos] - starts[b])).to_pylist()
            for p, rec in zip(pos, taken, strict=True):
                out[p] = rec
        return out


def _weigh(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF times IDF, rows normalised to unit length."""
    m = counts.tocsr().astype(np.float32)
    m.data = (1.0 + np.log(m.data)) * idf[m.indices]
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ m)
    m.sort_indices()
    return m


def _legal_name(frame: pd.DataFrame) -> pd.Series:
    """The legal unit's name: its denomination, else « NOM PRÉNOM » of an individual entrepreneur."""
    person = (frame["nomUniteLegale"] + " " + frame["prenom1UniteLegale"]).str.strip()
    return frame["denominationUniteLegale"].where(frame["denominationUniteLegale"] != "", person)


def build(frame: pd.DataFrame, folder: Path, progress: Any = None) -> None:
    """Write the DuckDB store and the persisted index of a register (SIRENE columns) into ``folder``."""
    tmp = folder.with_name(folder.name + f".partial-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    frame = frame[list(REGISTER_COLUMNS)].copy()
    frame["_dep"] = frame["codeCommuneEtablissement"].map(departement_of)
    frame = frame.sort_values(["_dep", "codeCommuneEtablissement", "siret"], kind="stable").reset_index(drop=True)
    n = len(frame)
    dep = frame.pop("_dep").to_numpy(dtype=str)
    frame.insert(0, "row_id", np.arange(n, dtype=np.int64))

    feather.write_feather(pa.Table.from_pandas(frame, preserve_index=False), str(tmp / "display.arrow"),
                          compression="uncompressed")
    con = duckdb.connect(str(tmp / "register.duckdb"))
    con.register("src", frame)
    con.execute("CREATE TABLE etablissements AS SELECT * FROM src")
    con.execute("CREATE INDEX etab_siret ON etablissements (siret)")
    con.execute("CREATE INDEX etab_siren ON etablissements (siren)")
    con.close()

    legal = _legal_name(frame)
    sources = [legal, frame["denominationUsuelleEtablissement"], frame["enseigne1Etablissement"],
               frame["enseigne2Etablissement"], frame["enseigne3Etablissement"], frame["sigleUniteLegale"]]
    keys = [s.map(name_key) for s in sources]
    alias_rows: list[np.ndarray] = []
    alias_keys: list[np.ndarray] = []
    seen = pd.Series([""] * n)
    for k in keys:
        values = k.to_numpy(dtype=object)
        fresh = (values != "") & (values != seen.to_numpy(dtype=object))
        alias_rows.append(np.nonzero(fresh)[0])
        alias_keys.append(values[fresh])
        seen = seen.where(~fresh, k)
    est = np.concatenate(alias_rows)
    akeys = np.concatenate(alias_keys)
    order = np.argsort(est, kind="stable")  # aliases follow establishments, hence départements
    est, akeys = est[order], akeys[order]
    counts = vectorizer().transform(akeys.tolist()).tocsr()
    df = np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float32)
    idf = (np.log((1.0 + len(akeys)) / (1.0 + df)) + 1.0).astype(np.float32)
    aliases = _weigh(counts, idf)

    alias_dep = dep[est]
    dep_codes, dep_start = np.unique(alias_dep, return_index=True)
    dep_end = np.r_[dep_start[1:], len(alias_dep)]
    com = communes()
    code = frame["codeCommuneEtablissement"].to_numpy(dtype=str)
    lat, lon = com.coords(code)
    band_pos = {b: i for i, b in enumerate(BAND_CODES)}
    band = frame["trancheEffectifsEtablissement"].map(lambda b: band_pos.get(b, 0)).to_numpy(dtype=np.int8)
    siren = frame["siren"].to_numpy(dtype=str)
    _, siren_inv, siren_counts = np.unique(siren, return_inverse=True, return_counts=True)
    siret = frame["siret"].to_numpy(dtype="U14")
    sorted_rows = np.argsort(siret, kind="stable")
    np.savez(
        tmp / "index.npz",
        siret=siret, siren_code=siren_inv.astype(np.int64), commune=code.astype("U5"), dep=dep.astype("U3"),
        naf=frame["activitePrincipaleEtablissement"].str.replace(".", "", regex=False).to_numpy(dtype="U5"),
        band=band, head=(frame["etablissementSiege"] == "true").to_numpy(),
        open=(frame["etatAdministratifEtablissement"] == "A").to_numpy(),
        lat=lat.astype(np.float32), lon=lon.astype(np.float32),
        siren_size=siren_counts[siren_inv].astype(np.int32),
        a_data=aliases.data, a_indices=aliases.indices, a_indptr=aliases.indptr.astype(np.int64),
        alias_est=est.astype(np.int32), dep_codes=dep_codes.astype("U3"), dep_start=dep_start.astype(np.int64),
        dep_end=dep_end.astype(np.int64), idf=idf, sorted_rows=sorted_rows.astype(np.int64),
    )
    texts = pa.table({
        "legal": keys[0].to_numpy(dtype=object).astype(str).tolist(),
        "usual": keys[1].tolist(), "ens": keys[2].tolist(), "sigle": keys[5].tolist(),
        "street": frame["libelleVoieEtablissement"].map(plain).tolist(),
        "number": frame["numeroVoieEtablissement"].map(plain).tolist(),
        "stype": frame["typeVoieEtablissement"].map(plain).tolist(),
        "commune_name": frame["libelleCommuneEtablissement"].map(plain).tolist(),
    })
    pq.write_table(texts, tmp / "texts.parquet")
    pq.write_table(pa.table({"key": akeys.astype(str).tolist()}), tmp / "aliases.parquet")
    (tmp / "ready.json").write_text(json.dumps({"rows": n, "aliases": len(akeys)}), encoding="utf-8")
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


_LOADED: dict[str, RegisterIndex] = {}
_LOCK = threading.Lock()


def load(folder: Path) -> RegisterIndex:
    """The register stored in ``folder``, loaded once per process."""
    key = str(folder.resolve())
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        z = np.load(folder / "index.npz", allow_pickle=False)
        aliases = sp.csr_matrix((z["a_data"], z["a_indices"], z["a_indptr"]),
                                shape=(len(z["alias_est"]), N_FEATURES))
        index = RegisterIndex(
            folder=folder.resolve(), n=len(z["siret"]), siret=z["siret"],
            siren_code=z["siren_code"], commune=_current_codes(z["commune"]), dep=z["dep"], naf=z["naf"],
            band=z["band"],
            head=z["head"], open=z["open"], lat=z["lat"].astype(float), lon=z["lon"].astype(float),
            siren_size=z["siren_size"], aliases=aliases, alias_est=z["alias_est"], dep_codes=z["dep_codes"],
            dep_start=z["dep_start"], dep_end=z["dep_end"], idf=z["idf"],
            texts=pq.read_table(folder / "texts.parquet").combine_chunks(),
            siret_sorted=z["siret"][z["sorted_rows"]], sorted_rows=z["sorted_rows"],
            alias_texts=pq.read_table(folder / "aliases.parquet").combine_chunks(), blocks={},
            shown=pa.ipc.open_file(pa.memory_map(str(folder / "display.arrow"))).read_all(),
        )
        _LOADED[key] = index
        if len(_LOADED) > 3:
            _LOADED.pop(next(iter(_LOADED)))
        return index


def _current_codes(codes: np.ndarray) -> np.ndarray:
    """Commune codes of establishments mapped to current communes (SIRENE gives Paris, Lyon and Marseille
    arrondissements; bulletins name the city)."""
    com = communes()
    uniq, inverse = np.unique(codes, return_inverse=True)
    return np.array([com.current(c) for c in uniq], dtype="U5")[inverse]


def registers_root(data_dir: Path) -> Path:
    """Where registers are stored under the data directory."""
    return data_dir / "employer_matching" / "registres"


def ensure(spec: dict[str, Any], data_dir: Path, frame: pd.DataFrame | None = None) -> tuple[str, Path]:
    """Hash and folder of a register, building its store and index when absent."""
    digest = spec_hash(spec)
    folder = (registers_root(data_dir) / digest[:16]).resolve()
    if (folder / "ready.json").exists():
        return digest, folder
    if frame is None:
        frame = read_sirene(spec["path"]) if spec["kind"] == "file" else generate_register(spec["n"], spec["seed"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    build(frame, folder)
    return digest, folder
