"""Runner and LocalEngine: validation with French errors, scoring, atomic files, pool and stream parity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session
from toy_service import GroupedToyService, ToyService

from iapublique.core import models_registry, runner
from iapublique.core.engine import LocalEngine, get_engine, load_service, service_ref
from iapublique.core.explain import Explanation
from iapublique.core.store.models import StoredModel
from iapublique.core.tables import TableError, read_frame, write_table


def _external(records: pd.DataFrame) -> pd.DataFrame:
    """Records as a file would hold them (the identifier under its alias)."""
    return records.rename(columns={"ident": "identifiant"})


def test_score_returns_one_row_per_record_with_model_version(toy_model: StoredModel, toy_service: ToyService) -> None:
    """Scores match the model, rows keep their order and key, and every row names the model version."""
    records = toy_service.demo_batch(40)
    out = runner.score(toy_service, _external(records))
    assert list(out.columns) == ["ident", "score", "explanation", "label", "model_version"]
    assert list(out["ident"]) == list(records["ident"])
    assert (out["model_version"] == toy_model.version).all()
    model, _ = models_registry.load(toy_service)
    expected = model.predict_proba(records[["x1", "x2"]].to_numpy(float))[:, 1]
    np.testing.assert_allclose(out["score"].to_numpy(), expected, rtol=1e-12)
    assert ((out["score"] >= 0.5).astype(int) == out["label"]).all()
    assert Explanation.from_cell(out["explanation"][0]).factors[0].label == "x1"


def test_score_reports_type_and_semantic_errors_by_line_and_field(
    toy_model: StoredModel, toy_service: ToyService
) -> None:
    """A wrong type and an aberrant value are named by line and field, in French."""
    records = _external(toy_service.demo_batch(5)).astype({"x1": object})
    records.loc[3, "x1"] = "abc"
    with pytest.raises(TableError) as bad_type:
        runner.score(toy_service, records)
    assert (bad_type.value.line, bad_type.value.field) == (4, "x1")
    assert "nombre est attendu" in str(bad_type.value)

    records = _external(toy_service.demo_batch(5))
    records.loc[[1, 2], "x2"] = 5000.0
    with pytest.raises(TableError) as aberrant:
        runner.score(toy_service, records)
    assert (aberrant.value.line, aberrant.value.field) == (2, "x2")
    assert "aberrante" in str(aberrant.value) and "1 autre" in str(aberrant.value)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_score_file_writes_complete_results_atomically(
    toy_model: StoredModel, toy_service: ToyService, tmp_path: Path, suffix: str
) -> None:
    """Each input format gives the same results as in memory; the output carries the model version."""
    records = _external(toy_service.demo_batch(60))
    if suffix == ".jsonl":  # exact floats (repr), so the file holds exactly the in-memory values
        source = tmp_path / "entree.jsonl"
        source.write_text("\n".join(json.dumps(r) for r in records.to_dict("records")), encoding="utf-8")
    else:
        source = write_table(records, tmp_path / f"entree{suffix}")
    n, version = runner.score_file(toy_service, source, tmp_path / "sortie.parquet")
    assert (n, version) == (60, toy_model.version)
    written = pd.read_parquet(tmp_path / "sortie.parquet")
    in_memory = runner.score(toy_service, records)
    pd.testing.assert_frame_equal(written, in_memory, check_dtype=False)
    assert not list(tmp_path.glob(".*partial"))


def test_bad_csv_line_names_the_file_line_and_field_and_writes_nothing(
    toy_model: StoredModel, toy_service: ToyService, tmp_path: Path
) -> None:
    """A CSV whose 4th record is aberrant fails on file line 5 (after the header) and leaves no output."""
    records = _external(toy_service.demo_batch(10))
    records.loc[3, "x2"] = 2000.0
    source = write_table(records, tmp_path / "entree.csv")
    with pytest.raises(TableError) as err:
        runner.score_file(toy_service, source, tmp_path / "sortie.csv", input_name="depot.csv")
    assert (err.value.file, err.value.line, err.value.field) == ("depot.csv", 5, "x2")
    assert not (tmp_path / "sortie.csv").exists()
    assert not list(tmp_path.glob(".*partial"))


def test_parquet_stream_matches_whole_file_and_fails_atomically(
    toy_model: StoredModel, toy_service: ToyService, tmp_path: Path
) -> None:
    """Streaming Parquet through DuckDB in chunks gives the whole-file result; an error in a late chunk
    is located on its absolute line and no output is left."""
    records = _external(toy_service.demo_batch(250))
    source = write_table(records, tmp_path / "entree.parquet")
    engine = LocalEngine(workers=1, chunk_rows=64)
    seen: list[tuple[int, int]] = []
    model_path = models_registry.model_path(toy_service)
    n = engine.run_file(
        toy_service, model_path, source, tmp_path / "flux.parquet", lambda d, t, m="": seen.append((d, t))
    )
    assert n == 250 and seen[-1] == (250, 250)
    streamed = pd.read_parquet(tmp_path / "flux.parquet")
    pd.testing.assert_frame_equal(streamed, runner.score(toy_service, records), check_dtype=False)

    records.loc[200, "x2"] = 9999.0
    bad = write_table(records, tmp_path / "mauvais.parquet")
    with pytest.raises(TableError) as err:
        engine.run_file(toy_service, model_path, bad, tmp_path / "mauvais_sortie.parquet")
    assert (err.value.line, err.value.field) == (201, "x2")
    assert not (tmp_path / "mauvais_sortie.parquet").exists()
    assert not list(tmp_path.glob(".*partial"))


def test_process_pool_gives_exactly_the_in_process_result(toy_model: StoredModel, toy_service: ToyService) -> None:
    """Splitting a batch over worker processes (each loading the skops model) changes nothing."""
    records = read_frame(_external(toy_service.demo_batch(300)), toy_service.Record)
    path = models_registry.model_path(toy_service)
    inline = LocalEngine(workers=1).run(toy_service, path, records)
    pooled = LocalEngine(workers=2, inprocess_below=0, chunk_rows=50).run(toy_service, path, records)
    pd.testing.assert_frame_equal(pooled, inline, check_exact=True)


def test_keyed_services_keep_each_group_in_one_partition(toy_model: StoredModel, toy_service: ToyService) -> None:
    """A service with a partition key sees all rows of a key together, whatever the pool's split."""
    grouped = GroupedToyService()
    base = toy_service.demo_batch(300)
    base["ident"] = [f"G{i % 37}" for i in range(len(base))]  # 37 interleaved groups of 8-9 rows
    records = read_frame(_external(base), grouped.Record)
    path = models_registry.model_path(toy_service)
    pooled = LocalEngine(workers=2, inprocess_below=0, chunk_rows=20).run(grouped, path, records)
    sizes = base.groupby("ident")["x1"].transform("size").to_numpy()
    assert pooled["label"].tolist() == sizes.tolist()
    inline = LocalEngine(workers=1).run(toy_service, path, records)
    assert pooled["score"].tolist() == inline["score"].tolist()


def test_engines_resolve_services_by_import_path_and_reject_unknown_names(toy_service: ToyService) -> None:
    """Workers rebuild the service from ``module:Class``; unknown engines give a French error."""
    ref = service_ref(toy_service)
    assert ref == "toy_service:ToyService"
    assert load_service(ref).info == toy_service.info
    with pytest.raises(TypeError):
        load_service("iapublique.core.engine:LocalEngine")
    with pytest.raises(ValueError, match="inconnu"):
        get_engine("hadoop")


def test_score_without_model_explains_how_to_train(db: Session, toy_service: ToyService) -> None:
    """Scoring before training gives the command to run."""
    with pytest.raises(ValueError, match="iapublique train toy"):
        runner.score(toy_service, _external(toy_service.demo_batch(3)))
