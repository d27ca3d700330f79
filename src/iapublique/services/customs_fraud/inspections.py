"""Inspection results reported by targeting officers: the checked outcome, and the training rows it becomes.

An outcome is stored through :func:`iapublique.core.feedback.add` as a « correct » verdict whose value is
``{"fraud": 0/1, "critical_fraud": 0/1/2, "fraud_type": …, "duty_recovered": …}`` with the declaration
as it was scored in ``record``; :func:`training_rows` turns the feedback export back into labelled
declarations (Record fields + truth columns), which the next ``iapublique train`` adds to its data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from iapublique.services.customs_fraud.schema import FRAUD_TYPE_LABELS, Record
from iapublique.services.customs_fraud.selection import parse_number
from iapublique.services.customs_fraud.synthetic import TRUTH_COLUMNS

NUMERIC_FIELDS = ("tax_rate", "net_mass", "item_price")
YES = {"1", "1.0", "true", "oui"}
NO = {"0", "0.0", "false", "non"}


def inspection_value(fraude: str, type_fraude: str, critique: str, droits: str) -> dict[str, Any]:
    """The outcome typed by the officer, checked: fraud 0/1, critical class, fraud type, duty recovered (€)."""
    if fraude not in ("oui", "non"):
        raise ValueError("Indiquez si le contrôle a révélé une fraude (oui ou non).")
    if type_fraude and type_fraude not in FRAUD_TYPE_LABELS and type_fraude != "autre":
        raise ValueError("Type de fraude inconnu : choisissez valeur, classement, origine ou autre.")
    try:
        duty = parse_number(droits) if droits.strip() else 0.0
    except ValueError:
        raise ValueError("Droits redressés invalides : indiquez un montant en euros, par exemple 1 250,50.") from None
    if duty < 0:
        raise ValueError("Droits redressés invalides : le montant ne peut pas être négatif.")
    fraud = fraude == "oui"
    critical = critique in ("oui", "on", "1", "true")
    if not fraud and (type_fraude or duty > 0 or critical):
        raise ValueError(
            "Contrôle sans fraude : laissez le type de fraude vide, la case « fraude critique » décochée "
            "et les droits redressés à 0."
        )
    return {
        "fraud": int(fraud),
        "critical_fraud": 2 if critical else int(fraud),
        "fraud_type": type_fraude if type_fraude in FRAUD_TYPE_LABELS else None,
        "duty_recovered": round(duty, 2),
    }


def _flag(value: Any) -> int | None:
    """0/1 from a stored fraud value (number, boolean or « oui »/« non »), None when unreadable."""
    text = str(value).strip().lower()
    return 1 if text in YES else 0 if text in NO else None


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column of the export, or an empty one when no feedback carried that key."""
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def training_rows(feedback: pd.DataFrame) -> pd.DataFrame:
    """Record + truth rows (fraud, critical_fraud, fraud_type, duty_at_stake) from the feedback export.

    Only « correct » verdicts carrying ``fraud`` (an inspection's outcome) count; when a declaration was
    reported several times the latest report wins; rows whose stored record lacks a required field or
    holds an unreadable number or date are left out rather than guessed.
    """
    columns = [*Record.model_fields, *TRUTH_COLUMNS]
    if feedback.empty or "correction_fraud" not in feedback.columns:
        return pd.DataFrame(columns=columns)
    rows = feedback[(feedback["verdict"] == "correct") & feedback["correction_fraud"].notna()]
    if "feedback_id" in rows.columns:
        rows = rows.sort_values("feedback_id", kind="stable")
    rows = rows.drop_duplicates(subset="item_key", keep="last")
    out = pd.DataFrame({name: _column(rows, name) for name in Record.model_fields}, index=rows.index)
    for name in NUMERIC_FIELDS:
        out[name] = pd.to_numeric(out[name], errors="coerce")
    out["date"] = pd.to_datetime(out["date"], errors="coerce", format="mixed")
    fraud = rows["correction_fraud"].map(_flag)
    required = [name for name, info in Record.model_fields.items() if info.is_required()]
    keep = out[required].notna().all(axis=1) & fraud.notna()
    out, rows, fraud = out[keep], rows[keep], fraud[keep].astype(int)
    for name in Record.model_fields:
        if name not in (*NUMERIC_FIELDS, "date"):
            out[name] = out[name].map(lambda v: None if v is None or v != v else str(v)).astype(object)
    positive = fraud.to_numpy() > 0
    critical = pd.to_numeric(_column(rows, "correction_critical_fraud"), errors="coerce").fillna(1).clip(1, 2)
    kind = _column(rows, "correction_fraud_type")
    duty = pd.to_numeric(_column(rows, "correction_duty_recovered"), errors="coerce").fillna(0.0).clip(lower=0.0)
    out["fraud"] = fraud.to_numpy()
    out["critical_fraud"] = np.where(positive, critical.to_numpy(), 0).astype(int)
    known = positive & kind.isin(list(FRAUD_TYPE_LABELS)).to_numpy()
    out["fraud_type"] = [str(k) if ok else None for k, ok in zip(kind.tolist(), known.tolist(), strict=True)]
    out["duty_at_stake"] = np.where(positive, duty.to_numpy(dtype=float), 0.0)
    return out[columns].reset_index(drop=True)
