"""Service ``radiation_exposure`` (IRSN): monitoring workers' exposure to ionising radiation.

A regulatory layer checks every dose limit over 12 rolling months and the return of dosimeters; an
anomaly layer ranks spikes, peer outliers, passive/operational mismatches, implausible values, unit
errors, duplicates and drifts, each with a French reason. Detection needs each worker's history, so a
batch must hold whole workers: engines split batches by :attr:`RadiationExposureService.partition_key`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from iapublique.core.service import BenchReport, ProgressFn, RowError, Service, ServiceInfo, no_progress
from iapublique.services.radiation_exposure.evaluation import quality
from iapublique.services.radiation_exposure.model import DoseMonitor, analyse, fit_monitor
from iapublique.services.radiation_exposure.schema import Record, Result
from iapublique.services.radiation_exposure.scope import employer_scope, refused_rows, visible
from iapublique.services.radiation_exposure.scoring import employer_groups, score_analysis, score_records
from iapublique.services.radiation_exposure.synthetic import DRIFT_FACTOR, TRUTH_COLUMNS, generate

if TYPE_CHECKING:
    from fastapi import APIRouter, Request

    from iapublique.core.store.models import User

POPULATION_WORKERS = 50_000
POPULATION_MONTHS = 24
POPULATION_SEED = 1
"""The issue's measure: 50,000 test workers over 24 months (seed 1), trained on 20,000 others (seed 1001)."""
SCALE_WORKERS = 400_000
"""Workers × 12 months scored by the speed part of ``iapublique bench`` (the issue's 400,000)."""
SCALE_ENV = "IAPUBLIQUE_RADIATION_SCALE_WORKERS"


class RadiationExposureService(Service):
    """Dose records in, one verdict per record out: regulatory breaches and ranked anomalies."""

    info = ServiceInfo(
        id="radiation_exposure",
        title="Surveillance de l'exposition des travailleurs aux rayonnements ionisants",
        administration="IRSN",
        administration_name="Institut de radioprotection et de sûreté nucléaire",
        summary=(
            "Contrôle exhaustif des limites de dose sur 12 mois glissants (corps entier, extrémités, peau, "
            "cristallin, mineurs, catégorie B) et des retours de dosimètres, puis classement des anomalies "
            "(pics, écarts aux pairs, écarts passif / opérationnel, valeurs implausibles, erreurs d'unité, "
            "doublons, dérives) avec leur raison en français et la projection du cumul de chaque travailleur."
        ),
        version="1.2.0",
    )
    Record = Record
    Result = Result
    truth_columns = TRUTH_COLUMNS
    key_field = "record_id"
    demo_size = 600
    """Workers generated for the demo (about 13,000 dose records over 24 months)."""
    partition_key: ClassVar[str] = "worker_id"
    """Engines must keep all records of one worker in the same partition (detection uses the history)."""

    def partition_groups(self, records: pd.DataFrame) -> np.ndarray:
        """Whole employers (with their workers' whole histories): peer statistics compare colleagues of one employer."""
        return employer_groups(records)

    def demo_data(self, size: int, seed: int = 0) -> pd.DataFrame:
        """A register of ``size`` workers over 24 months with injected anomalies and the truth columns."""
        return generate(size, months=24, seed=seed)

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> DoseMonitor:
        """Learn peer references; with truth columns, calibrate thresholds and choose detectors."""
        progress(0, 1, "Apprentissage des références des pairs")
        model = fit_monitor(data)
        progress(1, 1, "Modèle prêt")
        return model

    def run(self, model: Any, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """Score records; the batch must contain each worker's whole history (see ``partition_key``)."""
        progress(0, len(records), "Analyse des doses")
        out = score_records(model, records)
        progress(len(records), len(records), "Analyse terminée")
        return out

    def evaluate(self, model: Any, data: pd.DataFrame) -> dict[str, float]:
        """Regulatory recall, gross-anomaly recall, false alerts, drift recall and delay, top-1 % precision."""
        a = analyse(model, data)
        return quality(score_analysis(model, a), data, a.frame)

    def split(self, data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Split by worker (a worker's history never straddles train and test): 80 % / 20 %."""
        workers = data["worker_id"].astype(str)
        bucket = pd.util.hash_pandas_object(workers, index=False).to_numpy() % 5
        test = bucket == 0
        return data[~test].reset_index(drop=True), data[test].reset_index(drop=True)

    def visible_rows(self, user: User, rows: pd.DataFrame) -> pd.DataFrame:
        """All rows for experts; for a user attached to employers, their workers' rows only (by ``employer_siret``)."""
        return visible(rows, employer_scope(user, self))

    def may_submit(self, user: User, records: pd.DataFrame) -> list[RowError]:
        """A user attached to employers may only submit the dose records of those employers' workers."""
        return refused_rows(records, employer_scope(user, self))

    def trusted_types(self) -> list[str]:
        """The fitted monitor's class."""
        return ["iapublique.services.radiation_exposure.model.DoseMonitor"]

    evaluate_options: ClassVar[dict[str, str]] = {
        "travailleurs": f"travailleurs de la population de test (défaut : {POPULATION_WORKERS:_})".replace("_", " "),
        "mois": f"mois suivis, multiple de 3 (défaut : {POPULATION_MONTHS})",
        "graine": f"graine de la population de test (défaut : {POPULATION_SEED} ; entraînement : 1000 + graine)",
        "derive": "niveau atteint par les dérives injectées, facteur du niveau habituel (défaut : 1,5, soit +50 % "
                  "comme l'issue ; 2 : doublement), dans les deux populations",
    }
    """``iapublique evaluate radiation_exposure --travailleurs 50000 --mois 24 --graine 1``."""

    def evaluate_files(self, train: Sequence[pd.DataFrame], test: pd.DataFrame | None,
                       progress: ProgressFn = no_progress) -> dict[str, float]:
        """Without files, the issue's measure (a generated population); with files, fit and evaluate on them."""
        if not train and test is None:
            return self.evaluate_population(POPULATION_WORKERS, POPULATION_MONTHS, POPULATION_SEED,
                                            progress=progress)
        return super().evaluate_files(train, test, progress)

    def evaluate_with(self, options: dict[str, str], progress: ProgressFn = no_progress) -> dict[str, float]:
        """The population measure with ``travailleurs``, ``mois`` and ``graine`` chosen on the command line."""
        unknown = sorted(set(options) - set(self.evaluate_options))
        if unknown:
            known = ", ".join(f"--{k}" for k in self.evaluate_options)
            raise ValueError(f"option(s) inconnue(s) pour {self.info.id} : {', '.join(unknown)} ; options : {known}.")
        values: dict[str, int] = {}
        defaults = {"travailleurs": POPULATION_WORKERS, "mois": POPULATION_MONTHS, "graine": POPULATION_SEED}
        for name, default in defaults.items():
            raw = options.get(name, str(default)).replace(" ", "").replace("_", "")
            try:
                values[name] = int(raw)
            except ValueError:
                raise ValueError(f"--{name} attend un nombre entier (reçu « {options[name]} »).") from None
        if values["travailleurs"] < 100:
            raise ValueError("--travailleurs doit valoir au moins 100.")
        if values["mois"] < 12 or values["mois"] % 3:
            raise ValueError("--mois doit être un multiple de 3 d'au moins 12.")
        if values["graine"] < 0:
            raise ValueError("--graine doit être positive.")
        raw = options.get("derive", str(DRIFT_FACTOR)).replace(",", ".").strip()
        try:
            factor = float(raw)
        except ValueError:
            raise ValueError(f"--derive attend un nombre (reçu « {options['derive']} »).") from None
        if not 1.0 < factor <= 10.0:
            raise ValueError("--derive doit être compris entre 1 (exclu) et 10.")
        return self.evaluate_population(values["travailleurs"], values["mois"], values["graine"], progress=progress,
                                        drift_factor=factor)

    def evaluate_population(self, n_workers: int = 50_000, months: int = 24, seed: int = 1,
                            train_workers: int = 20_000, progress: ProgressFn = no_progress,
                            drift_factor: float = DRIFT_FACTOR) -> dict[str, float]:
        """Fit on a training population (seed 1000 + ``seed``), evaluate on another one of ``n_workers``."""
        progress(0, 3, "Génération de la population d'entraînement")
        train = generate(train_workers, months=months, seed=1000 + seed, drift_factor=drift_factor)
        progress(1, 3, "Calibrage")
        model = fit_monitor(train)
        del train
        progress(2, 3, "Génération et analyse de la population de test")
        test = generate(n_workers, months=months, seed=seed, drift_factor=drift_factor)
        started = time.perf_counter()
        figures = self.evaluate(model, test)
        figures["seconds_to_score"] = time.perf_counter() - started
        progress(3, 3, "Évaluation terminée")
        return figures

    def benchmark(self, progress: ProgressFn = no_progress) -> BenchReport:
        """Ours vs a fixed-threshold rule and an IsolationForest (20,000 workers × 24 months), then speed.

        The speed part scores the issue's 400,000 workers × 12 months (about 4.6 million records) in a child
        process; ``IAPUBLIQUE_RADIATION_SCALE_WORKERS`` sets another size (0: no speed measure).
        """
        from iapublique.services.radiation_exposure.baselines import compare

        raw = os.environ.get(SCALE_ENV, str(SCALE_WORKERS)).replace(" ", "").replace("_", "")
        try:
            scale = int(raw)
        except ValueError:
            raise ValueError(f"{SCALE_ENV} attend un nombre entier de travailleurs (reçu « {raw} »).") from None
        if scale < 0:
            raise ValueError(f"{SCALE_ENV} doit être positif ou nul.")
        return compare(n_workers=20_000, months=24, scale_workers=scale, progress=progress)

    def web_router(self) -> APIRouter:
        """The alert queue fragment and feedback, the worker view and the trends dashboard (see ``web.py``)."""
        from iapublique.services.radiation_exposure.web import build_router

        return build_router(self)

    def alert_queue(self, request: Request, user: User) -> dict[str, Any]:
        """The alert queue of the service page (``templates/page.html``), filtered by the query string and scope."""
        from iapublique.services.radiation_exposure.web import page_queue

        return page_queue(request, self, user)


def demo_records(n_workers: int = 50, seed: int = 1) -> pd.DataFrame:
    """A small demo batch without truth columns (the page's "try the demo" input)."""
    data = generate(n_workers, months=24, seed=seed)
    return data.drop(columns=list(TRUTH_COLUMNS))


__all__ = ["RadiationExposureService", "demo_records", "np"]
