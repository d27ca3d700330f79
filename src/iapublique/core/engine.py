"""Where batch work runs: LocalEngine (DuckDB + a process pool) and SparkEngine (pyspark ``mapInPandas``).

Both share one orchestration (:meth:`Engine.run_file`: read and validate, score, add the model
version, write atomically) and differ only in how :meth:`Engine.run` spreads ``service.run`` over
partitions; both return exactly the same frame for the same input (the parity test checks it).
Workers and Spark executors import the service class by its import path (``module:Class``) and load
the model from its skops file or bytes, never from pickle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import importlib
import itertools
import json
import os
import sys
import tempfile
import threading
import types
import typing
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from iapublique.core import artifacts
from iapublique.core.explain import Explanation
from iapublique.core.service import ProgressFn, Service, no_progress
from iapublique.core.tables import PARQUET_SUFFIXES, TableError, read_frame, read_table, write_table
from iapublique.settings import get_settings

ROW = "__row"
GROUP = "__groupe"
"""Spark column carrying :meth:`Service.partition_groups` codes: rows of one group share a partition."""
"""Internal column carrying the input position through Spark partitions."""


# ---- services by import path ------------------------------------------------------------------


def service_ref(service: Service) -> str:
    """Import path ``module:Class`` of a service, so another process can rebuild it."""
    cls = type(service)
    return f"{cls.__module__}:{cls.__qualname__}"


def load_service(ref: str) -> Service:
    """Instantiate a service from its import path ``module:Class``."""
    module_name, _, qualname = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Service)):
        raise TypeError(f"« {ref} » ne désigne pas une classe de service.")
    return obj()


# ---- result columns -----------------------------------------------------------------------------

Kind = Literal["float", "int", "bool", "str", "date", "datetime", "json"]


def _kind(annotation: Any) -> Kind:
    """The storage kind of a Result field annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else Any
        origin = typing.get_origin(annotation)
    if annotation is Explanation or annotation is str or origin is Literal:
        return "str"
    if annotation is bool:
        return "bool"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    if annotation is dt.datetime:
        return "datetime"
    if annotation is dt.date:
        return "date"
    return "json"


def result_kinds(service: Service) -> dict[str, Kind]:
    """Result columns produced by ``service.run`` (all Result fields but ``model_version``) and their kinds."""
    return {name: _kind(f.annotation) for name, f in service.Result.model_fields.items() if name != "model_version"}


def _explanation_json(cell: Any) -> Any:
    if cell is None or isinstance(cell, str):
        return cell
    return Explanation.from_cell(cell).to_json()


def conform(service: Service, out: Any, n_rows: int) -> pd.DataFrame:
    """Check a service's output against the contract and give every column its canonical dtype."""
    sid = service.info.id
    if not isinstance(out, pd.DataFrame):
        raise RuntimeError(f"le service {sid} n'a pas renvoyé de tableau de résultats.")
    if len(out) != n_rows:
        raise RuntimeError(f"le service {sid} a renvoyé {len(out)} lignes de résultat pour {n_rows} lignes d'entrée.")
    kinds = result_kinds(service)
    missing = [c for c in kinds if c not in out.columns]
    if missing:
        raise RuntimeError(f"le service {sid} n'a pas renvoyé les colonnes : {', '.join(missing)}.")
    frame = out[list(kinds)].reset_index(drop=True).copy()
    for col, kind in kinds.items():
        s = frame[col]
        if kind == "float":
            frame[col] = pd.to_numeric(s, errors="raise").astype("float64")
        elif kind == "int":
            frame[col] = s.astype("Int64") if s.isna().any() else s.astype("int64")
        elif kind == "bool":
            frame[col] = s.astype("boolean") if s.isna().any() else s.astype(bool)
        elif kind in ("date", "datetime"):
            frame[col] = pd.to_datetime(s).astype("datetime64[ns]")
        elif kind == "str":
            if col == "explanation":
                # a list into an object Series: Series.map would infer pandas' Arrow strings, then copy them back
                frame[col] = pd.Series([_explanation_json(v) for v in s], dtype=object, index=frame.index)
            elif s.dtype == object:
                frame[col] = s.where(s.notna(), None)
            else:
                frame[col] = s.astype(object).where(s.notna(), None)
        else:
            frame[col] = s.astype(object)
    return frame


def with_version(service: Service, records: pd.DataFrame, out: pd.DataFrame, version: str) -> pd.DataFrame:
    """The published result table: the item key first (when the Result lacks it), results, model version."""
    table = out.copy()
    key = service.key_field
    if key and key not in table.columns and key in records.columns:
        table.insert(0, key, records[key].reset_index(drop=True).to_numpy())
    table["model_version"] = version
    return table


def _plain_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as plain object columns, the form the table validator expects."""
    text = [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)]
    if not text:
        return df
    df = df.copy()
    for c in text:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


# ---- the engines ----------------------------------------------------------------------------------


class Engine(ABC):
    """Common orchestration of batch work; subclasses only say how ``service.run`` is spread."""

    name: str = ""

    @abstractmethod
    def run(
        self, service: Service, model_path: Path, records: pd.DataFrame, progress: ProgressFn = no_progress
    ) -> pd.DataFrame:
        """Score validated records with the model stored at ``model_path``; one conformed row per input row."""

    def run_file(
        self,
        service: Service,
        model_path: Path,
        input_path: Path,
        output_path: Path,
        progress: ProgressFn = no_progress,
        *,
        input_name: str | None = None,
    ) -> int:
        """Read and validate a file, score it, write the results with their model version atomically.

        Returns the number of rows written. On any error nothing is left at ``output_path``.
        """
        from iapublique.core import runner

        version = artifacts.read_manifest(Path(model_path).parent).version
        shown = input_name or Path(input_path).name
        frame = read_table(input_path, service.Record, name=input_name)
        runner.validate_records(service, frame, name=shown, first_line=runner.first_data_line(shown))
        out = self.run(service, Path(model_path), frame, progress)
        table = with_version(service, frame, out, version)
        write_table(table, output_path)
        return len(table)


# -- local: DuckDB + process pool --

_WORKER: dict[str, Any] = {}


def _init_worker(ref: str, model_path: str) -> None:
    """Process-pool initializer: import the service and load its model once per worker."""
    from iapublique.core import models_registry

    service = load_service(ref)
    _WORKER["service"] = service
    _WORKER["model"] = models_registry.load_path(service, Path(model_path))[0]


def _run_chunk(records: pd.DataFrame) -> pd.DataFrame:
    """Score one chunk in a pool worker."""
    service: Service = _WORKER["service"]
    return conform(service, service.run(_WORKER["model"], records, no_progress), len(records))


def partition_positions(service: Service, records: pd.DataFrame, parts: int) -> list[np.ndarray]:
    """Row positions of each partition: contiguous slices, or whole key groups when the service has a key."""
    n = len(records)
    groups = service.partition_groups(records)
    if groups is None:
        bounds = np.linspace(0, n, parts + 1).astype(int)
        return [np.arange(a, b) for a, b in itertools.pairwise(bounds) if b > a]
    codes, _ = pd.factorize(np.asarray(groups), sort=True)
    sizes = np.bincount(codes)
    loads = [(0, p) for p in range(parts)]
    part_of = np.zeros(len(sizes), dtype=np.int64)
    for code in np.argsort(-sizes, kind="stable"):  # whole groups, largest first, onto the lightest part
        load, p = heapq.heappop(loads)
        part_of[code] = p
        heapq.heappush(loads, (load + int(sizes[code]), p))
    bucket = part_of[codes]
    return [pos for pos in (np.flatnonzero(bucket == i) for i in range(parts)) if len(pos)]


class LocalEngine(Engine):
    """Runs on this machine: in-process for small batches, a process pool above ``inprocess_below`` rows.

    Parquet inputs are streamed with DuckDB in chunks of ``chunk_rows`` rows, so files larger than
    memory can be scored; each chunk is validated, scored and appended to a temporary Parquet file
    that is renamed only when every chunk succeeded.
    """

    name = "local"

    def __init__(self, workers: int = 2, *, inprocess_below: int = 5_000, chunk_rows: int = 50_000) -> None:
        self.workers = max(1, workers)
        self.inprocess_below = inprocess_below
        self.chunk_rows = chunk_rows

    def run(
        self, service: Service, model_path: Path, records: pd.DataFrame, progress: ProgressFn = no_progress
    ) -> pd.DataFrame:
        """Score in-process (small batches, one worker) or across the process pool."""
        if not self._pooled(len(records)):
            return self._run_inprocess(service, model_path, records, progress)
        with self._pool(service, model_path) as pool:
            return self._run_pool(pool, service, records, progress)

    def _pooled(self, n: int) -> bool:
        """Whether a batch of ``n`` rows goes to the process pool."""
        return n >= self.inprocess_below and self.workers > 1

    def _run_inprocess(
        self, service: Service, model_path: Path, records: pd.DataFrame, progress: ProgressFn
    ) -> pd.DataFrame:
        """Score in this process with the cached model."""
        from iapublique.core import models_registry

        model = models_registry.load_path(service, Path(model_path))[0]
        return conform(service, service.run(model, records.reset_index(drop=True), progress), len(records))

    def _pool(self, service: Service, model_path: Path) -> ProcessPoolExecutor:
        """A pool of ``workers`` processes, each importing the service and loading the model once."""
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=get_context("spawn"),
            initializer=_init_worker,
            initargs=(service_ref(service), str(model_path)),
        )

    def _run_pool(
        self, pool: ProcessPoolExecutor, service: Service, records: pd.DataFrame, progress: ProgressFn
    ) -> pd.DataFrame:
        """Score a batch across a started pool; results come back in input order."""
        n = len(records)
        parts = max(self.workers * 4, -(-n // self.chunk_rows))
        positions = partition_positions(service, records, parts)
        chunks = [records.iloc[pos].reset_index(drop=True) for pos in positions]
        results: list[pd.DataFrame] = []
        done = 0
        progress(0, n, "Traitement en parallèle")
        for chunk, out in zip(chunks, pool.map(_run_chunk, chunks), strict=True):
            results.append(out)
            done += len(chunk)
            progress(done, n, "Traitement en parallèle")
        merged = pd.concat(results, ignore_index=True)
        order = np.argsort(np.concatenate(positions), kind="stable")
        return conform(service, merged.iloc[order].reset_index(drop=True), n)

    def run_file(
        self,
        service: Service,
        model_path: Path,
        input_path: Path,
        output_path: Path,
        progress: ProgressFn = no_progress,
        *,
        input_name: str | None = None,
    ) -> int:
        """As :meth:`Engine.run_file`; Parquet to Parquet is streamed through DuckDB chunk by chunk."""
        shown = input_name or Path(input_path).name
        streamable = service.partition_key is None  # grouped rows must be scored whole, not chunk by chunk
        if (
            streamable
            and Path(shown).suffix.lower() in PARQUET_SUFFIXES
            and Path(output_path).suffix.lower() in PARQUET_SUFFIXES
        ):
            return self._stream_parquet(service, Path(model_path), Path(input_path), Path(output_path), progress, shown)
        return super().run_file(service, model_path, input_path, output_path, progress, input_name=input_name)

    def _stream_parquet(
        self, service: Service, model_path: Path, input_path: Path, output_path: Path, progress: ProgressFn, shown: str
    ) -> int:
        """Validate, score and write a Parquet file chunk by chunk; rename the output only at the end."""
        import duckdb
        import pyarrow as pa
        import pyarrow.parquet as pq

        from iapublique.core import runner

        if not input_path.exists():
            raise TableError(shown, "fichier introuvable.")
        version = artifacts.read_manifest(model_path.parent).version
        con = duckdb.connect()
        try:
            total = int(pq.ParquetFile(input_path).metadata.num_rows)
            relation = con.read_parquet(str(input_path))
            batches: pa.RecordBatchReader = relation.to_arrow_reader(self.chunk_rows)
        except (duckdb.Error, pa.ArrowException) as err:
            con.close()
            raise TableError(shown, f"fichier Parquet illisible ({err}).") from None
        output_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = output_path.with_name(f".{output_path.name}.partial")
        writer: pq.ParquetWriter | None = None
        pool: ProcessPoolExecutor | None = None  # started at the first large chunk, reused by the next ones
        done = 0
        try:
            for batch in batches:
                raw = _plain_strings(batch.to_pandas())
                try:
                    frame = read_frame(raw, service.Record, name=shown)
                except TableError as err:
                    line = None if err.line is None else (err.line if err.line == 1 and done == 0 else err.line + done)
                    raise TableError(err.file, err.message, line=line, field=err.field) from None
                runner.validate_records(service, frame, name=shown, first_line=done + 1)
                chunk_progress = _offset(progress, done, total)
                if self._pooled(len(frame)):
                    pool = pool or self._pool(service, model_path)
                    out = self._run_pool(pool, service, frame, chunk_progress)
                else:
                    out = self._run_inprocess(service, model_path, frame, chunk_progress)
                table = pa.Table.from_pandas(with_version(service, frame, out, version), preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                else:
                    table = table.cast(writer.schema)
                writer.write_table(table)
                done += len(frame)
                progress(done, total, "Traitement")
            if writer is None:
                empty = read_frame(pd.DataFrame(columns=list(service.Record.model_fields)), service.Record, name=shown)
                out = conform(service, pd.DataFrame({c: [] for c in result_kinds(service)}), 0)
                pa_empty = pa.Table.from_pandas(with_version(service, empty, out, version), preserve_index=False)
                pq.write_table(pa_empty, tmp)
            else:
                writer.close()
                writer = None
            os.replace(tmp, output_path)
        except BaseException:
            if writer is not None:
                writer.close()
            tmp.unlink(missing_ok=True)
            raise
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            con.close()
        return done


def _offset(progress: ProgressFn, start: int, total: int) -> ProgressFn:
    """Progress of one chunk reported as progress of the whole file."""

    def report(done: int, chunk_total: int, message: str = "") -> None:
        progress(start + done, total, message)

    return report


# -- Spark: mapInPandas with the model broadcast as skops bytes --

_EXECUTOR_MODELS: dict[str, tuple[Service, Any]] = {}
_spark_lock = threading.Lock()
_sessions: dict[tuple[str, str], Any] = {}


def _executor_model(ref: str, payload: bytes) -> tuple[Service, Any]:
    """Service and model on a Spark executor, loaded from skops bytes once per Python worker."""
    key = ref + ":" + hashlib.sha256(payload).hexdigest()
    if key not in _EXECUTOR_MODELS:
        service = load_service(ref)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.skops"
            path.write_bytes(payload)
            _EXECUTOR_MODELS[key] = (service, artifacts.load_file(path, service))
    return _EXECUTOR_MODELS[key]


def _spark_partition(
    ref: str, payload: Callable[[], bytes], kinds: dict[str, Kind], batches: Iterator[pd.DataFrame]
) -> Iterator[pd.DataFrame]:
    """Body of ``mapInPandas``: score each Arrow batch and carry the input positions through."""
    service, model = _executor_model(ref, payload())
    if service.partition_key is not None:
        # a group's rows share one Spark partition but may span Arrow batches: score the partition whole
        whole = [b for b in batches if len(b)]
        batches = iter([pd.concat(whole, ignore_index=True)] if whole else [])
    for pdf in batches:
        rows = pdf[ROW].to_numpy()
        records = pdf.drop(columns=[ROW, GROUP], errors="ignore").reset_index(drop=True)
        out = conform(service, service.run(model, records, no_progress), len(records))
        for col, kind in kinds.items():
            if kind == "json":
                out[col] = [json.dumps(v, ensure_ascii=False, default=str) for v in out[col]]
        out[ROW] = rows
        yield out


def _spark_type(kind: Kind) -> Any:
    from pyspark.sql import types as T

    return {
        "float": T.DoubleType(),
        "int": T.LongType(),
        "bool": T.BooleanType(),
        "str": T.StringType(),
        "json": T.StringType(),
        "date": T.TimestampType(),
        "datetime": T.TimestampType(),
    }[kind]


class SparkEngine(Engine):
    """Runs on Spark (a master URL such as ``local[2]``, or Spark Connect with ``sc://…``).

    The fitted model travels as its skops bytes (broadcast on classic Spark, captured in the closure
    on Spark Connect); executors import the service by its import path.
    """

    name = "spark"

    def __init__(self, master: str | None = None, remote: str | None = None, *, partitions: int = 4) -> None:
        settings = get_settings()
        self.master = master or settings.spark_master
        self.remote = settings.spark_remote if remote is None else remote
        self.partitions = max(1, partitions)

    def session(self) -> Any:
        """The Spark session for this master/remote, started once per process."""
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise RuntimeError("le moteur Spark nécessite l'extra [spark] : pip install 'iapublique[spark]'.") from None
        key = (self.master, self.remote)
        with _spark_lock:
            if key in _sessions:
                return _sessions[key]
            os.environ["PYSPARK_PYTHON"] = sys.executable
            os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
            paths = [p for p in dict.fromkeys([*os.environ.get("PYTHONPATH", "").split(os.pathsep), *sys.path]) if p]
            os.environ["PYTHONPATH"] = os.pathsep.join(paths)
            builder: Any = SparkSession.builder.appName("iapublique")
            if self.remote:
                builder = builder.remote(self.remote)
            else:
                builder = (
                    builder.master(self.master)
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", str(self.partitions))
                    .config("spark.sql.session.timeZone", "UTC")
                    .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                    .config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
                    .config("spark.executorEnv.PYSPARK_PYTHON", sys.executable)
                )
            session = builder.getOrCreate()
            _sessions[key] = session
            return session

    def run(
        self, service: Service, model_path: Path, records: pd.DataFrame, progress: ProgressFn = no_progress
    ) -> pd.DataFrame:
        """Score records on Spark partitions with ``mapInPandas``; results come back in input order."""
        from pyspark.sql import types as T

        n = len(records)
        if n == 0:
            return LocalEngine(workers=1).run(service, model_path, records, progress)
        progress(0, n, "Envoi à Spark")
        spark = self.session()
        payload_bytes = Path(model_path).read_bytes()
        artifacts.load_file(Path(model_path), service)  # refuse untrusted types before shipping anything
        if self.remote:

            def payload() -> bytes:
                return payload_bytes

        else:
            broadcast = spark.sparkContext.broadcast(payload_bytes)

            def payload() -> bytes:
                return typing.cast(bytes, broadcast.value)

        kinds = result_kinds(service)
        schema = T.StructType(
            [T.StructField(c, _spark_type(k), True) for c, k in kinds.items()]
            + [T.StructField(ROW, T.LongType(), False)]
        )
        pdf = records.reset_index(drop=True).copy()
        pdf[ROW] = np.arange(n, dtype=np.int64)
        ref = service_ref(service)

        def body(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            return _spark_partition(ref, payload, kinds, batches)

        with warnings.catch_warnings():
            # pyspark 4 warns that pandas 3 is "not fully supported"; the parity test checks what we use
            warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
            warnings.filterwarnings("ignore", message=".*copy keyword is deprecated.*")
            groups = service.partition_groups(records)
            if groups is not None:
                pdf[GROUP] = np.asarray(groups, dtype=np.int64)
            sdf = spark.createDataFrame(pdf)
            sdf = sdf.repartition(self.partitions, GROUP) if groups is not None else sdf.repartition(self.partitions)
            out = sdf.mapInPandas(body, schema).toPandas()
        out = out.sort_values(ROW).drop(columns=[ROW]).reset_index(drop=True)
        for col, kind in kinds.items():
            if kind == "json":
                out[col] = [None if v is None else json.loads(v) for v in out[col]]
        progress(n, n, "Traitement Spark terminé")
        return conform(service, out, n)


def get_engine(name: str | None = None) -> Engine:
    """The engine called ``name`` (``local`` or ``spark``; the settings' engine by default)."""
    settings = get_settings()
    name = name or settings.engine
    if name == "local":
        return LocalEngine(workers=settings.workers)
    if name == "spark":
        return SparkEngine()
    raise ValueError(f"moteur « {name} » inconnu : choisissez « local » ou « spark ».")
