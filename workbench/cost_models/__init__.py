"""Cost models, chosen by name.

Every model is a MetaSchedule ``CostModel`` (the C++ evolutionary search calls it directly),
built by a factory registered here under a name:

>>> import workbench
>>> workbench.cost_models.available()
['random', 'xgboost']

Modules are imported only when their model is created, so ``import workbench`` stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import unknown_choice

__all__ = ["available", "describe", "create", "register"]


@dataclass(frozen=True)
class _Entry:
    module: str | None
    factory: str | Callable[..., Any]
    description: str


_REGISTRY: dict[str, _Entry] = {
    "xgboost": _Entry(
        "workbench.cost_models.xgboost", "make", "MetaSchedule's XGBoost model (the baseline)"
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
