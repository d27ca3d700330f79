"""The Python API that the CLI, the REST API, the web pages and data scientists use to score records.

>>> from iapublique.core import registry, runner
>>> service = registry.get("customs_fraud")
>>> results = runner.score(service, records)          # a DataFrame, one row per record
>>> runner.score_file(service, "entree.csv", "resultats.parquet")

Inputs are validated like uploaded files (types, then the service's own checks), so a bad value gives
the same French error naming line and field everywhere; every result row carries the model version.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from iapublique.core import models_registry
from iapublique.core.artifacts import read_manifest
from iapublique.core.engine import _plain_strings, get_engine, with_version
from iapublique.core.service import ProgressFn, Service, no_progress
from iapublique.core.tables import CSV_SUFFIXES, TableError, column_names, read_frame


def first_data_line(file_name: str) -> int:
    """Line number of the first record in a file of this name (CSV files start after their header)."""
    return 2 if Path(file_name).suffix.lower() in CSV_SUFFIXES else 1


def validate_records(service: Service, records: pd.DataFrame, *, name: str = "données", first_line: int = 1) -> None:
    """Run the service's semantic checks; the first problem is raised as a TableError naming line and field."""
    errors = service.validate(records)
    if not errors:
        return
    first = min(errors, key=lambda e: e.line)
    shown = column_names(service.Record).get(first.field, first.field)
    more = f" ({len(errors) - 1} autre(s) problème(s) dans le fichier)" if len(errors) > 1 else ""
    raise TableError(name, first.message + more, line=first.line + first_line, field=shown)


def score(
    service: Service,
    records: pd.DataFrame,
    *,
    model_name: str = "default",
    engine: str | None = None,
    progress: ProgressFn = no_progress,
) -> pd.DataFrame:
    """Validate and score records; returns the item key, the Result columns and ``model_version`` per row."""
    return score_prepared(service, prepare(service, records), model_name=model_name, engine=engine, progress=progress)


def prepare(service: Service, records: pd.DataFrame, *, name: str = "données") -> pd.DataFrame:
    """Records validated as a file would be (types, then the service's checks); TableError names line and field."""
    frame = read_frame(_plain_strings(records), service.Record, name=name)
    validate_records(service, frame, name=name)
    return frame


def score_prepared(
    service: Service,
    frame: pd.DataFrame,
    *,
    model_name: str = "default",
    engine: str | None = None,
    progress: ProgressFn = no_progress,
) -> pd.DataFrame:
    """Score records already returned by :func:`prepare` (callers that need the validated frame avoid a second pass)."""
    path = models_registry.require_model(service, model_name)
    version = read_manifest(path.parent).version
    out = get_engine(engine).run(service, path, frame, progress)
    return with_version(service, frame, out, version)


def score_file(
    service: Service,
    input_path: str | Path,
    output_path: str | Path,
    *,
    model_name: str = "default",
    engine: str | None = None,
    progress: ProgressFn = no_progress,
    input_name: str | None = None,
) -> tuple[int, str]:
    """Score a CSV/Parquet/JSONL file into an output file written atomically; returns (rows, model version).

    ``input_name`` is the name shown in errors (an upload's original name). Nothing is written on error.
    """
    path = models_registry.require_model(service, model_name)
    version = read_manifest(path.parent).version
    n = get_engine(engine).run_file(service, path, Path(input_path), Path(output_path), progress, input_name=input_name)
    return n, version
