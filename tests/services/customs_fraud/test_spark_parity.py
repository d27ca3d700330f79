"""customs_fraud at scale: one 100,000-row Parquet file scored by LocalEngine and SparkEngine gives the same rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iapublique.core import artifacts
from iapublique.core.engine import LocalEngine, SparkEngine
from iapublique.core.explain import Explanation
from iapublique.core.tables import write_table
from iapublique.services.customs_fraud import CustomsFraudService
from iapublique.services.customs_fraud.schema import Record
from iapublique.settings import Settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SERVICE = CustomsFraudService()
ROWS = 100_000


def test_local_and_spark_give_identical_scores_and_explanations_on_100k_rows(
    spark_engine: SparkEngine, tmp_settings: Settings, tmp_path: Path
) -> None:
    """Scores, explanations, types, duties and classes match exactly; ranks are per batch, so not compared."""
    history = SERVICE.demo_data(SERVICE.demo_size, seed=0)
    model = SERVICE.fit(history)
    manifest = artifacts.new_manifest(SERVICE, "parite", history, {}, "démo")
    model_path = artifacts.save(tmp_path / "modeles", SERVICE, "parite", model, manifest) / "model.skops"

    records = SERVICE.demo_data(ROWS, seed=11)[list(Record.model_fields)]
    source = write_table(records.rename(columns={f: Record.model_fields[f].alias for f in Record.model_fields}),
                         tmp_path / "declarations.parquet")

    n_local = LocalEngine(workers=2, chunk_rows=30_000).run_file(SERVICE, model_path, source,
                                                                 tmp_path / "local.parquet")
    n_spark = spark_engine.run_file(SERVICE, model_path, source, tmp_path / "spark.parquet")
    assert n_local == n_spark == ROWS
    local = pd.read_parquet(tmp_path / "local.parquet")
    spark = pd.read_parquet(tmp_path / "spark.parquet")
    assert list(local.columns) == list(spark.columns)
    assert local["declaration_id"].tolist() == [str(v) for v in records["declaration_id"]]
    assert np.array_equal(local["score"].to_numpy(), spark["score"].to_numpy())
    same = [c for c in local.columns if c != "rank"]
    pd.testing.assert_frame_equal(local[same], spark[same], check_exact=True)
    # every row carries a real explanation: five signed factors whatever its score
    assert local["score"].std() > 0.05
    sample = local.sample(200, random_state=0)
    for cell in sample["explanation"]:
        assert len(Explanation.from_cell(cell).factors) == 5
