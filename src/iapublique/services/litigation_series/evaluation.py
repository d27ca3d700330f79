"""The service's quality figures: clustering of a corpus and registration of the requêtes that follow it.

A labelled corpus is cut in time: the first 80 % is clustered with the calibration of a model fitted on
another corpus (never on this one), the last 20 % is registered one by one against that index. The
figures are those of the issue: pairwise, B-cubed, ARI, false merges of isolated requêtes, recall on
rewritten series, and assignment accuracy of new requêtes.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from iapublique.core.service import ProgressFn, no_progress
from iapublique.services.litigation_series.metrics import clustering_figures, majority_map
from iapublique.services.litigation_series.model import Calibration, SeriesModel, registration_days

INDEX_SHARE = 0.8
"""Share of a corpus (the earliest requêtes) that is clustered; the rest is registered against it."""


def calibration_of(model: SeriesModel) -> Calibration:
    """The calibration a fitted model carries (to cluster another corpus the same way)."""
    return Calibration(np.asarray(model.coef_), float(model.intercept_), float(model.threshold), int(model.min_core),
                       int(model.min_size), float(model.attach_threshold), int(model.attach_links),
                       use_acts=bool(getattr(model, "use_acts", True)), stage=getattr(model, "membership_", None))


def time_split(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earliest 80 % (by registration date, then case number) and the rest."""
    order = data.assign(_d=pd.to_datetime(data["registered_on"], errors="coerce")).sort_values(
        ["_d", "case_id"], kind="stable").drop(columns="_d")
    cut = round(len(order) * INDEX_SHARE)
    return order.iloc[:cut].reset_index(drop=True), order.iloc[cut:].reset_index(drop=True)


def evaluate_corpus(model: SeriesModel, data: pd.DataFrame, progress: ProgressFn = no_progress) -> dict[str, float]:
    """Clustering figures on the earliest 80 % of ``data`` and assignment accuracy on the last 20 %."""
    if "series" not in data.columns:
        return unlabelled_figures(model, data, progress)
    data = data.assign(series=data["series"].fillna("").astype(str))
    indexed, new = time_split(data)
    progress(0, 3, "Regroupement du corpus d'évaluation")
    started = time.perf_counter()
    index = SeriesModel().fit(indexed.drop(columns=["series"]), calibration=calibration_of(model))
    seconds = time.perf_counter() - started
    truth = indexed["series"].to_numpy()
    styles = indexed["series_style"].fillna("").astype(str).to_numpy() if "series_style" in indexed.columns else None
    figures = clustering_figures(truth, index.labels_, styles)
    progress(1, 3, "Enregistrement des nouvelles requêtes")
    figures.update(assignment_figures(index, truth, new))
    progress(2, 3, "Mesures")
    figures.update({
        "n_requetes": float(len(data)),
        "n_indexed": float(len(indexed)),
        "n_registered": float(len(new)),
        "n_true_series": float(len(set(truth) - {""})),
        "n_found_series": float(int(index.labels_.max()) + 1 if len(index.labels_) else 0),
        "isolated_share": round(float((data["series"] == "").mean()), 4),
        "seconds_to_cluster": round(seconds, 2),
    })
    progress(3, 3, "Évaluation terminée")
    return figures


def assignment_figures(index: SeriesModel, truth: np.ndarray, new: pd.DataFrame) -> dict[str, float]:
    """Share of new requêtes sent to the right series (or to none when their series is not in the index)."""
    if new.empty:
        return {"assign_accuracy": 0.0}
    mapping = majority_map(truth, index.labels_)
    counts = pd.Series(truth[truth != ""]).value_counts()
    known = set(counts[counts >= max(2, index.min_size)].index)
    answers = index.assign(new["text"].astype(str).tolist(), registration_days(new["registered_on"]))
    correct: list[bool] = []
    in_series: list[bool] = []
    false_series = 0
    isolated = 0
    for answer, series in zip(answers, new["series"].astype(str), strict=True):
        predicted = mapping.get(int(answer["series"]), "") if answer["series"] >= 0 else ""
        assigned = answer["series"] >= 0
        if series in known:
            ok = assigned and predicted == series
            in_series.append(ok)
        else:
            ok = not assigned
            if series == "":
                isolated += 1
                false_series += int(assigned)
        correct.append(ok)
    return {
        "assign_accuracy": round(float(np.mean(correct)), 4),
        "assign_accuracy_series": round(float(np.mean(in_series)), 4) if in_series else 0.0,
        "assign_false_series_rate": round(false_series / max(1, isolated), 4),
    }


def unlabelled_figures(model: SeriesModel, data: pd.DataFrame, progress: ProgressFn = no_progress) -> dict[str, float]:
    """Without truth: how many series the calibrated clustering finds and how much of the corpus they hold."""
    progress(0, 1, "Regroupement du corpus")
    index = SeriesModel().fit(data, calibration=calibration_of(model))
    labels = index.labels_
    progress(1, 1, "Terminé")
    return {
        "n_requetes": float(len(data)),
        "n_found_series": float(int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0),
        "share_in_series": round(float((labels >= 0).mean()) if len(labels) else 0.0, 4),
    }
