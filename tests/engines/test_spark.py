"""SparkEngine: one batch job through ``local[2]`` gives exactly the LocalEngine output."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from toy_service import GroupedToyService, ToyService

from iapublique.core import models_registry, runner
from iapublique.core.engine import LocalEngine, SparkEngine
from iapublique.core.store.db import init_db
from iapublique.core.tables import TableError, write_table
from iapublique.settings import Settings

pytestmark = pytest.mark.spark


def test_spark_and_local_engines_give_identical_batch_outputs(
    spark_engine: SparkEngine, tmp_settings: Settings, tmp_path: Path
) -> None:
    """The same file scored by both engines (Spark over 3 partitions) gives byte-for-byte equal tables."""
    init_db()
    service = ToyService()
    models_registry.ensure_demo_model(service)
    model_path = models_registry.model_path(service)
    records = service.demo_batch(500, seed=7).rename(columns={"ident": "identifiant"})
    source = write_table(records, tmp_path / "lot.csv")

    n_local = LocalEngine(workers=1).run_file(service, model_path, source, tmp_path / "local.parquet")
    seen: list[tuple[int, int]] = []
    n_spark = spark_engine.run_file(
        service, model_path, source, tmp_path / "spark.parquet", lambda d, t, m="": seen.append((d, t))
    )
    assert n_local == n_spark == 500
    assert seen[-1] == (500, 500)
    local = pd.read_parquet(tmp_path / "local.parquet")
    spark = pd.read_parquet(tmp_path / "spark.parquet")
    pd.testing.assert_frame_equal(spark, local, check_exact=True)
    assert list(spark["identifiant" if "identifiant" in spark else "ident"]) == list(records["identifiant"])
    assert spark["score"].between(0, 1).all() and spark["score"].std() > 0.2

    in_memory = runner.score(service, records, engine="local")
    pd.testing.assert_frame_equal(spark, in_memory, check_dtype=False, check_exact=True)


def test_spark_keeps_each_key_group_in_one_batch(spark_engine: SparkEngine, tmp_settings: Settings) -> None:
    """With a partition key, every group reaches the service whole (the label is the group's size)."""
    init_db()
    models_registry.ensure_demo_model(ToyService())
    grouped = GroupedToyService()
    records = ToyService().demo_batch(400, seed=3)
    records["ident"] = [f"G{i % 23}" for i in range(len(records))]
    from iapublique.core.tables import read_frame

    frame = read_frame(records.rename(columns={"ident": "identifiant"}), grouped.Record)
    out = spark_engine.run(grouped, models_registry.model_path(ToyService()), frame)
    assert out["label"].tolist() == records.groupby("ident")["x1"].transform("size").tolist()


def test_spark_engine_validates_before_running(
    spark_engine: SparkEngine, tmp_settings: Settings, tmp_path: Path
) -> None:
    """Bad input is refused with the same located French error, and no output is written."""
    init_db()
    service = ToyService()
    models_registry.ensure_demo_model(service)
    records = service.demo_batch(10).rename(columns={"ident": "identifiant"})
    records.loc[2, "x2"] = 1e6
    source = write_table(records, tmp_path / "lot.csv")
    with pytest.raises(TableError) as err:
        spark_engine.run_file(service, models_registry.model_path(service), source, tmp_path / "sortie.parquet")
    assert (err.value.line, err.value.field) == (4, "x2")
    assert not (tmp_path / "sortie.parquet").exists()
