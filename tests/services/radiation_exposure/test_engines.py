"""radiation_exposure on the engines: the process pool and Spark score a batch exactly as one whole batch.

Detection compares a worker with colleagues of the same employer: engines must split batches by the
service's ``partition_groups`` (whole employers), or the scores drift from the whole-batch ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iapublique.core import artifacts
from iapublique.core.engine import LocalEngine, SparkEngine, partition_positions
from iapublique.core.tables import column_names, write_table
from iapublique.services.radiation_exposure import RadiationExposureService
from iapublique.services.radiation_exposure.schema import Record
from iapublique.settings import Settings

SERVICE = RadiationExposureService()


@pytest.fixture(scope="module")
def population() -> tuple[object, pd.DataFrame]:
    """A fitted monitor and a fresh population of 400 workers over 24 months (about 9,000 records)."""
    model = SERVICE.fit(SERVICE.demo_data(600, seed=0))
    records = SERVICE.demo_data(400, seed=5)[list(Record.model_fields)]
    return model, records


def _model_path(model: object, tmp_path: Path, history: pd.DataFrame) -> Path:
    manifest = artifacts.new_manifest(SERVICE, "parite", history, {}, "démo")
    return artifacts.save(tmp_path / "modeles", SERVICE, "parite", model, manifest) / "model.skops"


def test_partitions_hold_whole_employers(population: tuple[object, pd.DataFrame]) -> None:
    _, records = population
    parts = partition_positions(SERVICE, records, 3)
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(records)))
    owners: dict[str, int] = {}
    for i, pos in enumerate(parts):
        for employer in records["employer_siret"].iloc[pos].unique():
            assert owners.setdefault(employer, i) == i, f"employeur {employer} coupé entre deux parties"


def test_process_pool_scores_as_the_whole_batch(
    population: tuple[object, pd.DataFrame], tmp_settings: Settings, tmp_path: Path
) -> None:
    model, records = population
    path = _model_path(model, tmp_path, records)
    whole = LocalEngine(workers=1, inprocess_below=10**9).run(SERVICE, path, records)
    pooled = LocalEngine(workers=2, inprocess_below=1_000).run(SERVICE, path, records)
    pd.testing.assert_frame_equal(whole, pooled, check_exact=True)
    assert whole["score"].std() > 0


@pytest.mark.spark
@pytest.mark.slow
def test_spark_scores_as_the_local_engine(
    population: tuple[object, pd.DataFrame], spark_engine: SparkEngine, tmp_settings: Settings, tmp_path: Path
) -> None:
    model, records = population
    path = _model_path(model, tmp_path, records)
    source = write_table(records.rename(columns=column_names(Record)), tmp_path / "doses.parquet")
    n_local = LocalEngine(workers=1, inprocess_below=10**9).run_file(SERVICE, path, source, tmp_path / "local.parquet")
    n_spark = spark_engine.run_file(SERVICE, path, source, tmp_path / "spark.parquet")
    assert n_local == n_spark == len(records)
    local = pd.read_parquet(tmp_path / "local.parquet")
    spark = pd.read_parquet(tmp_path / "spark.parquet")
    pd.testing.assert_frame_equal(local, spark, check_exact=True)
