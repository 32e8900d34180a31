"""Register only the tensor intrinsics a target can use.

``TuneContext`` imports ``tvm.s_tir.tensor_intrin``, whose package import registers every
intrinsic TVM knows (CUDA, ROCm, Hexagon, Arm, x86): about 12 s on a 2-core machine, 8 s of it
for CUDA. A session for an x86 CPU needs only the x86 ones. Before the first ``TuneContext`` we
put the package in ``sys.modules`` without running its ``__init__`` and import the submodules
the target needs; any other submodule still imports normally on demand.
"""

from __future__ import annotations

import importlib
import importlib.util
import platform
import sys
import types

_PACKAGE = "tvm.s_tir.tensor_intrin"


def _submodules(kind: str, triple: str) -> list[str]:
    if kind in ("cuda", "rocm"):
        return ["cuda", "rocm"]
    if kind == "llvm":
        arch = triple.split("-")[0] if triple else platform.machine()
        return ["arm_cpu"] if arch.startswith(("aarch64", "arm")) else ["x86"]
    return []


def register_for(kind: str, triple: str = "") -> None:
    """Import the intrinsic modules for a target kind (no-op when the package is loaded)."""
    if _PACKAGE not in sys.modules:
        spec = importlib.util.find_spec(_PACKAGE)
        if spec is None or spec.submodule_search_locations is None:
            return
        pkg = types.ModuleType(_PACKAGE, "Intrinsics for tensorization (loaded per target).")
        pkg.__path__ = list(spec.submodule_search_locations)
        pkg.__spec__ = spec
        pkg.__file__ = spec.origin
        pkg.__package__ = _PACKAGE
        sys.modules[_PACKAGE] = pkg
        parent = importlib.import_module("tvm.s_tir")
        parent.tensor_intrin = pkg
    for sub in _submodules(kind, triple):
        importlib.import_module(f"{_PACKAGE}.{sub}")
