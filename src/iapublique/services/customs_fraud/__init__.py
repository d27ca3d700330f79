"""Service ``customs_fraud`` (DGDDI): risk targeting of import declarations for customs inspections."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from iapublique.core.service import BenchReport, ProgressFn, RowError, Service, ServiceInfo, no_progress
from iapublique.core.tables import TableError, read_table
from iapublique.services.customs_fraud.model import CustomsRiskModel, as_frame, macro_f1, select_for_inspection
from iapublique.services.customs_fraud.schema import Labels, Record, Result
from iapublique.services.customs_fraud.synthetic import TRUTH_COLUMNS, generate

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = ["CustomsFraudService", "select_for_inspection"]

LABEL_ALIASES = {"Fraud": "fraud", "Critical Fraud": "critical_fraud"}
DEMO_BATCH_SIZE = 4_000
"""Declarations of the page's demo batch (« today's batch »), generated with a fixed seed."""
MAX_TAX_RATE = 1000.0
"""Highest duty rate accepted (%): some agricultural tariffs exceed 100 % ad valorem."""


def labels(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Fraud (0/1) and critical class (0/1/2) from truth columns, under their field or file names."""
    frame = data.rename(columns={k: v for k, v in LABEL_ALIASES.items() if k in data.columns})
    if "fraud" not in frame.columns and "critical_fraud" not in frame.columns:
        raise ValueError(
            "données sans étiquette : une colonne « Fraud » (0/1) ou « fraud » est nécessaire pour entraîner "
            "ou évaluer le modèle."
        )
    crit_col = frame["critical_fraud"] if "critical_fraud" in frame.columns else frame["fraud"]
    crit = pd.to_numeric(crit_col, errors="coerce").fillna(0).clip(0, 2).to_numpy(dtype=int)
    fraud_col = frame["fraud"] if "fraud" in frame.columns else pd.Series(crit > 0)
    fraud = (pd.to_numeric(fraud_col, errors="coerce").fillna(0).to_numpy(dtype=float) > 0).astype(int)
    return fraud, np.where(fraud > 0, np.maximum(crit, 1), 0)


def precision_at(y: np.ndarray, scores: np.ndarray, share: float) -> float:
    """Share of frauds among the top ``share`` of rows by score."""
    n = max(1, round(len(y) * share))
    top = np.argsort(-scores, kind="stable")[:n]
    return float(y[top].mean())


def recall_at(y: np.ndarray, scores: np.ndarray, share: float, weight: np.ndarray | None = None) -> float:
    """Share of all frauds (or of their ``weight``) found in the top ``share`` of rows by score."""
    w = y.astype(float) if weight is None else y * weight
    total = w.sum()
    if total <= 0:
        return 0.0
    n = max(1, round(len(y) * share))
    top = np.argsort(-scores, kind="stable")[:n]
    return float(w[top].sum() / total)


def quality(y: np.ndarray, scores: np.ndarray, price: np.ndarray, rate: np.ndarray) -> dict[str, float]:
    """Ranking figures shared by the service's evaluation and the benchmark's baseline."""
    from sklearn.metrics import roc_auc_score

    duty = np.nan_to_num(price * rate / 100.0)
    return {
        "precision_at_1": precision_at(y, scores, 0.01),
        "precision_at_5": precision_at(y, scores, 0.05),
        "precision_at_10": precision_at(y, scores, 0.10),
        "recall_at_5": recall_at(y, scores, 0.05),
        "recall_at_10": recall_at(y, scores, 0.10),
        "auc": float(roc_auc_score(y, scores)) if len(np.unique(y)) == 2 else float("nan"),
        "revenue_at_10": recall_at(y, scores, 0.10, duty),
    }


class CustomsFraudService(Service):
    """Ranks import declarations by calibrated fraud risk, with the suspected fraud, duty at stake and reasons."""

    info: ClassVar[ServiceInfo] = ServiceInfo(
        id="customs_fraud",
        title="Ciblage des déclarations en douane",
        administration="DGDDI",
        administration_name="Direction générale des douanes et droits indirects",
        summary=(
            "Classe les déclarations d'importation par probabilité de fraude pour proposer aux agents du "
            "ciblage une liste à contrôler ajustée à leur capacité, avec pour chacune le type de fraude "
            "soupçonné (valeur, classement tarifaire, origine), les droits en jeu et les cinq principaux "
            "facteurs du score. Les résultats des contrôles reviennent comme étiquettes à l'entraînement "
            "suivant ; une part d'exploration tirée sous le seuil limite le biais de sélection."
        ),
        version="1.2",
    )
    Record = Record
    Result = Result
    truth_columns: ClassVar[tuple[str, ...]] = TRUTH_COLUMNS
    key_field: ClassVar[str] = "declaration_id"
    demo_size: ClassVar[int] = 8_000
    page_max_rows: ClassVar[int] = 20_000
    """Declarations of an uploaded file scored on the page itself; a larger file becomes a job."""

    def demo_data(self, size: int, seed: int = 0) -> pd.DataFrame:
        """French-looking declarations over 18 months with injected frauds and their truth."""
        return generate(size, seed)

    @classmethod
    def read_labelled(cls, path: str | Path, name: str | None = None) -> pd.DataFrame:
        """Record columns plus truth columns (``Fraud`` → fraud, ``Critical Fraud`` → critical_fraud) of a file."""
        records = read_table(path, Record, name=name)
        truth = read_table(path, Labels, name=name)
        for col in truth.columns:
            if truth[col].notna().any():
                records[col] = truth[col].to_numpy()
        if "fraud" not in records.columns and "critical_fraud" not in records.columns:
            raise TableError(name or Path(path).name, "colonne d'étiquette « Fraud » absente : ce fichier ne "
                             "peut servir qu'au calcul des scores, pas à l'entraînement ni à l'évaluation.", line=1,
                             field="Fraud")
        return records

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> CustomsRiskModel:
        """Fit the risk model on labelled declarations (time-ordered; the latest slice calibrates)."""
        progress(0, 3, "préparation des données")
        y, crit = labels(data)
        fraud_type = None
        if "fraud_type" in data.columns and data["fraud_type"].notna().any():
            fraud_type = data["fraud_type"].to_numpy(dtype=object)
        progress(1, 3, "entraînement du modèle de risque")
        model = CustomsRiskModel().fit(data, y, crit, fraud_type)
        progress(3, 3, "modèle entraîné")
        return model

    def run(self, model: Any, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """Score each declaration; rows come back in input order with their rank inside the batch."""
        progress(0, len(records), "calcul des scores")
        out = model.score_columns(records)
        rank = np.empty(len(records), dtype=int)
        rank[np.argsort(-out["score"], kind="stable")] = np.arange(1, len(records) + 1)
        out["rank"] = rank
        out["declaration_id"] = records["declaration_id"].astype(str).to_numpy(dtype=object)
        progress(len(records), len(records), "scores calculés")
        return as_frame({f: out[f] for f in self.result_fields() if f != "model_version"})

    def evaluate(self, model: Any, data: pd.DataFrame) -> dict[str, float]:
        """Precision and recall at 1/5/10 % inspected, AUC, duty captured, critical macro-F1 (and type accuracy)."""
        y, crit = labels(data)
        out = model.score(data.reset_index(drop=True), explain=False)
        scores = out["score"].to_numpy()
        price = pd.to_numeric(data["item_price"], errors="coerce").to_numpy(dtype=float)
        rate = pd.to_numeric(data["tax_rate"], errors="coerce").to_numpy(dtype=float)
        metrics = quality(y, scores, price, rate)
        metrics["critical_macro_f1"] = macro_f1(crit, out["critical_class"].to_numpy())
        if "fraud_type" in data.columns and data["fraud_type"].notna().any():
            truth = data["fraud_type"].to_numpy(dtype=object)
            flagged = (y == 1) & out["fraud_type"].notna().to_numpy()
            if flagged.any():
                metrics["fraud_type_accuracy"] = float(np.mean(out["fraud_type"].to_numpy()[flagged] == truth[flagged]))
        return metrics

    def validate(self, records: pd.DataFrame) -> list[RowError]:
        """Negative mass or price, or a duty rate outside [0, 1000] %, are refused with their row."""
        errors: list[RowError] = []
        checks = (
            ("net_mass", "Net Mass", lambda v: v < 0, "masse nette négative : indiquez la masse en kg (≥ 0)."),
            ("item_price", "Item Price", lambda v: v < 0, "valeur déclarée négative : indiquez une valeur ≥ 0."),
            ("tax_rate", "Tax Rate", lambda v: (v < 0) | (v > MAX_TAX_RATE),
             f"taux de droit hors de l'intervalle 0 à {MAX_TAX_RATE:.0f} % : vérifiez le taux appliqué."),
        )
        for name, shown, bad, message in checks:
            if name not in records.columns:
                continue
            values = pd.to_numeric(records[name], errors="coerce").to_numpy(dtype=float)
            for i in np.nonzero(bad(np.nan_to_num(values, nan=0.0)))[0][:100]:
                errors.append(RowError(int(i), shown, message))
        return sorted(errors, key=lambda e: e.line)

    def split(self, data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Time split: the latest fifth of the period (whole days) is the test set."""
        dates = pd.to_datetime(data["date"])
        order = np.argsort(dates.to_numpy(), kind="stable")
        ordered = data.iloc[order].reset_index(drop=True)
        cut_date = pd.to_datetime(ordered["date"]).iloc[int(len(ordered) * 0.8)]
        early = pd.to_datetime(ordered["date"]) < cut_date
        return ordered[early].reset_index(drop=True), ordered[~early].reset_index(drop=True)

    def benchmark(self, progress: ProgressFn = no_progress) -> BenchReport:
        """Ours vs plain LightGBM on the same time split, speed, published anchor, weekly simulation."""
        from iapublique.services.customs_fraud.bench import run_benchmark

        return run_benchmark(self, progress)

    def demo_batch(self, size: int = DEMO_BATCH_SIZE, seed: int = 1) -> pd.DataFrame:
        """Today's demo batch: a few thousand declarations without their truth, fixed seed."""
        return super().demo_batch(size, seed)

    def web_router(self) -> APIRouter:
        """The targeting pages: selection for a capacity, a declaration's detail, the inspection result."""
        from iapublique.services.customs_fraud.web import build_router

        return build_router(self)

    def feedback_rows(self, feedback: pd.DataFrame) -> pd.DataFrame:
        """Inspection results recorded by officers become labelled declarations (latest result per declaration)."""
        from iapublique.services.customs_fraud.inspections import training_rows

        return training_rows(feedback)

    def trusted_types(self) -> list[str]:
        """Types inside the fitted model besides numpy and builtins."""
        return [
            "collections.OrderedDict",
            "lightgbm.basic.Booster",
            "iapublique.services.customs_fraud.model.CustomsRiskModel",
            "iapublique.services.customs_fraud.model.LeafPaths",
            "iapublique.services.customs_fraud.model._Table",
            "iapublique.services.customs_fraud.model._UnitValueRef",
        ]
