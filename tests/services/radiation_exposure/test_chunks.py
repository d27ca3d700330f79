"""Large batches are scored part by part (whole workers, employers kept together) with the same results."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iapublique.services.radiation_exposure.model import fit_monitor
from iapublique.services.radiation_exposure.scoring import employer_parts, score_records
from iapublique.services.radiation_exposure.synthetic import TRUTH_COLUMNS, generate


def test_parts_keep_workers_and_employers_whole_and_balanced() -> None:
    records = generate(400, months=12, seed=5)
    parts = employer_parts(records, 4)
    assert len(parts) == 4
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(records)))
    owner = np.empty(len(records), dtype=np.int64)
    for i, pos in enumerate(parts):
        owner[pos] = i
    frame = records.assign(part=owner)
    assert (frame.groupby("worker_id")["part"].nunique() == 1).all()
    assert (frame.groupby("employer_siret")["part"].nunique() == 1).all()
    sizes = np.array([len(p) for p in parts])
    largest_employer = int(records["employer_siret"].value_counts().iloc[0])
    assert sizes.max() - sizes.min() <= largest_employer


def test_scoring_by_parts_gives_the_same_results_as_one_batch() -> None:
    model = fit_monitor(generate(300, months=24, seed=11))
    data = generate(600, months=12, seed=12)
    records = data.drop(columns=list(TRUTH_COLUMNS))
    whole = score_records(model, records)
    by_parts = score_records(model, records, chunk_rows=len(records) // 5)
    assert whole["alert"].sum() > 0
    pd.testing.assert_frame_equal(whole, by_parts)
    as_objects = records.astype({c: object for c in ("record_id", "worker_id", "employer_siret", "sector", "job")})
    same = score_records(model, as_objects, chunk_rows=len(records) // 5)
    assert same["record_id"].dtype == object and same["explanation"].dtype == object
    pd.testing.assert_frame_equal(whole, same, check_dtype=False)
