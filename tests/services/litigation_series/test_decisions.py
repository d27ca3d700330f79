"""Agents' decisions persist in their table and are replayed by later runs; a confirmed series never breaks up."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from iapublique.core.store.db import get_engine
from iapublique.services.litigation_series import LitigationSeriesService, decisions, series_state
from iapublique.services.litigation_series.evaluation import calibration_of
from iapublique.services.litigation_series.model import Calibration, SeriesModel


def test_migration_creates_the_decisions_table(db: Session) -> None:
    """Revision 0002 creates exactly the columns of the model."""
    columns = {c["name"] for c in inspect(get_engine()).get_columns("litigation_series_decisions")}
    assert columns == {c.name for c in decisions.SeriesDecision.__table__.columns}
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"


def test_replay_confirm_rename_merge_split_exclude() -> None:
    """Each decision changes the series the way an agent expects, in order."""
    cases = [f"C{i}" for i in range(8)]
    labels = np.asarray([0, 0, 0, 1, 1, 1, -1, -1])
    ids = ["S-C0", "S-C3"]
    d = [
        decisions.Decision(1, None, "a@x.fr", "rename", "S-C0", name="Compteurs de Rezé"),
        decisions.Decision(2, None, "a@x.fr", "merge", "S-C0", target_series_id="S-C3"),
        decisions.Decision(3, None, "a@x.fr", "exclude", "S-C0", case_ids=("C4",)),
        decisions.Decision(4, None, "a@x.fr", "split", "S-C0", target_series_id="S-C0-2", case_ids=("C5",)),
    ]
    state = decisions.replay(cases, ids, labels, d)
    assert state.ids[:6] == ["S-C0", "S-C0", "S-C0", "S-C0", "", "S-C0-2"]
    assert state.names["S-C0"] == "Compteurs de Rezé"
    assert state.ids[6:] == ["", ""]


def test_a_confirmed_series_survives_a_clustering_that_would_break_it(db: Session) -> None:
    """Confirmed with its members, a series keeps them all when a stricter clustering splits or drops them."""
    service = LitigationSeriesService()
    data = service.demo_data(500, seed=21)
    model = service.fit(data)
    counts = pd.Series(model.labels_[model.labels_ >= 0]).value_counts()
    target = int(counts.index[0])
    sid = model.series_ids_[target]
    members = sorted(str(c) for c in model.case_ids_[model.labels_ == target])
    decisions.add(db, None, "confirm", sid, case_ids=members)
    decisions.add(db, None, "exclude", sid, case_ids=[members[-1]])
    db.commit()

    strict = calibration_of(model)
    broken = SeriesModel().fit(data.drop(columns=["series"]), calibration=Calibration(
        strict.coef, strict.intercept - 16.0, 0.9, 3, 3, 0.9, 50))
    raw = broken.labels_[np.isin(broken.case_ids_, members)]
    assert len(set(raw.tolist())) > 1 or raw.max() < 0, "the strict clustering should break the series up"
    state = series_state(broken, decisions.load())
    kept = {state.ids[k] for k in np.flatnonzero(np.isin(broken.case_ids_, members[:-1]))}
    assert kept == {sid}
    assert state.ids[int(np.flatnonzero(broken.case_ids_ == members[-1])[0])] == ""
    assert sid in state.confirmed

    record = data[data["case_id"] == members[0]].drop(columns=list(service.truth_columns))
    out = service.run(model, record.assign(case_id="nouvelle-1")).iloc[0]
    assert out["status"] == "serie" and out["series_id"] == sid
    assert "confirmée" in out["explanation"]
    excluded = data[data["case_id"] == members[-1]].drop(columns=list(service.truth_columns))
    assert service.run(model, excluded).iloc[0]["series_id"] == ""
    assert service.run(broken, excluded).iloc[0]["series_id"] == ""


def test_add_refuses_incomplete_decisions(db: Session) -> None:
    """French errors for an unknown action, a rename without name, a merge without other series."""
    for action, kwargs in (("supprimer", {}), ("rename", {}), ("merge", {}), ("split", {})):
        try:
            decisions.add(db, None, action, "S-1", **kwargs)  # type: ignore[arg-type]
        except ValueError as err:
            assert str(err)[0].islower() or str(err)[0] == "d"
        else:
            raise AssertionError(f"{action} accepté sans ses données")
