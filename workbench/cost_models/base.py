"""The small base class of the workbench's own cost models.

A :class:`FeatureModel` is a MetaSchedule ``PyCostModel`` on per-store features
(``PerStoreFeature``: one 164-float vector per buffer store of a candidate). It keeps every
measured candidate's features and cost per workload (keyed by the structural hash of the
task's module, as ``XGBModel`` does), scores a candidate as the sum of its stores' scores
("pack-sum" pooling, as ``XGBModel`` does with ``np.bincount``), and saves and loads its data
and booster in one ``.npz`` file. Subclasses implement :meth:`_fit` and :meth:`_predict_rows`.

Labels: a candidate's normalized throughput ``y = min cost of its workload / its cost`` in
``(0, 1]`` (0 for a failed candidate), the label MetaSchedule's XGBoost model trains on.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import numpy as np
from tvm.s_tir.meta_schedule.cost_model import PyCostModel

from .data import FEATURE_DIM, extract_features, mean_cost

__all__ = ["FeatureModel"]


class FeatureModel(PyCostModel):
    """Per-store-feature cost model base: data store, pack-sum pooling, save/load.

    Parameters
    ----------
    seed : int
        Seed of the model's own randomness (random scores before it is trained, boosting).
    num_threads : int
        Threads for training and prediction.
    warmup : int
        Below this many measured candidates the model scores randomly (``XGBModel`` uses 100).
    retrain_growth : float
        Retrain only when the data grew by this share since the last training (``XGBModel``'s
        adaptive training uses 0.2); 0 retrains on every update.
    extract_threads : int
        Threads for feature extraction (the search's own context may use fewer).
    cache_size : int
        Feature vectors kept per candidate module (keyed by its structural hash). The
        evolutionary search scores many schedules again from one genetic iteration and one round
        to the next, and extracting per-store features costs far more than hashing.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        num_threads: int = 1,
        warmup: int = 16,
        retrain_growth: float = 0.2,
        extract_threads: int = 1,
        cache_size: int = 20000,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.num_threads = max(1, int(num_threads))
        self.warmup = warmup
        self.retrain_growth = retrain_growth
        self.groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.data_size = 0
        self.last_train_size = 0
        self.booster: Any = None
        self.fits = 0
        self._rng = np.random.default_rng(seed)
        self.extract_threads = max(1, int(extract_threads))
        self.cache_size = cache_size
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._contexts: dict[int, tuple[Any, Any]] = {}
        self.cache_hits = 0
        self.cache_misses = 0

    # ------------------------------------------------------------------ MetaSchedule API
    def update(self, context: Any, candidates: list[Any], results: list[Any]) -> None:
        """Add measured candidates and retrain when the data grew enough."""
        from tvm.s_tir.meta_schedule.utils import shash2hex

        if not candidates:
            return
        feats = self._features(context, candidates)
        costs = [mean_cost(r) for r in results]
        self.add(shash2hex(context.mod), feats, costs)

    def predict(self, context: Any, candidates: list[Any]) -> np.ndarray:
        """Scores (higher is faster) of ``candidates``; random before the model is trained."""
        if not candidates:
            return np.zeros(0)
        if self.booster is None or self.data_size < self.warmup:
            # Exactly what XGBModel does before it is trained (NumPy's global generator, which
            # the session seeds): with the same seed, every model's first round is the same.
            return np.random.uniform(0, 1, len(candidates))
        return self.predict_features(self._features(context, candidates))

    def _features(self, context: Any, candidates: list[Any]) -> list[np.ndarray]:
        """Per-store features of ``candidates``, from the cache where they were seen before."""
        from tvm_ffi import structural_hash

        keys = [structural_hash(c.sch.mod) for c in candidates]
        missing = [i for i, k in enumerate(keys) if k not in self._cache]
        self.cache_hits += len(keys) - len(missing)
        self.cache_misses += len(missing)
        fresh = {}
        if missing:
            ctx = self._extract_context(context)
            for i, f in zip(missing, extract_features(ctx, [candidates[i] for i in missing])):
                fresh[keys[i]] = f
        out = [fresh[k] if k in fresh else self._cache[k] for k in keys]
        for k, f in fresh.items():
            self._cache[k] = f
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

    def _extract_context(self, context: Any) -> Any:
        """``context``, or a copy with ``extract_threads`` threads for feature extraction."""
        if self.extract_threads <= 1 or context.num_threads >= self.extract_threads:
            return context
        key = id(context)
        if key not in self._contexts:
            from tvm.s_tir.meta_schedule import TuneContext

            clone = TuneContext(
                context.mod, target=context.target, num_threads=self.extract_threads
            )
            self._contexts[key] = (context, clone)  # holds ``context`` so its id stays unique
        return self._contexts[key][1]

    def save(self, path: str) -> None:
        """Write data, booster and state to ``path`` (an ``.npz`` file)."""
        feats, offsets, costs, group_ids = self._stacked()
        state = {
            "class": type(self).__name__,
            "groups": list(self.groups),
            "data_size": self.data_size,
            "last_train_size": self.last_train_size,
            "fits": self.fits,
            **self._extra_state(),
        }
        booster = self._booster_bytes()
        with open(path, "wb") as f:
            np.savez(
                f,
                features=feats,
                offsets=offsets,
                costs=costs,
                group_ids=group_ids,
                state=np.frombuffer(json.dumps(state).encode(), dtype=np.uint8),
                booster=np.frombuffer(booster, dtype=np.uint8),
                rng=np.frombuffer(json.dumps(self._rng.bit_generator.state).encode(), np.uint8),
            )

    def load(self, path: str) -> None:
        """Restore what :meth:`save` wrote."""
        with np.load(path) as z:
            state = json.loads(z["state"].tobytes().decode())
            feats, offsets, costs, gids = z["features"], z["offsets"], z["costs"], z["group_ids"]
            booster = z["booster"].tobytes()
            self._rng.bit_generator.state = json.loads(z["rng"].tobytes().decode())
        self.groups = OrderedDict()
        for gi, name in enumerate(state["groups"]):
            idx = np.nonzero(gids == gi)[0]
            self.groups[name] = {
                "features": [feats[offsets[i] : offsets[i + 1]] for i in idx],
                "costs": costs[idx].astype(np.float64),
            }
        self.data_size = state["data_size"]
        self.last_train_size = state["last_train_size"]
        self.fits = state["fits"]
        self._load_extra_state(state)
        self.booster = self._booster_from_bytes(booster) if booster else None

    # ------------------------------------------------------------------ feature-level API
    def add(self, group: str, features: list[np.ndarray], costs: list[float]) -> None:
        """Add candidates (per-store feature arrays and costs in seconds) of workload ``group``."""
        keep = [i for i, f in enumerate(features) if len(f)]
        if not keep:
            return
        feats = [np.asarray(features[i], dtype=np.float32) for i in keep]
        cost_arr = np.asarray([costs[i] for i in keep], dtype=np.float64)
        g = self.groups.setdefault(group, {"features": [], "costs": np.zeros(0)})
        g["features"].extend(feats)
        g["costs"] = np.concatenate([g["costs"], cost_arr])
        self.data_size += len(feats)
        if self.booster is not None and (
            self.data_size - self.last_train_size < self.last_train_size * self.retrain_growth
        ):
            return
        self.retrain()

    def retrain(self) -> None:
        """Train on all stored data now."""
        if not self.data_size:
            return
        self.last_train_size = self.data_size
        feats, group_of, ys = self.training_data()
        self._fit(feats, group_of, ys)
        self.fits += 1

    def training_data(self) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """All candidates: features, group index of each, normalized throughput label."""
        feats: list[np.ndarray] = []
        group_of, ys = [], []
        for gi, g in enumerate(self.groups.values()):
            costs = g["costs"]
            ok = costs < 1e9
            best = costs[ok].min() if ok.any() else 1.0
            y = np.where(ok, best / np.where(ok, costs, 1.0), 0.0)
            feats.extend(g["features"])
            group_of.append(np.full(len(costs), gi))
            ys.append(y)
        return feats, np.concatenate(group_of), np.concatenate(ys)

    def predict_features(self, features: list[np.ndarray]) -> np.ndarray:
        """Scores of candidates given their per-store feature arrays (trained model)."""
        if not features:
            return np.zeros(0)
        rows, ids = _pack(features)
        return np.bincount(ids, weights=self._predict_rows(rows), minlength=len(features))

    def feature_importance(self) -> np.ndarray:
        """Total gain of each of the 164 per-store feature dimensions in the current booster."""
        raise NotImplementedError

    # ------------------------------------------------------------------ for subclasses
    def _fit(self, features: list[np.ndarray], group_of: np.ndarray, ys: np.ndarray) -> None:
        raise NotImplementedError

    def _predict_rows(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _booster_bytes(self) -> bytes:
        return b""

    def _booster_from_bytes(self, data: bytes) -> Any:
        return None

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        pass

    def _stacked(self):
        feats, offsets, costs, gids = [], [0], [], []
        for gi, g in enumerate(self.groups.values()):
            for f in g["features"]:
                feats.append(f)
                offsets.append(offsets[-1] + len(f))
            costs.append(g["costs"])
            gids.append(np.full(len(g["costs"]), gi))
        return (
            np.concatenate(feats).astype(np.float32)
            if feats
            else np.zeros((0, FEATURE_DIM), np.float32),
            np.asarray(offsets, dtype=np.int64),
            np.concatenate(costs) if costs else np.zeros(0),
            np.concatenate(gids).astype(np.int64) if gids else np.zeros(0, np.int64),
        )


def _pack(features: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack candidates' store rows; ``ids[r]`` is the candidate of row ``r``."""
    rows = np.concatenate(features, axis=0)
    ids = np.repeat(np.arange(len(features)), [len(f) for f in features])
    return rows, ids
