"""``fi-reduced``: LightGBM on the feature dimensions that carry the importance, with
redistributed labels.

It uses the ``regression`` objective (pack-sum squared error, as ``XGBModel``) so that the
label redistribution shapes the loss; with the ranking objective labels only weight pairs.
On the recorded data (``benchmarks/cost_models.py study``) regression on quantile labels
ranked held-out candidates better than on raw labels (Spearman 0.50 vs 0.44 on matmul 128,
0.33 vs 0.30 on conv2d), about as well as on ``y ** 0.5`` (0.47 / 0.34).

Rules (all documented in README "Cost models"):

- **Importance**: the total split gain of each of the 164 per-store dimensions in a LightGBM
  booster trained on all dimensions.
- **Selection**: keep the most important dimensions until they carry ``keep_gain`` (95%) of
  the total gain, and never fewer than ``min_features`` (8). Dimensions with zero gain (most
  of the 164 on one workload: they never vary) are always dropped.
- **Cadence**: the selection is refreshed whenever the data has doubled since the last one
  (the first at the first training, then at 2x, 4x, ... the candidates); in between, the
  reduced booster is retrained on the kept dimensions whenever the data grew by 20%.
- **Label redistribution**: normalized throughput ``y = min cost / cost`` is dense near 0
  (most candidates are several times slower than the best). Training labels are the
  per-workload quantile ranks of ``y`` (``rank / (n - 1)``, failed candidates 0), which
  spreads the dense low-throughput region evenly over ``[0, 1]`` while keeping the order.
  ``labels="power"`` uses ``y ** 0.5`` instead and ``labels="none"`` keeps ``y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tvm.ir.utils import derived_object

from .data import FEATURE_DIM
from .lightgbm import LightGBMBase

__all__ = ["FIReducedModel", "make", "select_features", "redistribute"]

LABEL_TRANSFORMS = ("quantile", "power", "none")


def select_features(gain: np.ndarray, keep_gain: float = 0.95, min_features: int = 8) -> np.ndarray:
    """Indices (sorted) of the dimensions carrying ``keep_gain`` of the total gain.

    Parameters
    ----------
    gain : array of float
        Importance (gain) of every dimension.
    keep_gain : float
        Share of the total gain the kept dimensions must carry.
    min_features : int
        Keep at least this many dimensions with non-zero gain (fewer when fewer have any).
    """
    gain = np.asarray(gain, dtype=float)
    total = gain.sum()
    nonzero = int((gain > 0).sum())
    if total <= 0:
        return np.arange(len(gain))
    order = np.argsort(-gain, kind="stable")
    share = np.cumsum(gain[order]) / total
    count = int(np.searchsorted(share, keep_gain - 1e-12) + 1)
    count = min(max(count, min(min_features, nonzero)), nonzero)
    return np.sort(order[:count])


def redistribute(ys: np.ndarray, group_of: np.ndarray, how: str = "quantile") -> np.ndarray:
    """Spread the dense low-throughput region of normalized-throughput labels.

    ``quantile``: per workload, ``rank / (n - 1)`` of each candidate's throughput (ties share
    their mean rank; failed candidates, label 0, stay 0). ``power``: ``ys ** 0.5``.
    ``none``: ``ys``.
    """
    if how == "none":
        return ys
    if how == "power":
        return np.sqrt(ys)
    from scipy.stats import rankdata

    out = np.zeros_like(ys, dtype=float)
    for g in np.unique(group_of):
        idx = np.nonzero(group_of == g)[0]
        ok = idx[ys[idx] > 0]
        if len(ok) == 1:
            out[ok] = 1.0
        elif len(ok) > 1:
            out[ok] = (rankdata(ys[ok]) - 1) / (len(ok) - 1)
            out[ok] = np.maximum(out[ok], 1.0 / len(ok))  # keep every working candidate > 0
    return out


class FIReducedBase(LightGBMBase):
    """LightGBM on importance-selected dimensions with redistributed labels.

    Parameters
    ----------
    keep_gain : float
        Share of the total gain the kept dimensions carry (default 0.95).
    min_features : int
        Least number of kept dimensions (default 8).
    labels : str
        ``quantile`` (default), ``power`` or ``none`` (see :func:`redistribute`).
    **kwargs
        :class:`~workbench.cost_models.lightgbm.LightGBMBase` settings.
    """

    def __init__(
        self,
        *,
        keep_gain: float = 0.95,
        min_features: int = 8,
        labels: str = "quantile",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if labels not in LABEL_TRANSFORMS:
            from ..errors import unknown_choice

            raise unknown_choice("label transform", labels, LABEL_TRANSFORMS)
        self.keep_gain = keep_gain
        self.min_features = min_features
        self.labels = labels
        self.columns: np.ndarray | None = None
        self.full_gain = np.zeros(FEATURE_DIM)
        self.last_select_size = 0
        self.selections = 0

    def _labels(self, ys: np.ndarray, group_of: np.ndarray) -> np.ndarray:
        return redistribute(ys, group_of, self.labels)

    def _fit(self, features: list[np.ndarray], group_of: np.ndarray, ys: np.ndarray) -> None:
        labels = self._labels(ys, group_of)
        if self.columns is None or self.data_size >= 2 * self.last_select_size:
            full = self._train_booster(features, group_of, labels)
            self.full_gain = np.asarray(full.feature_importance("gain"), dtype=float)
            self.columns = select_features(self.full_gain, self.keep_gain, self.min_features)
            self.last_select_size = self.data_size
            self.selections += 1
        self.booster = self._train_booster(features, group_of, labels, columns=self.columns)
        self._fit_score_map(features)

    def _predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.booster.predict(rows[:, self.columns], num_threads=self.num_threads)

    @property
    def num_features(self) -> int:
        """Dimensions the current booster uses (164 before the first training)."""
        return FEATURE_DIM if self.columns is None else len(self.columns)

    def feature_importance(self) -> np.ndarray:
        """Gain of every dimension in the full-dimension booster of the last selection."""
        return self.full_gain.copy()

    def _extra_state(self) -> dict[str, Any]:
        return {
            **super()._extra_state(),
            "columns": None if self.columns is None else [int(c) for c in self.columns],
            "full_gain": [float(g) for g in self.full_gain],
            "last_select_size": self.last_select_size,
            "selections": self.selections,
            "labels": self.labels,
        }

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        super()._load_extra_state(state)
        cols = state.get("columns")
        self.columns = None if cols is None else np.asarray(cols, dtype=np.int64)
        self.full_gain = np.asarray(state.get("full_gain", self.full_gain), dtype=float)
        self.last_select_size = state.get("last_select_size", 0)
        self.selections = state.get("selections", 0)
        self.labels = state.get("labels", self.labels)


@derived_object
class FIReducedModel(FIReducedBase):
    """The ``fi-reduced`` cost model (see the module docstring)."""


def make(*, seed: int = 0, num_threads: int = 1, **kwargs: Any):
    """A :class:`FIReducedModel` with the workbench's defaults."""
    # One thread: on a tuning run's small data, OpenMP threads cost more than they gain, and
    # far more when the builder keeps the other cores busy (measured: 60 ms vs seconds).
    # Feature extraction (C++, one candidate per thread) does use the cores.
    kwargs.setdefault("extract_threads", num_threads)
    kwargs.setdefault("objective", "regression")
    return FIReducedModel(seed=seed, num_threads=1, **kwargs)
