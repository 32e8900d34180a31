"""Cost models, chosen by name.

Every model is a MetaSchedule ``CostModel`` (the C++ evolutionary search calls it directly),
built by a factory registered here under a name:

>>> import workbench
>>> workbench.cost_models.available()
['fi-reduced', 'lightgbm', 'random', 'xgboost']

Modules are imported only when their model is created, so ``import workbench`` stays light.

Besides creating models, this module saves and loads them (:func:`save`, :func:`load`, one file
per model in a run directory: :func:`filename`), reads their feature importance
(:func:`feature_importance`, :func:`feature_names`) and trains or scores them on raw per-store
features (:func:`fit_features`, :func:`predict_features`), which is what the tests and the
objective study use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import unknown_choice

__all__ = [
    "available",
    "describe",
    "create",
    "register",
    "filename",
    "save",
    "load",
    "feature_importance",
    "feature_names",
    "fit_features",
    "predict_features",
]


@dataclass(frozen=True)
class _Entry:
    module: str | None
    factory: str | Callable[..., Any]
    description: str


_REGISTRY: dict[str, _Entry] = {
    "xgboost": _Entry(
        "workbench.cost_models.xgboost", "make", "MetaSchedule's XGBoost model (the baseline)"
    ),
    "lightgbm": _Entry(
        "workbench.cost_models.lightgbm",
        "make",
        "LightGBM GBDT on per-store features, built for speed",
    ),
    "fi-reduced": _Entry(
        "workbench.cost_models.fi_reduced",
        "make",
        "LightGBM on the dimensions carrying 95% of the gain, quantile-redistributed labels",
    ),
    "random": _Entry(
        "workbench.cost_models.random", "make", "random scores: search guided by nothing"
    ),
}


def register(name: str, factory: Callable[..., Any], description: str) -> None:
    """Register a cost model factory ``factory(seed=..., num_threads=...) -> CostModel``."""
    _REGISTRY[name] = _Entry(None, factory, description)


def available() -> list[str]:
    """Names of the registered cost models, sorted."""
    return sorted(_REGISTRY)


def describe() -> dict[str, str]:
    """Name -> one-line description of each registered model."""
    return {name: _REGISTRY[name].description for name in available()}


def create(name: str, *, seed: int = 0, num_threads: int = 1) -> Any:
    """Create the cost model registered as ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`available`.
    seed : int
        Seed of the model's own randomness.
    num_threads : int
        Threads the model may use for training and prediction.

    Raises
    ------
    WorkbenchError
        For an unknown name; the message lists the valid ones.
    """
    if name not in _REGISTRY:
        raise unknown_choice("cost model", name, _REGISTRY)
    entry = _REGISTRY[name]
    factory = entry.factory
    if entry.module is not None:
        factory = getattr(importlib.import_module(entry.module), str(factory))
    model = factory(seed=seed, num_threads=num_threads)
    model.workbench_name = name
    return model


# ---------------------------------------------------------------------- model-level helpers
def _kind(model: Any) -> str:
    cls = getattr(model, "_cls", type(model))
    names = {c.__name__ for c in cls.__mro__}
    if "FeatureModel" in names:
        return "feature"
    if "XGBModel" in names:
        return "xgboost"
    if "RandomModel" in names:
        return "random"
    return "other"


def filename(name: str) -> str:
    """File name under which a run directory keeps the cost model ``name``."""
    ext = {"random": ".npy", "xgboost": ".tar"}.get(name, ".npz")
    return f"cost_model.{name}{ext}"


def save(model: Any, path: str | Any) -> bool:
    """Save ``model`` to ``path`` (written atomically). Returns False when there is nothing to
    save yet (an XGBoost model that was never trained)."""
    import os

    path = str(path)
    kind = _kind(model)
    if kind == "xgboost" and model.booster is None:
        return False
    # np.save appends ".npy" to names without it: keep the suffix on the temporary file
    tmp = path[: -len(".npy")] + ".tmp.npy" if path.endswith(".npy") else path + ".tmp"
    if kind == "feature":
        model._inst.save(tmp)
    else:
        import warnings

        with warnings.catch_warnings():
            # XGBoost notes that it picked its binary format for a name without an extension
            warnings.filterwarnings("ignore", message=".*UBJSON format.*")
            model.save(tmp)
    os.replace(tmp, path)
    return True


def load(model: Any, path: str | Any) -> None:
    """Load what :func:`save` wrote into ``model`` (a model of the same name)."""
    kind = _kind(model)
    if kind == "feature":
        model._inst.load(str(path))
    else:
        model.load(str(path))


def feature_names() -> list[str]:
    """Names of the 164 per-store feature dimensions (see :mod:`.feature_layout`)."""
    from .feature_layout import FEATURE_NAMES

    return list(FEATURE_NAMES)


def feature_importance(model: Any):
    """Gain importance of each of the 164 per-store feature dimensions, as a NumPy array.

    Raises
    ------
    WorkbenchError
        When the model has no importances (``random``) or is not trained yet.
    """
    import numpy as np

    from ..errors import WorkbenchError

    kind = _kind(model)
    name = getattr(model, "workbench_name", type(model).__name__)
    if kind == "feature":
        if model.booster is None:
            raise WorkbenchError(
                f"cost model {name!r} is not trained yet: run a round (or pretrain) first"
            )
        return np.asarray(model._inst.feature_importance(), dtype=float)
    if kind == "xgboost":
        if model.booster is None:
            raise WorkbenchError(
                f"cost model {name!r} is not trained yet: run a round (or pretrain) first"
            )
        gain = np.zeros(164)
        for key, value in model.booster.get_score(importance_type="gain").items():
            gain[int(key.lstrip("f"))] = value
        return gain
    raise WorkbenchError(
        f"cost model {name!r} has no feature importances; models that have them: "
        + ", ".join(n for n in available() if n != "random")
    )


def fit_features(model: Any, group: str, features: list[Any], costs: Any) -> None:
    """Add candidates given as per-store feature arrays and costs (seconds) and train.

    ``group`` names the workload they belong to (labels are normalized per group).
    """
    import numpy as np

    kind = _kind(model)
    if kind == "feature":
        model._inst.add(group, list(features), list(costs))
        model._inst.retrain()
    elif kind == "xgboost":
        from tvm.s_tir.meta_schedule.cost_model.xgb_model import FeatureGroup

        inst = model._inst
        feats = [np.asarray(f, dtype="float32") for f in features]
        costs = np.asarray(costs, dtype="float32")
        if group in inst.data:
            inst.data[group].append(feats, costs)
        else:
            inst.data[group] = FeatureGroup(group_hash=group, features=feats, costs=costs)
        inst.data_size += len(feats)
        inst.last_train_size = inst.data_size
        xs = [f for g in inst.data.values() for f in g.features]
        ys = np.concatenate([g.min_cost / g.costs for g in inst.data.values()])
        inst._train(xs=xs, ys=ys)


def predict_features(model: Any, features: list[Any]):
    """Scores of candidates given as per-store feature arrays (higher is faster)."""
    import numpy as np

    kind = _kind(model)
    feats = [np.asarray(f, dtype="float32") for f in features]
    if kind == "feature":
        if model.booster is None:
            return model._inst._rng.uniform(0, 1, len(feats))
        return model._inst.predict_features(feats)
    if kind == "xgboost":
        if model.booster is None:
            return np.random.uniform(0, 1, len(feats))
        return np.asarray(model._inst._predict(xs=feats), dtype=float)
    return np.asarray(model._inst.predict(None, [None] * len(feats)), dtype=float)
