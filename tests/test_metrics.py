from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.metrics import pairwise_accuracy, ranking_metrics, spearman, topk_recall


def test_perfect_and_reversed_rankings():
    m = np.arange(20, dtype=float)
    assert spearman(m * 3 + 1, m) == pytest.approx(1.0)
    assert spearman(-m, m) == pytest.approx(-1.0)
    assert pairwise_accuracy(m, m) == 1.0 and pairwise_accuracy(-m, m) == 0.0
    assert topk_recall(m, m, k=8) == 1.0 and topk_recall(-m, m, k=8) == 0.0


def test_failed_candidates_are_left_out():
    pred = [1.0, 2.0, 3.0, 100.0]
    measured = [1.0, 2.0, 3.0, float("nan")]
    assert spearman(pred, measured) == pytest.approx(1.0)
    assert pairwise_accuracy(pred, measured) == 1.0


def test_partial_topk_and_small_batches():
    m = np.arange(10, dtype=float)
    pred = m.copy()
    pred[9] = -1  # the measured best is ranked last by the model
    assert topk_recall(pred, m, k=2) == 0.5
    assert math.isnan(topk_recall(m[:8], m[:8], k=8))  # every candidate is in the top 8
    assert math.isnan(spearman([1, 2], [1, 2]))


def test_ties_share_ranks():
    assert spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486832980505138)
    assert set(ranking_metrics([1, 2, 3], [1, 2, 3])) == {"spearman", "pairwise_accuracy", "topk_recall"}
