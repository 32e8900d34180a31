"""Ranking metrics of a cost model on one measured batch (predicted score vs measured speed).

All take higher-is-better arrays: the model's score and the measured throughput (GFLOPS).
Candidates that failed carry NaN throughput and are left out.
"""

from __future__ import annotations

import numpy as np

__all__ = ["spearman", "pairwise_accuracy", "topk_recall", "ranking_metrics"]


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean rank), 0-based."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=float)
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def _valid(pred, measured):
    pred = np.asarray(pred, dtype=float)
    measured = np.asarray(measured, dtype=float)
    ok = np.isfinite(pred) & np.isfinite(measured)
    return pred[ok], measured[ok]


def spearman(pred, measured) -> float:
    """Spearman rank correlation; NaN with fewer than 3 points or a constant side."""
    p, m = _valid(pred, measured)
    if len(p) < 3:
        return float("nan")
    rp, rm = _ranks(p), _ranks(m)
    if rp.std() == 0 or rm.std() == 0:
        return float("nan")
    return float(np.corrcoef(rp, rm)[0, 1])


def pairwise_accuracy(pred, measured) -> float:
    """Share of pairs with different measured speed that the model orders correctly."""
    p, m = _valid(pred, measured)
    if len(p) < 2:
        return float("nan")
    dp = np.sign(p[:, None] - p[None, :])
    dm = np.sign(m[:, None] - m[None, :])
    mask = np.triu(dm != 0, k=1)
    if not mask.any():
        return float("nan")
    return float((dp[mask] == dm[mask]).mean())


def topk_recall(pred, measured, k: int = 8) -> float:
    """Of the measured best ``k``, the share the model placed in its own top ``k``.

    NaN when the batch has no more than ``k`` valid candidates (every one is in the top ``k``).
    """
    p, m = _valid(pred, measured)
    if len(p) <= k:
        return float("nan")
    best_measured = set(np.argsort(-m, kind="mergesort")[:k].tolist())
    best_predicted = set(np.argsort(-p, kind="mergesort")[:k].tolist())
    return len(best_measured & best_predicted) / k


def ranking_metrics(pred, measured, k: int = 8) -> dict[str, float]:
    """The three metrics in one dict (keys ``spearman``, ``pairwise_accuracy``, ``topk_recall``)."""
    return {
        "spearman": spearman(pred, measured),
        "pairwise_accuracy": pairwise_accuracy(pred, measured),
        "topk_recall": topk_recall(pred, measured, k),
    }
