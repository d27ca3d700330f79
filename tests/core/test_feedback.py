"""Feedback: verdicts stored per result and exported for retraining."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from iapublique.core import accounts, audit, feedback


def test_feedback_is_stored_and_exported_with_record_fields(db: Session) -> None:
    """Confirm, correct and comment are kept; the export flattens record fields and corrections."""
    agent = accounts.create_user(db, "agent@essai.fr", "0123456789")
    record = {"ident": "T-1", "x1": 0.5, "x2": -1.0}
    feedback.add(
        db,
        service_id="toy",
        user=agent,
        item_key="T-1",
        verdict="confirm",
        record=record,
        result={"score": 0.9, "label": 1},
        model_version="toy-1.0:default@abc",
        score=0.9,
    )
    feedback.add(
        db,
        service_id="toy",
        user=agent,
        item_key="T-2",
        verdict="correct",
        value=0,
        record={"ident": "T-2", "x1": 2.0, "x2": 3.0},
        score=0.7,
    )
    feedback.add(
        db,
        service_id="toy",
        user=None,
        item_key="T-3",
        verdict="comment",
        comment="  à revoir  ",
        record=pd.Series({"ident": "T-3", "x1": 1.0, "x2": 1.0}),
    )
    feedback.add(db, service_id="autre", user=agent, item_key="Z", verdict="confirm")

    out = feedback.export(db, "toy")
    assert list(out["item_key"]) == ["T-1", "T-2", "T-3"]
    assert list(out["verdict"]) == ["confirm", "correct", "comment"]
    assert list(out["x1"]) == [0.5, 2.0, 1.0]
    assert out.loc[1, "correction"] == 0
    assert pd.isna(out.loc[0, "correction"])
    assert out.loc[2, "comment"] == "à revoir"
    assert out.loc[0, "model_version"] == "toy-1.0:default@abc"
    assert out.loc[0, "feedback_user_id"] == agent.id
    assert len(feedback.list_feedback(db, "toy", item_key="T-2")) == 1


def test_bad_feedback_is_refused(db: Session) -> None:
    """Unknown verdicts, corrections without value and empty comments raise French errors."""
    with pytest.raises(ValueError, match="inconnu"):
        feedback.add(db, service_id="toy", user=None, item_key="a", verdict="like")
    with pytest.raises(ValueError, match="valeur juste"):
        feedback.add(db, service_id="toy", user=None, item_key="a", verdict="correct")
    with pytest.raises(ValueError, match="vide"):
        feedback.add(db, service_id="toy", user=None, item_key="a", verdict="comment", comment=" ")
    assert feedback.export(db, "toy").empty


def test_every_verdict_is_audited_with_its_source(db: Session) -> None:
    """Whoever stores a verdict (API, page), the audit log records who, what, on which item and from where."""
    agent = accounts.create_user(db, "auditee@essai.fr", "0123456789")
    row = feedback.add(
        db, service_id="toy", user=agent, item_key="T-9", verdict="correct", value={"label": 1},
        model_version="toy-1.0:default@abc", source="web:essai",
    )
    entries = [e for e in audit.entries(db, service_id="toy") if e.action == "feedback"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.user_id == agent.id and entry.model_version == "toy-1.0:default@abc"
    assert entry.details == {
        "item_key": "T-9", "verdict": "correct", "value": {"label": 1}, "feedback_id": row.id, "source": "web:essai",
    }
