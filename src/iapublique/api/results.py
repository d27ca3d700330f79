"""Synchronous runs shared by the API and the pages: score a few records, audit the run, shape the results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import HTTPException
from sqlalchemy.orm import Session

from iapublique.api.access import check_submission, visible_result_rows
from iapublique.core import audit, runner
from iapublique.core.artifacts import ArtifactError, data_hash
from iapublique.core.explain import Explanation
from iapublique.core.service import Service
from iapublique.core.store.models import User

BASE_RESULT_FIELDS = ("score", "explanation", "model_version")


@dataclass
class RunRow:
    """One input record with its result, ready for JSON or a table row."""

    item_key: str | None
    record: dict[str, Any]
    result: dict[str, Any]
    explanation: Explanation

    @property
    def score(self) -> float | None:
        """The result's score."""
        value = self.result.get("score")
        return None if value is None else float(value)

    @property
    def model_version(self) -> str:
        """The model version written on this result."""
        return str(self.result.get("model_version") or "")

    def extra_fields(self) -> dict[str, Any]:
        """Result fields specific to the service (everything but score, explanation, model version)."""
        return {k: v for k, v in self.result.items() if k not in BASE_RESULT_FIELDS}


def plain_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready dicts of a frame (NaN → None, numpy scalars → Python, dates → ISO text)."""
    if df.empty:
        return []
    rows: list[dict[str, Any]] = json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))
    return rows


def run_sync(
    s: Session,
    service: Service,
    records: pd.DataFrame,
    *,
    user: User,
    max_rows: int,
    model_name: str = "default",
    source: str = "api",
    own_input: bool = False,
) -> list[RunRow]:
    """Score a small batch in the request (TableError → 422 upstream), audit it, return the rows the user may see.

    The records must be ones the user may submit (``Service.may_submit``), unless ``own_input`` says they are
    the service's own (the demo batch); either way only the rows ``Service.visible_rows`` allows come back.
    """
    if len(records) > max_rows:
        raise HTTPException(
            413,
            f"Trop d'éléments pour un traitement immédiat : {len(records)} au lieu de {max_rows} au plus. "
            "Déposez un fichier pour un traitement par lot.",
        )
    validated = runner.prepare(service, text_as_object(records))
    if not own_input:
        check_submission(service, user, validated)
    try:
        results = runner.score_prepared(service, validated, model_name=model_name)
    except ArtifactError as err:
        raise HTTPException(409, f"Modèle indisponible : {err}") from None
    versions = sorted({str(v) for v in results.get("model_version", pd.Series(dtype=object)).dropna()})
    audit.record(
        s,
        "run",
        user=user,
        service_id=service.info.id,
        input_hash=data_hash(validated),
        model_version=versions[0] if versions else "",
        details={"rows": len(records), "source": source, "model": model_name},
    )
    rows = combine(service, validated, results)
    extra = validated.drop(columns=[c for c in validated.columns if c in results.columns])
    table = pd.concat([results.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    kept = visible_result_rows(service, user, table)
    if kept is table:
        return rows
    return [rows[int(position)] for position in kept.index]


def text_as_object(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as plain object columns, the form the table validator expects."""
    text = [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)]
    if not text:
        return df.reset_index(drop=True)
    out = df.reset_index(drop=True).copy()
    for c in text:
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def combine(service: Service, records: pd.DataFrame, results: pd.DataFrame) -> list[RunRow]:
    """Pair each input record with its result row (same order), parsing the explanation cells."""
    record_rows = plain_rows(records.reset_index(drop=True))
    result_rows = plain_rows(results.reset_index(drop=True))
    out: list[RunRow] = []
    for position, result in enumerate(result_rows):
        record = record_rows[position] if position < len(record_rows) else {}
        explanation = Explanation.from_cell(result.get("explanation") or {"summary": ""})
        result["explanation"] = explanation.model_dump(mode="json")
        key = record.get(service.key_field) if service.key_field else None
        if key is None:
            key = result.get(service.key_field) if service.key_field else None
        out.append(
            RunRow(
                item_key=None if key is None else str(key),
                record=record,
                result=result,
                explanation=explanation,
            )
        )
    return out
