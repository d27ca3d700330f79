"""A small real service used to test the platform: logistic regression on two numeric features.

Not registered as an entry point; workers and Spark executors import it as ``toy_service:ToyService``
(the tests folder ``tests/core`` is on ``pythonpath``).
"""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score

from iapublique.api.access import CurrentUser
from iapublique.core import runner
from iapublique.core.artifacts import ArtifactError
from iapublique.core.explain import Explanation, Factor
from iapublique.core.service import (
    BenchReport,
    BenchRow,
    ProgressFn,
    ResultBase,
    RowError,
    Service,
    ServiceInfo,
    no_progress,
)

FEATURES = ["x1", "x2"]
SUMMARY_PAGE = """{% extends "base.html" %}
{% block content %}
<h1>Résumé du lot de démonstration</h1>
<div class="fr-table fr-table--bordered"><div class="fr-table__wrapper"><div class="fr-table__container">
<div class="fr-table__content"><table>
<caption>{{ size | nombre(0) }} éléments</caption>
<thead><tr><th scope="col">Mesure</th><th scope="col">Moyenne</th><th scope="col">Minimum</th>
<th scope="col">Maximum</th></tr></thead>
<tbody>{% for name, mean, low, high in stats %}<tr><th scope="row">{{ name }}</th><td>{{ mean | nombre(2) }}</td>
<td>{{ low | nombre(2) }}</td><td>{{ high | nombre(2) }}</td></tr>{% endfor %}</tbody>
</table></div></div></div></div>
<p>{% if positive is none %}Aucun modèle entraîné : classes non prédites.{% else %}Classe 1 prédite pour
{{ positive | pourcent(0) }} des éléments (modèle {{ version }}).{% endif %}</p>
{% endblock %}"""
"""The toy service's own page (rendered in the platform layout), exercising mounted service routers."""


class ToyRecord(BaseModel):
    """One toy item: an identifier and two measurements."""

    ident: str = Field(alias="identifiant", description="Identifiant")
    x1: float = Field(description="Première mesure")
    x2: float = Field(description="Seconde mesure")


class ToyResult(ResultBase):
    """The toy verdict: a probability (score), the predicted class and an explanation."""

    label: int = Field(description="Classe prédite (0 ou 1)")


class ToyService(Service):
    """Predicts y = 1 when 1.5·x1 − x2 (plus noise) is positive."""

    info = ServiceInfo(
        id="toy",
        title="Service d'essai",
        administration="ESSAI",
        administration_name="Administration d'essai",
        summary="Régression logistique sur deux mesures, pour tester la plateforme.",
        version="1.0",
    )
    Record = ToyRecord
    Result = ToyResult
    truth_columns: ClassVar[tuple[str, ...]] = ("y",)
    key_field: ClassVar[str] = "ident"
    demo_size: ClassVar[int] = 400

    def demo_data(self, size: int, seed: int = 0) -> pd.DataFrame:
        """Deterministic labelled points."""
        rng = np.random.default_rng(seed)
        x1 = rng.normal(size=size)
        x2 = rng.normal(size=size)
        y = (1.5 * x1 - x2 + rng.normal(scale=0.5, size=size) > 0).astype(int)
        return pd.DataFrame({"ident": [f"T{seed}-{i:05d}" for i in range(size)], "x1": x1, "x2": x2, "y": y})

    def fit(self, data: pd.DataFrame, progress: ProgressFn = no_progress) -> LogisticRegression:
        """Fit the logistic regression."""
        model = LogisticRegression().fit(data[FEATURES].to_numpy(float), data["y"].to_numpy(int))
        progress(1, 1, "ajusté")
        return model

    def run(self, model: LogisticRegression, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """Probabilities, classes and the two signed contributions as explanation."""
        x = records[FEATURES].to_numpy(float)
        contrib = x * model.coef_[0]
        # element-wise (no BLAS) so the result of a row never depends on the batch it is scored in
        proba = 1.0 / (1.0 + np.exp(-(contrib[:, 0] + contrib[:, 1] + model.intercept_[0])))
        explanations = [
            Explanation(
                summary=f"Probabilité {p:.2f}",
                factors=[
                    Factor(label=f, value=f"{v:.3f}", weight=float(w)) for f, v, w in zip(FEATURES, row, c, strict=True)
                ],
            ).to_json()
            for p, row, c in zip(proba, x, contrib, strict=True)
        ]
        progress(len(records), len(records), "terminé")
        return pd.DataFrame({"score": proba, "explanation": explanations, "label": (proba >= 0.5).astype(int)})

    def web_router(self) -> APIRouter:
        """One page of its own, ``GET /resume``: statistics and predicted classes of the demo batch."""
        return summary_router(self)

    def evaluate(self, model: LogisticRegression, data: pd.DataFrame) -> dict[str, float]:
        """Accuracy and ROC AUC."""
        proba = model.predict_proba(data[FEATURES].to_numpy(float))[:, 1]
        return {
            "accuracy": float(accuracy_score(data["y"], proba >= 0.5)),
            "auc": float(roc_auc_score(data["y"], proba)),
        }

    def validate(self, records: pd.DataFrame) -> list[RowError]:
        """x2 is a bounded measurement: above 1000 it is an entry error."""
        too_big = np.flatnonzero(records["x2"].to_numpy(float) > 1000)
        return [RowError(int(i), "x2", "mesure supérieure à 1000 : valeur aberrante.") for i in too_big]

    def benchmark(self, progress: ProgressFn = no_progress) -> BenchReport:
        """Ours against always predicting the majority class."""
        train, test = self.split(self.demo_data(self.demo_size))
        ours = self.evaluate(self.fit(train), test)
        majority = float(max(test["y"].mean(), 1 - test["y"].mean()))
        return BenchReport(
            service=self.info.id,
            dataset="démo",
            rows=[
                BenchRow("régression logistique", {"accuracy": ours["accuracy"]}),
                BenchRow("classe majoritaire", {"accuracy": majority}),
            ],
        )


def summary_router(service: ToyService) -> APIRouter:
    """The toy service's router: a summary page of its demo batch (mounted under /services/<id>)."""
    from iapublique.web.security import csrf_token

    router = APIRouter(include_in_schema=False)

    @router.get("/resume", response_class=HTMLResponse)
    def summary(request: Request, user: CurrentUser) -> HTMLResponse:
        """Mean, minimum and maximum of each measurement, and the share predicted as class 1."""
        batch = service.demo_batch()
        stats = [(f, float(batch[f].mean()), float(batch[f].min()), float(batch[f].max())) for f in FEATURES]
        try:
            scored = runner.score(service, batch.rename(columns={"ident": "identifiant"}))
            positive: float | None = float(scored["label"].mean())
            version = str(scored["model_version"].iloc[0])
        except ArtifactError:
            positive, version = None, ""
        request.state.user = user
        env = request.app.state.templates.env
        html = env.from_string(SUMMARY_PAGE).render(
            request=request,
            user=user,
            csrf_token=csrf_token(request),
            current_path=request.url.path,
            title="Résumé",
            size=len(batch),
            stats=stats,
            positive=positive,
            version=version,
        )
        return HTMLResponse(html)

    return router


class SlowToyService(ToyService):
    """The toy service, slowed down (0.2 s per 10 rows) so a worker can be killed mid-job."""

    info = ToyService.info.model_copy(update={"id": "toy_slow"})

    def run(self, model: LogisticRegression, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """Score in chunks of 10 rows, sleeping between chunks and reporting progress."""
        parts = []
        for start in range(0, len(records), 10):
            time.sleep(0.2)
            parts.append(super().run(model, records.iloc[start : start + 10]))
            progress(min(start + 10, len(records)), len(records), "lent")
        return pd.concat(parts, ignore_index=True)


class GroupedToyService(ToyService):
    """The toy service scored against each group's own mean: wrong unless a group is scored whole."""

    info = ToyService.info.model_copy(update={"id": "toy_grouped"})
    partition_key: ClassVar[str | None] = "ident"

    def run(self, model: LogisticRegression, records: pd.DataFrame, progress: ProgressFn = no_progress) -> pd.DataFrame:
        """The base score, with the group's row count as label (it changes if a group is split)."""
        out = super().run(model, records)
        out["label"] = records.groupby("ident")["x1"].transform("size").to_numpy(int)
        return out


class LearningToyService(ToyService):
    """The toy service that learns from agents' corrections of its label."""

    info = ToyService.info.model_copy(update={"id": "toy_learning"})

    def feedback_rows(self, feedback: pd.DataFrame) -> pd.DataFrame:
        """Corrected labels become training rows."""
        if "correction_label" not in feedback.columns:
            return pd.DataFrame()
        rows = feedback[feedback["verdict"] == "correct"]
        return pd.DataFrame(
            {
                "ident": rows["item_key"],
                "x1": rows["x1"].astype(float),
                "x2": rows["x2"].astype(float),
                "y": rows["correction_label"].astype(int),
            }
        )
