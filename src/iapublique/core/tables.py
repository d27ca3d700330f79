"""Reading input tables (CSV, Parquet, JSONL) into validated DataFrames, and writing result tables.

A bad row stops the reading with a :class:`TableError` naming the file, the line and the field, in
French; nothing is returned half-read. Writers go through a temporary name and a rename, so a reader
never sees a partial output as if it were complete.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = sorted(CSV_SUFFIXES | PARQUET_SUFFIXES | JSONL_SUFFIXES)


class TableError(ValueError):
    """An input table problem, located by file, line and field, explained in French."""

    def __init__(self, file: str, message: str, line: int | None = None, field: str | None = None) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [f"fichier « {self.file} »"]
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.field is not None:
            where.append(f"champ « {self.field} »")
        return f"{', '.join(where)} : {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the API."""
        return {"fichier": self.file, "ligne": self.line, "champ": self.field, "message": self.message}


def _norm(name: str) -> str:
    return "".join(ch for ch in name.strip().lower() if ch.isalnum())


def _base_type(annotation: Any) -> tuple[Any, bool]:
    """The scalar type behind an annotation and whether ``None`` is allowed."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        annotation = args[0] if len(args) == 1 else str
    return annotation, optional


def column_names(model: type[BaseModel]) -> dict[str, str]:
    """Field name -> the column name shown to people (the alias when there is one)."""
    return {name: (f.alias or name) for name, f in model.model_fields.items()}


class _Reader:
    """Validates raw string/typed columns against a pydantic Record model."""

    def __init__(self, model: type[BaseModel], file: str) -> None:
        self.model = model
        self.file = file
        self.display = column_names(model)

    def map_columns(self, header: list[str]) -> dict[str, int]:
        """Field name -> position in the header; a required field missing is an error on line 1."""
        lookup: dict[str, int] = {}
        for pos, col in enumerate(header):
            lookup.setdefault(_norm(col), pos)
        mapping: dict[str, int] = {}
        missing: list[str] = []
        for name, f in self.model.model_fields.items():
            found = lookup.get(_norm(self.display[name]), lookup.get(_norm(name)))
            if found is not None:
                mapping[name] = found
            elif f.is_required():
                missing.append(self.display[name])
        if missing:
            noms = ", ".join(f"« {m} »" for m in missing)
            raise TableError(
                self.file,
                f"colonne obligatoire absente : {noms}. Ajoutez-la à l'en-tête du fichier.",
                line=1,
                field=missing[0],
            )
        return mapping

    def convert(self, name: str, raw: pd.Series, lines: np.ndarray) -> pd.Series:
        """Convert one column to its field type, raising on the first bad value."""
        f = self.model.model_fields[name]
        kind, optional = _base_type(f.annotation)
        shown = self.display[name]
        if raw.dtype == object or pd.api.types.is_string_dtype(raw):
            as_text = raw.astype("string").str.strip()
            empty = as_text.isna() | (as_text == "")
        else:
            as_text = raw.astype("string")
            empty = raw.isna()
        if empty.any() and f.is_required() and not optional:
            i = int(np.flatnonzero(empty.to_numpy())[0])
            raise TableError(self.file, "valeur obligatoire manquante.", line=int(lines[i]), field=shown)
        if kind in (int, float):
            if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
                values = raw.astype(float)
            else:
                values = pd.to_numeric(as_text.str.replace(",", ".", regex=False), errors="coerce")
            bad = values.isna() & ~empty
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                word = "entier" if kind is int else "nombre"
                raise TableError(
                    self.file,
                    f"valeur « {as_text.iloc[i]} » invalide : un {word} est attendu.",
                    line=int(lines[i]),
                    field=shown,
                )
            if kind is int:
                frac = (values.dropna() % 1) != 0
                if frac.any():
                    i = int(np.flatnonzero((values % 1 != 0).fillna(False).to_numpy())[0])
                    raise TableError(
                        self.file, f"valeur « {as_text.iloc[i]} » invalide : un entier est attendu.",
                        line=int(lines[i]), field=shown,
                    )
                return values.astype("Int64") if empty.any() else values.astype("int64")
            return values.astype("float64")
        if kind in (dt.date, dt.datetime):
            stamps: pd.Series = pd.to_datetime(as_text, errors="coerce", format="mixed", dayfirst=False)
            bad = stamps.isna() & ~empty
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise TableError(
                    self.file,
                    f"date « {as_text.iloc[i]} » invalide : format attendu AAAA-MM-JJ.",
                    line=int(lines[i]),
                    field=shown,
                )
            return stamps.dt.normalize() if kind is dt.date else stamps
        if kind is bool:
            low = as_text.str.lower()
            truthy = low.isin(["1", "true", "vrai", "oui", "o", "yes"])
            falsy = low.isin(["0", "false", "faux", "non", "n", "no"])
            bad = ~(truthy | falsy) & ~empty
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise TableError(
                    self.file, f"valeur « {as_text.iloc[i]} » invalide : oui/non attendu.",
                    line=int(lines[i]), field=shown,
                )
            return truthy.where(~empty, None).astype("boolean")
        if typing.get_origin(kind) is Literal:
            allowed = [str(a) for a in typing.get_args(kind)]
            bad = ~as_text.isin(allowed) & ~empty
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise TableError(
                    self.file,
                    f"valeur « {as_text.iloc[i]} » invalide : valeurs permises {', '.join(allowed)}.",
                    line=int(lines[i]),
                    field=shown,
                )
        return as_text.astype(object).where(~empty, None)

    def frame(self, columns: dict[str, pd.Series], lines: np.ndarray) -> pd.DataFrame:
        out = {}
        for name in self.model.model_fields:
            if name in columns:
                out[name] = self.convert(name, columns[name], lines).reset_index(drop=True)
            else:
                out[name] = pd.Series([None] * len(lines), dtype=object)
        return pd.DataFrame(out)


def _decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise TableError(
            file,
            "encodage invalide : le fichier doit être en UTF-8 (avec ou sans BOM). "
            "Enregistrez-le en « CSV UTF-8 » depuis votre tableur.",
            line=line,
        ) from None


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(text: str, reader: _Reader) -> pd.DataFrame:
    first = text.split("\n", 1)[0]
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(first), strict=True)
    try:
        header = next(rows)
    except StopIteration:
        raise TableError(reader.file, "le fichier est vide.", line=1) from None
    mapping = reader.map_columns(header)
    width = len(header)
    cells: list[list[str]] = []
    lines: list[int] = []
    try:
        for row in rows:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                what = "incomplète (ligne tronquée ?)" if len(row) < width else "trop longue"
                raise TableError(
                    reader.file,
                    f"ligne {what} : {len(row)} champs au lieu de {width}.",
                    line=rows.line_num,
                    field=header[min(len(row), width) - 1] if len(row) < width else None,
                )
            cells.append(row)
            lines.append(rows.line_num)
    except csv.Error as err:
        raise TableError(reader.file, f"structure CSV invalide ({err}).", line=rows.line_num) from None
    line_arr = np.asarray(lines, dtype=np.int64)
    columns = {}
    for name, pos in mapping.items():
        columns[name] = pd.Series([r[pos] for r in cells], dtype=object)
    return reader.frame(columns, line_arr)


def _read_parquet(path: Path, reader: _Reader) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise TableError(reader.file, f"fichier Parquet illisible ({err}).") from None
    mapping = reader.map_columns(table.column_names)
    names = table.column_names
    columns = {name: table.column(names[pos]).to_pandas() for name, pos in mapping.items()}
    lines = np.arange(1, table.num_rows + 1)
    return reader.frame(columns, lines)


def _read_jsonl(text: str, reader: _Reader) -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise TableError(reader.file, f"JSON invalide ({err.msg}).", line=n) from None
        if not isinstance(obj, dict):
            raise TableError(reader.file, "chaque ligne doit être un objet JSON.", line=n)
        records.append(obj)
        lines.append(n)
    header = list(dict.fromkeys(k for r in records for k in r))
    mapping = reader.map_columns(header)
    columns = {}
    for name, pos in mapping.items():
        key = header[pos]
        columns[name] = pd.Series([r.get(key) for r in records], dtype=object)
    return reader.frame(columns, np.asarray(lines, dtype=np.int64))


def read_table(path: str | Path, model: type[BaseModel], *, name: str | None = None) -> pd.DataFrame:
    """Read a CSV (``,`` ``;`` or tab, UTF-8 or UTF-8-BOM), Parquet or JSONL file into validated columns.

    Columns are matched to the model's fields by alias or name (case, spaces and punctuation ignored);
    extra columns are ignored. ``name`` is the file name shown in errors (e.g. an upload's name).
    """
    path = Path(path)
    shown = name or path.name
    suffix = Path(shown).suffix.lower() if name else path.suffix.lower()
    if suffix not in SUPPORTED:
        raise TableError(
            shown, f"type de fichier non pris en charge (« {suffix or 'sans extension'} ») ; "
            f"formats acceptés : {', '.join(SUPPORTED)}."
        )
    if not path.exists():
        raise TableError(shown, "fichier introuvable.")
    reader = _Reader(model, shown)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, reader)
    text = _decode(path.read_bytes(), shown)
    if suffix in JSONL_SUFFIXES:
        return _read_jsonl(text, reader)
    return _read_csv(text, reader)


def read_extra_columns(path: str | Path, columns: Iterable[str], *, name: str | None = None) -> pd.DataFrame:
    """The named columns of a file (matched like Record fields), typed by the file, e.g. ground-truth labels.

    Only call after :func:`read_table` accepted the file: the rows then line up with its result.
    """
    path = Path(path)
    shown = name or path.name
    wanted = {_norm(c): c for c in columns}
    suffix = Path(shown).suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        present = [c for c in pq.ParquetFile(path).schema_arrow.names if _norm(c) in wanted]
        raw = pd.read_parquet(path, columns=present)
    elif suffix in JSONL_SUFFIXES:
        raw = pd.read_json(path, lines=True, dtype=False)
    else:
        first = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
        raw = pd.read_csv(
            path, sep=_sniff_delimiter(first), encoding="utf-8-sig", skip_blank_lines=True,
            usecols=lambda c: _norm(str(c)) in wanted,
        )
    kept = raw[[c for c in raw.columns if _norm(str(c)) in wanted]]
    return kept.rename(columns=lambda c: wanted[_norm(str(c))]).reset_index(drop=True)


def read_frame(df: pd.DataFrame, model: type[BaseModel], *, name: str = "données") -> pd.DataFrame:
    """Validate an in-memory DataFrame (API batches, Python API) the same way as a file."""
    reader = _Reader(model, name)
    mapping = reader.map_columns([str(c) for c in df.columns])
    cols = list(df.columns)
    columns = {f: df[cols[pos]].reset_index(drop=True) for f, pos in mapping.items()}
    return reader.frame(columns, np.arange(1, len(df) + 1))


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write results atomically: CSV (``;``, UTF-8 BOM, for spreadsheets), Parquet or JSONL by suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        if len(df) > PARQUET_SLICE_ROWS:
            _write_parquet_slices(df, tmp)
        else:
            df.to_parquet(tmp, index=False)
    elif suffix in JSONL_SUFFIXES:
        df.to_json(tmp, orient="records", lines=True, force_ascii=False, date_format="iso", double_precision=15)
    elif suffix in CSV_SUFFIXES:
        df.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")
    else:
        raise TableError(path.name, f"format de sortie non pris en charge ; formats acceptés : {', '.join(SUPPORTED)}.")
    os.replace(tmp, path)
    return path


PARQUET_SLICE_ROWS = 250_000
"""Above this many rows, Parquet is written slice by slice so only one slice is in Arrow form at a time."""


def _write_parquet_slices(df: pd.DataFrame, path: Path) -> None:
    """Write a large table as Parquet in row groups of ``PARQUET_SLICE_ROWS`` under one schema for the whole table.

    Typed columns take their Arrow type from pandas; object columns (text, JSON strings) from a scan of their
    non-null values, so a slice whose cells are all empty still gets the column's real type.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.Schema.from_pandas(df.iloc[:0], preserve_index=False)
    for i, name in enumerate(schema.names):
        column = df[name]
        if column.dtype == object:
            values = column[column.notna()]
            kind = pa.infer_type(values.to_numpy(), from_pandas=True) if len(values) else pa.null()
            schema = schema.set(i, pa.field(name, kind))
    with pq.ParquetWriter(path, schema) as writer:
        for part in iter_chunks(df, PARQUET_SLICE_ROWS):
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))


def iter_chunks(df: pd.DataFrame, size: int) -> Iterable[pd.DataFrame]:
    """Consecutive row slices of at most ``size`` rows."""
    for start in range(0, len(df), size):
        yield df.iloc[start : start + size]
