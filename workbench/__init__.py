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
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import WorkbenchError

if TYPE_CHECKING:
    from . import cost_models, workloads
    from .comparison import compare
    from .session import Session
    from .targets import resolve_target
    from .widgets import CompareView, Dashboard
    from .workloads import Task, workload

__all__ = [
    "__version__",
    "WorkbenchError",
    "Session",
    "Task",
    "workload",
    "resolve_target",
    "compare",
    "Dashboard",
    "CompareView",
    "cost_models",
    "workloads",
]

_LAZY = {
    "Session": ("workbench.session", "Session"),
    "Task": ("workbench.workloads", "Task"),
    "workload": ("workbench.workloads", "workload"),
    "resolve_target": ("workbench.targets", "resolve_target"),
    "compare": ("workbench.comparison", "compare"),
    "Dashboard": ("workbench.widgets", "Dashboard"),
    "CompareView": ("workbench.widgets", "CompareView"),
    "cost_models": ("workbench.cost_models", None),
    "workloads": ("workbench.workloads", None),
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
