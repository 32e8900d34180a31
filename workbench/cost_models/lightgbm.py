"""A LightGBM GBDT cost model on MetaSchedule's per-store features, built for speed.

What it is and why (measured on recorded tuning data; see README "Cost models" and
``BENCHMARKS.md``):

- **Features and pooling**: MetaSchedule's ``PerStoreFeature`` (164 floats per buffer store);
  a candidate's score is the sum of its stores' scores (pack-sum, as ``XGBModel``), so the
  trees see one row per store and no information is pooled away before training.
- **Objective**: ``rank`` by default: a pairwise logistic (RankNet) loss on the pack-sum
  scores, pairs taken within one workload (the "query"), each pair weighted by the gap of
  the two candidates' normalized throughputs ``min cost / cost`` (as LambdaRank weights pairs
  by what swapping them costs). The search only uses the model to order candidates, so a
  ranking loss fits the task. Tried against it on recorded data (held-out quarter, 8 splits,
  ``benchmarks/cost_models.py study``): ``regression`` (squared error of the pack-sum score
  against normalized throughput, weighted by it: ``XGBModel``'s objective) and
  ``lambdarank`` (LightGBM's own, on candidate rows pooled by summing their stores). Spearman
  on held-out candidates, matmul 128 / conv2d 28x28: rank 0.55 / 0.39, regression
  0.45 / 0.31, lambdarank 0.34 / 0.34 (XGBModel 0.34 / 0.19); top-8 recall rank
  0.61 / 0.34, regression 0.61 / 0.25, lambdarank 0.52 / 0.17. Pack-sum pooling keeps
  per-store detail that summing features first (lambdarank here) loses.
- **Speed**: one thread (OpenMP threads cost more than they gain on this little data,
  and far more while the builder keeps the cores busy), 15 leaves, 63 histogram bins, a fixed 60
  boosting rounds (no early stopping on the training set, which XGBModel pays up to 10000
  rounds for), and retraining from scratch only when the data grew by 20% (cheap on the
  small data of one tuning run).
- **Scores as they come**: the ranking objective's scores are logits on no fixed scale (about
  45% of a run's candidates score below 0), and MetaSchedule's evolutionary search clamps
  negative scores to 0 and picks each generation's parents in proportion to the score. Mapping
  them to ``(0, 1)`` first (``score_map="logistic"``: the same order, milder selection) was
  measured side by side and did not help at 128 trials; at 256 trials its gain in one sitting
  did not replicate in the next (``BENCHMARKS.md``, "score map"), so the default passes them on
  unchanged (``score_map="raw"``).
- **Warm-up**: it scores randomly until 16 candidates are measured (``XGBModel`` waits for
  100, which with 64 candidates per round leaves the first two rounds unguided).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tvm.ir.utils import derived_object

from .base import FeatureModel, _pack

__all__ = ["LightGBMModel", "make", "OBJECTIVES"]

OBJECTIVES = ("rank", "regression", "lambdarank")
SCORE_MAPS = ("logistic", "raw")


class LightGBMBase(FeatureModel):
    """LightGBM on per-store features (undecorated; subclass this, not the derived object).

    Parameters
    ----------
    objective : str
        ``rank`` (default), ``regression`` or ``lambdarank`` (see the module docstring).
    num_leaves, num_boost_round, learning_rate : int, int, float
        Booster size.
    score_map : str
        How the scores of the ranking objectives (``rank``, ``lambdarank``: logits on no fixed
        scale) reach the search: ``raw`` (default) passes them on; ``logistic`` maps them to
        ``(0, 1)`` by a logistic curve fitted to the training candidates' scores (their median
        to 0.5, the width of their middle half to that of ``(0.25, 0.75)``). The order, and so
        the candidates picked from one population, is the same under both; the evolutionary
        search clamps negative scores to 0 and picks parents in proportion to the score, so the
        map gives the candidates scored below 0 a chance to be mutated. Measured: no gain that
        replicated.
    **kwargs
        :class:`~workbench.cost_models.base.FeatureModel` settings.
    """

    def __init__(
        self,
        *,
        objective: str = "rank",
        num_leaves: int = 15,
        num_boost_round: int = 60,
        learning_rate: float = 0.15,
        score_map: str = "raw",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        from ..errors import unknown_choice

        if objective not in OBJECTIVES:
            raise unknown_choice("LightGBM objective", objective, OBJECTIVES)
        if score_map not in SCORE_MAPS:
            raise unknown_choice("score map", score_map, SCORE_MAPS)
        self.objective = objective
        self.score_map = score_map
        #: Center and scale of the logistic score map (``None``: scores pass unchanged).
        self.score_center: float | None = None
        self.score_scale = 1.0
        self.num_leaves = num_leaves
        self.num_boost_round = num_boost_round
        self.learning_rate = learning_rate

    def _params(self) -> dict[str, Any]:
        return {
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": 2,
            "min_sum_hessian_in_leaf": 1e-6,
            "max_bin": 63,
            "num_threads": self.num_threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "feature_pre_filter": False,
            "verbosity": -1,
        }

    # ------------------------------------------------------------------ training
    def _labels(self, ys: np.ndarray, group_of: np.ndarray) -> np.ndarray:
        """Training labels from normalized throughput (identity here; fi-reduced reshapes)."""
        return ys

    def _fit(self, features: list[np.ndarray], group_of: np.ndarray, ys: np.ndarray) -> None:
        self.booster = self._train_booster(features, group_of, self._labels(ys, group_of))
        self._fit_score_map(features)

    def _fit_score_map(self, features: list[np.ndarray]) -> None:
        """Fit the logistic score map to the training candidates' raw scores."""
        self.score_center = None
        if self.score_map != "logistic" or self.objective == "regression":
            return
        raw = self._raw_scores(features)
        q25, q50, q75 = np.quantile(raw, [0.25, 0.5, 0.75])
        # An interquartile range of 2 ln 3 in z spans (0.25, 0.75): logistic(ln 3) = 0.75.
        self.score_center = float(q50)
        self.score_scale = float(max(q75 - q25, 1e-9) / (2 * np.log(3.0)))

    def _train_booster(
        self,
        features: list[np.ndarray],
        group_of: np.ndarray,
        ys: np.ndarray,
        columns: np.ndarray | None = None,
    ) -> Any:
        import lightgbm as lgb

        params = self._params()
        if self.objective == "lambdarank":
            pooled = np.stack([f.sum(axis=0) for f in features])
            if columns is not None:
                pooled = pooled[:, columns]
            order = np.argsort(group_of, kind="stable")
            rel = np.minimum(np.floor(ys[order] * 20), 30).astype(int)
            data = lgb.Dataset(
                pooled[order],
                label=rel,
                group=np.bincount(group_of)[np.unique(group_of)],
                params={"max_bin": 63, "verbosity": -1, "feature_pre_filter": False},
            )
            params.update(objective="lambdarank", lambdarank_truncation_level=32)
            return lgb.train(params, data, num_boost_round=self.num_boost_round)
        rows, ids = _pack(features)
        if columns is not None:
            rows = rows[:, columns]
        data = lgb.Dataset(
            rows,
            label=ys[ids],
            params={"max_bin": 63, "verbosity": -1, "feature_pre_filter": False},
        )
        if self.objective == "regression":
            objective = _packsum_square_error(ids, ys, len(features))
        else:
            objective = _packsum_pairwise(ids, ys, group_of, len(features), self.seed)
        params["objective"] = objective
        return lgb.train(params, data, num_boost_round=self.num_boost_round)

    # ------------------------------------------------------------------ prediction
    def predict_features(self, features: list[np.ndarray]) -> np.ndarray:
        raw = self._raw_scores(features)
        if self.score_center is None or not len(raw):
            return raw
        z = (raw - self.score_center) / self.score_scale
        return 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))

    def _raw_scores(self, features: list[np.ndarray]) -> np.ndarray:
        if not features:
            return np.zeros(0)
        if self.objective == "lambdarank":
            pooled = np.stack([f.sum(axis=0) for f in features])
            return np.asarray(self._predict_rows(pooled), dtype=float)
        return super().predict_features(features)

    def _predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.booster.predict(rows, num_threads=self.num_threads)

    def feature_importance(self) -> np.ndarray:
        if self.booster is None:
            return np.zeros(164)
        return np.asarray(self.booster.feature_importance("gain"), dtype=float)

    # ------------------------------------------------------------------ persistence
    def _booster_bytes(self) -> bytes:
        return self.booster.model_to_string().encode() if self.booster is not None else b""

    def _booster_from_bytes(self, data: bytes) -> Any:
        import lightgbm as lgb

        return lgb.Booster(model_str=data.decode())

    def _extra_state(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "score_map": self.score_map,
            "score_center": self.score_center,
            "score_scale": self.score_scale,
        }

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        self.objective = state.get("objective", self.objective)
        self.score_map = state.get("score_map", "raw")
        self.score_center = state.get("score_center")
        self.score_scale = state.get("score_scale", 1.0)


def _packsum_square_error(ids: np.ndarray, ys: np.ndarray, n: int):
    """Squared error of pack-sum scores, weighted by the label (``XGBModel``'s objective)."""

    def objective(preds: np.ndarray, _data: Any):
        score = np.bincount(ids, weights=preds, minlength=n)
        y = ys[ids]
        grad = (score[ids] - y) * y
        hess = np.maximum(y, 1e-6)
        return grad, hess

    return objective


def _packsum_pairwise(ids: np.ndarray, ys: np.ndarray, group_of: np.ndarray, n: int, seed: int):
    """Pairwise logistic loss of pack-sum scores, pairs within a workload, weighted by label gap."""
    rng = np.random.default_rng(seed)
    members = [np.nonzero(group_of == g)[0] for g in np.unique(group_of)]
    # Compare each candidate with at most 512 others of its workload (random subset).
    partners = [m if len(m) <= 512 else rng.choice(m, 512, replace=False) for m in members]

    def objective(preds: np.ndarray, _data: Any):
        score = np.bincount(ids, weights=preds, minlength=n)
        grad = np.zeros(n)
        hess = np.zeros(n)
        for m, p in zip(members, partners):
            s, y = score[m], ys[m]
            sp, yp = score[p], ys[p]
            w = np.abs(y[:, None] - yp[None, :])
            sign = np.sign(y[:, None] - yp[None, :])
            sig = 1.0 / (1.0 + np.exp(np.clip(sign * (s[:, None] - sp[None, :]), -30, 30)))
            grad[m] += -(w * sign * sig).sum(axis=1) / len(p)
            hess[m] += (w * sig * (1 - sig)).sum(axis=1) / len(p)
        return grad[ids], np.maximum(hess[ids], 1e-6)

    return objective


@derived_object
class LightGBMModel(LightGBMBase):
    """The ``lightgbm`` cost model (see the module docstring)."""


def make(*, seed: int = 0, num_threads: int = 1, **kwargs: Any):
    """A :class:`LightGBMModel` with the workbench's defaults (objective ``rank``)."""
    # One thread: on a tuning run's small data, OpenMP threads cost more than they gain, and
    # far more when the builder keeps the other cores busy (measured: 60 ms vs seconds).
    # Feature extraction (C++, one candidate per thread) does use the cores.
    kwargs.setdefault("extract_threads", num_threads)
    return LightGBMModel(seed=seed, num_threads=1, **kwargs)
