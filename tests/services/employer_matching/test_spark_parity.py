"""Batch coding on the Spark engine gives exactly the local engine's rows (small register)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from iapublique.core import artifacts
from iapublique.core.engine import LocalEngine, SparkEngine
from iapublique.core.tables import write_table
from iapublique.services.employer_matching import EmployerMatchingService
from iapublique.services.employer_matching.schema import Record
from iapublique.services.employer_matching.synthetic import generate_bulletins
from iapublique.settings import Settings

from .conftest import Small

pytestmark = pytest.mark.spark

SERVICE = EmployerMatchingService()


def test_local_and_spark_code_bulletins_identically(spark_engine: SparkEngine, small: Small, tmp_settings: Settings,
                                                    tmp_path: Path) -> None:
    manifest = artifacts.new_manifest(SERVICE, "parite", small.train.iloc[:10], {}, "tests")
    model_path = artifacts.save(tmp_path / "modeles", SERVICE, "parite", small.model, manifest) / "model.skops"
    records = generate_bulletins(small.frame, 3_000, seed=21, id_prefix="S")[list(Record.model_fields)]
    source = write_table(records.rename(columns={f: Record.model_fields[f].alias for f in Record.model_fields}),
                         tmp_path / "bulletins.parquet")
    n_local = LocalEngine(workers=2, inprocess_below=0, chunk_rows=1_000).run_file(
        SERVICE, model_path, source, tmp_path / "local.parquet")
    n_spark = spark_engine.run_file(SERVICE, model_path, source, tmp_path / "spark.parquet")
    assert n_local == n_spark == len(records)
    local = pd.read_parquet(tmp_path / "local.parquet")
    spark = pd.read_parquet(tmp_path / "spark.parquet")
    assert local["bulletin_id"].tolist() == records["bulletin_id"].tolist()
    pd.testing.assert_frame_equal(local, spark, check_exact=True)
    assert local["auto_coded"].mean() > 0.5 and local["candidates"].str.len().gt(2).mean() > 0.9
