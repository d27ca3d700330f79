"""The Service contract: the few questions every service answers, so CLI, API, UI and jobs treat them alike.

Data moves between the platform and a service as pandas DataFrames, column names being the field
names of the service's ``Record`` (inputs) and ``Result`` (outputs) pydantic models; this keeps batch
work vectorised while the pydantic models give the API its schema and the tables their validation.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from iapublique.core.explain import Explanation

if TYPE_CHECKING:
    from fastapi import APIRouter

    from iapublique.core.store.models import User

ProgressFn = Callable[[int, int, str], None]
"""Progress callback: ``progress(done, total, message)``; ``total`` may be 0 when unknown."""


def no_progress(done: int, total: int, message: str = "") -> None:
    """Progress callback that ignores everything."""


class ServiceInfo(BaseModel):
    """Identity card of a service, shown in listings and the model card."""

    id: str = Field(description="Identifiant du service")
    title: str = Field(description="Titre en français")
    administration: str = Field(description="Code de l'administration (ex. DGDDI)")
    administration_name: str = Field(description="Nom complet de l'administration")
    summary: str = Field(description="Résumé en un paragraphe")
    version: str = Field(description="Version de la méthode du service")


class ResultBase(BaseModel):
    """Fields every result carries: a score, an explanation and the model version that produced it."""

    score: float = Field(description="Score du résultat (plus haut = plus probable / plus prioritaire)")
    explanation: Explanation = Field(description="Explication du résultat")
    model_version: str = Field(default="", description="Version du modèle qui a produit ce résultat")


@dataclass(frozen=True)
class RowError:
    """A problem in one input row, for a French message naming file, line and field."""

    line: int
    field: str
    message: str


@dataclass
class BenchRow:
    """One line of a benchmark table: a system and its measured figures."""

    system: str
    figures: dict[str, float | None]
    note: str = ""


@dataclass
class BenchReport:
    """What ``iapublique bench`` prints: ours, the named baseline and the published anchor, one run."""

    service: str
    dataset: str
    rows: list[BenchRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "service": self.service,
            "dataset": self.dataset,
            "rows": [{"system": r.system, "figures": r.figures, "note": r.note} for r in self.rows],
            "notes": self.notes,
        }


class Service(ABC):
    """Base class of every service; subclasses are registered under the ``iapublique.services`` entry points.

    Subclass contract (checked by the contract test over every registered service):

    - ``info``, ``Record`` and ``Result`` class attributes; ``Result`` subclasses :class:`ResultBase`.
    - ``truth_columns``: columns of ``demo_data`` that hold the ground truth (absent at run time).
    - ``key_field``: the Record field that identifies one item (used to attach feedback).
    - ``demo_data`` returns Record columns plus truth columns, deterministic for a given seed.
    - ``fit`` returns a model object that skops can persist (plain Python, numpy, scikit-learn,
      LightGBM objects); ``trusted_types`` lists the extra types to allow when loading it.
    - ``run`` returns one output row per input row, in the same order, with the Result columns except
      ``model_version`` (added by the platform); ``explanation`` cells hold ``Explanation`` JSON strings.
    - ``evaluate`` returns the service's quality figures on labelled data (floats, JSON-ready).
    """

    info: ClassVar[ServiceInfo]
    Record: ClassVar[type[BaseModel]]
    Result: ClassVar[type[ResultBase]]
    truth_columns: ClassVar[tuple[str, ...]] = ()
    key_field: ClassVar[str] = ""
    demo_size: ClassVar[int] = 5_000
    """Rows generated for the demo and the contract test (kept small enough for seconds of work)."""

    @abstractmethod
    def demo_data(self, size: int, seed: int = 0) -> pd.DataFrame:
        """Realistic synthetic records with ground truth, deterministic for ``seed``."""

    @abstractmethod
    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> Any:
        """Learn or index from labelled records; return the model object."""

    @abstractmethod
    def run(self, model: Any, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """Score records; pure and batchable (engines call it on partitions)."""

    @abstractmethod
    def evaluate(self, model: Any, data: pd.DataFrame) -> dict[str, float]:
        """Quality figures of ``model`` on labelled ``data``."""

    # ---- optional hooks, with sensible defaults -------------------------------------------------

    def validate(self, records: pd.DataFrame) -> list[RowError]:
        """Semantic checks beyond types (e.g. a negative mass); ``line`` is the 0-based row position."""
        return []

    def may_submit(self, user: User, records: pd.DataFrame) -> list[RowError]:
        """Rows this user may not submit (e.g. another employer's workers for a scoped member); none by default.

        Checked on every submission of a signed-in user (sync run, form, upload, job); ``line`` is the 0-based
        row position, and the first error is shown in French with its line and field.
        """
        return []

    def visible_rows(self, user: User, rows: pd.DataFrame) -> pd.DataFrame:
        """The rows of a result table this user may see (a subset of ``rows``, same index); all by default.

        ``rows`` holds Result columns, with the Record columns beside them where the platform has them (a
        job's result file has only the Result columns). Every generic surface that shows or returns result
        rows (pages, downloads, REST API, feedback) calls it. Return ``rows`` itself when the user sees every
        row (the platform then serves result files as they are); a restricting service must fail closed
        (no row) when the column it filters on is absent.
        """
        return rows

    def trusted_types(self) -> list[str]:
        """Fully qualified type names skops may load for this service's models."""
        return []

    def evaluate_files(
        self, train: Sequence[pd.DataFrame], test: pd.DataFrame | None, progress: ProgressFn = no_progress
    ) -> dict[str, float]:
        """Quality figures from files: fit on ``train`` (concatenated), evaluate on ``test``.

        Without ``train``, the model is fitted on the service's generated data: with ``test``, that model is
        measured on the file (how a generator-trained model does on someone else's labelled data); without
        either, on the generated data's own test split.
        """
        if not train:
            data = self.demo_data(self.demo_size, seed=0)
            train_df, test_df = self.split(data)
            if test is not None:
                train_df, test_df = data, test
        else:
            train_df = pd.concat(list(train), ignore_index=True)
            test_df = test if test is not None else self.split(train_df)[1]
            if test is None:
                train_df = self.split(train_df)[0]
        model = self.fit(train_df, progress)
        return self.evaluate(model, test_df)

    def read_labelled(self, path: Path) -> pd.DataFrame:
        """Read a training/evaluation file: the Record columns plus whichever ``truth_columns`` it has."""
        from iapublique.core.tables import read_extra_columns, read_table

        records = read_table(path, self.Record)
        truth = read_extra_columns(path, self.truth_columns)
        if len(truth) == len(records):
            for col in truth.columns:
                records[col] = truth[col].to_numpy()
        return records

    def feedback_rows(self, feedback: pd.DataFrame) -> pd.DataFrame:
        """Labelled training rows (Record + truth columns) made from agents' feedback; none by default.

        ``feedback`` is :func:`iapublique.core.feedback.export`'s frame: verdict, ``correction_*`` values and
        the record's fields. Services whose agents report ground truth (e.g. an inspection's outcome)
        turn it into rows here, and the next training uses them.
        """
        return pd.DataFrame()

    evaluate_options: ClassVar[dict[str, str]] = {}
    """Extra ``iapublique evaluate`` options this service understands (name -> French help), e.g. a corpus path."""

    def evaluate_with(self, options: dict[str, str], progress: ProgressFn = no_progress) -> dict[str, float]:
        """Quality figures driven by the service's own ``evaluate_options`` (e.g. a public corpus's folds)."""
        unknown = sorted(set(options) - set(self.evaluate_options))
        if unknown:
            known = ", ".join(f"--{k}" for k in self.evaluate_options) or "aucune"
            raise ValueError(f"option(s) inconnue(s) pour {self.info.id} : {', '.join(unknown)} ; options : {known}.")
        return self.evaluate_files([], None, progress)

    partition_key: ClassVar[str | None] = None
    """Record field whose rows must stay in the same partition (e.g. a worker's history); None: any split."""

    def partition_groups(self, records: pd.DataFrame) -> np.ndarray | None:
        """Group code of each row (engines score a group's rows in one partition), or None when any split will do.

        By default the groups are the values of ``partition_key``. A service whose scores also depend on a
        wider set of rows (e.g. a worker's colleagues at the same employer) returns coarser groups, each
        holding whole ``partition_key`` values.
        """
        if self.partition_key is None:
            return None
        codes, _ = pd.factorize(records[self.partition_key].astype(str), sort=True)
        return np.asarray(codes, dtype=np.int64)

    def split(self, data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Train/test split used when no test file is given (services override with a time split)."""
        cut = int(len(data) * 0.8)
        return data.iloc[:cut].reset_index(drop=True), data.iloc[cut:].reset_index(drop=True)

    @abstractmethod
    def benchmark(self, progress: ProgressFn = no_progress) -> BenchReport:
        """Ours vs a named baseline vs the published anchor, quality and speed, in one run."""

    document_types: ClassVar[tuple[str, ...]] = ()
    """File suffixes (e.g. ``.pdf``, ``.docx``) this service accepts as documents besides tables."""

    def read_document(self, name: str, data: bytes) -> pd.DataFrame:
        """Turn one uploaded document (a suffix of ``document_types``) into Record rows.

        Services that accept documents override this; errors are raised as ``TableError`` in French.
        """
        from iapublique.core.tables import TableError

        raise TableError(
            name, f"le service {self.info.id} n'accepte que des fichiers de données (CSV, Parquet, JSONL)."
        )

    def web_router(self) -> APIRouter | None:
        """Extra pages and fragments of this service (a FastAPI router), or None.

        The web application mounts it under ``/services/<id>`` and checks, before every one of its routes,
        that the user may open the service; templates are this service's (``services/<id>/…``).
        """
        return None

    def demo_batch(self, size: int = 50, seed: int = 1) -> pd.DataFrame:
        """A small batch of demo records without ground truth: the page's "try the demo" input."""
        data = self.demo_data(size, seed=seed)
        return data.drop(columns=[c for c in self.truth_columns if c in data.columns])

    def templates_dir(self) -> Path | None:
        """Folder of this service's Jinja2 templates (``page.html`` overrides the generic page)."""
        folder = self.package_dir() / "templates"
        return folder if folder.is_dir() else None

    def model_card(self) -> str:
        """The French model card (Markdown), shipped beside the service's code."""
        return (self.package_dir() / "MODEL_CARD.md").read_text(encoding="utf-8")

    def package_dir(self) -> Path:
        """Folder of the module defining this service's class (its templates and model card live there)."""
        return Path(inspect.getfile(type(self))).parent

    def record_fields(self) -> list[str]:
        """Input field names, in order."""
        return list(self.Record.model_fields)

    def result_fields(self) -> list[str]:
        """Output field names, in order."""
        return list(self.Result.model_fields)
