"""Agents' feedback on results (confirm, correct with a value, comment), stored and exported for retraining."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from iapublique.core import audit
from iapublique.core.store.models import Feedback, User

VERDICTS = ("confirm", "correct", "comment")


def _plain(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict from a dict, a pandas row or a pydantic model."""
    if obj is None:
        return {}
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    elif isinstance(obj, pd.Series):
        obj = obj.to_dict()
    if not isinstance(obj, Mapping):
        raise ValueError("L'enregistrement et le résultat doivent être des objets (clé → valeur).")
    return dict(json.loads(json.dumps(dict(obj), default=str, ensure_ascii=False)))


def add(
    s: Session,
    *,
    service_id: str,
    user: User | None,
    item_key: str,
    verdict: str,
    value: Any = None,
    comment: str = "",
    record: Any = None,
    result: Any = None,
    model_version: str = "",
    score: float | None = None,
    job_id: int | None = None,
    source: str = "",
) -> Feedback:
    """Store one verdict on one result, and its audit entry; ``correct`` needs a value, ``comment`` a comment.

    ``source`` says where the verdict was given (``api``, ``web``, ``web:alertes``…), for the audit log.
    """
    if verdict not in VERDICTS:
        raise ValueError(f"Avis « {verdict} » inconnu : valeurs permises {', '.join(VERDICTS)}.")
    if verdict == "correct" and (value is None or value == "" or value == {}):
        raise ValueError("Une correction doit indiquer la valeur juste.")
    if verdict == "comment" and not comment.strip():
        raise ValueError("Un commentaire ne peut pas être vide.")
    if not str(item_key).strip():
        raise ValueError("L'avis doit désigner l'élément concerné (identifiant manquant).")
    stored_value: dict[str, Any] = {}
    if value is not None:
        stored_value = _plain(value) if isinstance(value, Mapping | BaseModel) else _plain({"value": value})
    row = Feedback(
        service_id=service_id,
        user_id=user.id if user is not None else None,
        job_id=job_id,
        item_key=str(item_key),
        model_version=model_version,
        verdict=verdict,
        value=stored_value,
        comment=comment.strip(),
        record=_plain(record),
        result=_plain(result),
        score=None if score is None else float(score),
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        "feedback",
        user=user,
        service_id=service_id,
        model_version=model_version,
        details={
            "item_key": row.item_key,
            "verdict": verdict,
            "value": stored_value,
            "feedback_id": row.id,
            "source": source,
        },
    )
    return row


def list_feedback(s: Session, service_id: str, *, item_key: str | None = None) -> list[Feedback]:
    """Feedback of a service (optionally on one item), oldest first."""
    query = select(Feedback).where(Feedback.service_id == service_id).order_by(Feedback.id)
    if item_key is not None:
        query = query.where(Feedback.item_key == str(item_key))
    return list(s.scalars(query))


EXPORT_META = (
    "feedback_id",
    "feedback_date",
    "feedback_user_id",
    "item_key",
    "verdict",
    "comment",
    "model_version",
    "score",
    "job_id",
)


def export(s: Session, service_id: str) -> pd.DataFrame:
    """One row per feedback: its metadata, the corrected value(s) as ``correction[_key]``, record fields flattened.

    Record fields keep their own names, so the frame can be fed back to the service's ``fit`` once the
    corrections are mapped onto its truth columns.
    """
    rows: list[dict[str, Any]] = []
    for fb in list_feedback(s, service_id):
        row: dict[str, Any] = {
            "feedback_id": fb.id,
            "feedback_date": fb.created_at,
            "feedback_user_id": fb.user_id,
            "item_key": fb.item_key,
            "verdict": fb.verdict,
            "comment": fb.comment,
            "model_version": fb.model_version,
            "score": fb.score,
            "job_id": fb.job_id,
        }
        for key, val in (fb.value or {}).items():
            row["correction" if key == "value" else f"correction_{key}"] = val
        for key, val in (fb.record or {}).items():
            if key not in row:
                row[key] = val
        rows.append(row)
    if not rows:
        return pd.DataFrame(columns=list(EXPORT_META))
    return pd.DataFrame(rows)
