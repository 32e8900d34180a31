"""TVM Tuning Workbench: drive, watch and compare TVM MetaSchedule tuning, round by round.

>>> import workbench as wb
>>> s = wb.Session("matmul:M=128,N=128,K=128", target="cpu", work_dir="runs/mm128")
>>> s.step()          # one round
>>> s.run(trials=64)  # more rounds
>>> s.history         # one row per measured candidate
>>> s.export("out/mm128")

Heavy modules (TVM, pandas, plotly) load on first use, so ``import workbench`` is fast.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import WorkbenchError

# XGBoost's and LightGBM's OpenMP threads busy-wait between parallel regions by default. On a
# machine whose cores are also busy with build workers and the search, that made each XGBoost
# update take 5-18 s instead of under 1 s (measured on 2 cores). Passive waiting costs nothing
# here; set before any OpenMP runtime loads, and only when the user has not chosen.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

if TYPE_CHECKING:
    from . import cost_models, models, policies, pruning, workloads
    from .comparison import compare
    from .models.session import ModelSession
    from .session import Session
    from .targets import resolve_target
    from .widgets import CompareView, Dashboard
    from .workloads import Task, workload

__all__ = [
    "__version__",
    "WorkbenchError",
    "Session",
    "ModelSession",
    "Task",
    "workload",
    "resolve_target",
    "compare",
    "Dashboard",
    "CompareView",
    "cost_models",
    "models",
    "workloads",
    "pruning",
    "policies",
]

_LAZY = {
    "Session": ("workbench.session", "Session"),
    "ModelSession": ("workbench.models.session", "ModelSession"),
    "models": ("workbench.models", None),
    "Task": ("workbench.workloads", "Task"),
    "workload": ("workbench.workloads", "workload"),
    "resolve_target": ("workbench.targets", "resolve_target"),
    "compare": ("workbench.comparison", "compare"),
    "Dashboard": ("workbench.widgets", "Dashboard"),
    "CompareView": ("workbench.widgets", "CompareView"),
    "cost_models": ("workbench.cost_models", None),
    "workloads": ("workbench.workloads", None),
    "pruning": ("workbench.pruning", None),
    "policies": ("workbench.policies", None),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
