"""Quality figures of a clustering into series against the truth: pairwise, B-cubed, ARI, false merges.

Isolated requêtes (empty truth, label -1) are singletons on both sides: a pair counts only when both
requêtes are in the same series.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score


def _codes(truth: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer cluster codes with every isolated requête its own singleton."""
    n = len(truth)
    t = np.asarray(truth).astype(str)
    _, t_codes = np.unique(t, return_inverse=True)
    t_codes = np.where(t == "", n + np.arange(n), t_codes)
    p = np.asarray(labels).astype(np.int64)
    p_codes = np.where(p < 0, n + np.arange(n), p)
    return t_codes.astype(np.int64), p_codes.astype(np.int64)


def _pairs(counts: np.ndarray) -> float:
    """Number of unordered pairs within groups of the given sizes."""
    c = counts.astype(np.float64)
    return float((c * (c - 1) / 2).sum())


def clustering_figures(truth: np.ndarray, labels: np.ndarray, styles: np.ndarray | None = None) -> dict[str, float]:
    """pairwise precision/recall/F1, B-cubed precision/recall/F1, ARI, false merges of isolated requêtes."""
    t, p = _codes(truth, labels)
    n = len(t)
    if n == 0:
        return {"pairwise_f1": 0.0, "bcubed_f1": 0.0, "ari": 0.0, "singleton_false_merge_rate": 0.0}
    joint = t * (2 * n + 1) + p
    _, joint_counts = np.unique(joint, return_counts=True)
    _, t_inv, t_counts = np.unique(t, return_inverse=True, return_counts=True)
    _, p_inv, p_counts = np.unique(p, return_inverse=True, return_counts=True)
    tp = _pairs(joint_counts)
    pred_pairs = _pairs(p_counts)
    true_pairs = _pairs(t_counts)
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    _, j_inv, j_counts = np.unique(joint, return_inverse=True, return_counts=True)
    common = j_counts[j_inv].astype(np.float64)
    b_precision = float((common / p_counts[p_inv]).mean())
    b_recall = float((common / t_counts[t_inv]).mean())
    b_f1 = 2 * b_precision * b_recall / (b_precision + b_recall) if b_precision + b_recall else 0.0
    isolated = np.asarray(truth).astype(str) == ""
    merged = isolated & (p_counts[p_inv] > 1)
    out = {
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "pairwise_f1": round(f1, 4),
        "bcubed_precision": round(b_precision, 4),
        "bcubed_recall": round(b_recall, 4),
        "bcubed_f1": round(b_f1, 4),
        "ari": round(float(adjusted_rand_score(t, p)), 4),
        "singleton_false_merge_rate": round(float(merged.sum() / max(1, isolated.sum())), 4),
    }
    if styles is not None:
        rewritten = np.asarray(styles).astype(str) == "reecriture"
        if rewritten.any():
            tr = np.where(rewritten, t, -1 - np.arange(n))
            joint_r = tr * (2 * n + 1) + p
            _, jc = np.unique(joint_r[rewritten], return_counts=True)
            _, tc = np.unique(tr[rewritten], return_counts=True)
            out["paraphrase_series_recall"] = round(_pairs(jc) / max(1.0, _pairs(tc)), 4)
    return out


def majority_map(truth: np.ndarray, labels: np.ndarray) -> dict[int, str]:
    """The true series most of each predicted series' members belong to (empty when mostly isolated)."""
    out: dict[int, str] = {}
    t = np.asarray(truth).astype(str)
    for label in np.unique(labels[labels >= 0]):
        values, counts = np.unique(t[labels == label], return_counts=True)
        out[int(label)] = str(values[int(np.argmax(counts))])
    return out
