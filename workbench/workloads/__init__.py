"""Operator workloads built from spec strings such as ``"matmul:M=512,N=512,K=512"``.

>>> import workbench as wb
>>> task = wb.workload("conv2d:N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1")
>>> task.flops
231211008.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import WorkbenchError, unknown_choice
from ._ops import OPS, OpDef

if TYPE_CHECKING:
    import tvm

__all__ = ["Task", "workload", "available", "describe", "MODULE_OP"]

#: ``Task.op`` of a task made from a TIR module (for example one extracted from a model).
MODULE_OP = "prim_func"


@dataclass
class Task:
    """One tuning task: a TIR function with its FLOP count and (for operators) a NumPy reference.

    Build one with :func:`workload` from an operator spec, or with :meth:`from_module` from a
    TIR ``IRModule`` (a task extracted from a model). ``spec`` is canonical (every parameter,
    defaults filled in), so equal specs mean equal tasks.
    """

    op: str
    params: dict[str, int]
    _mod: Any = field(default=None, repr=False)
    #: For a module task: its name, FLOPs, structural hash and free-form facts (shapes, model).
    module_name: str | None = None
    module_flops: float | None = None
    module_hash: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_module(
        cls,
        mod: tvm.IRModule,
        name: str,
        flops: float | None = None,
        info: dict[str, Any] | None = None,
    ) -> Task:
        """A task made from a TIR module holding one PrimFunc named ``main``.

        Parameters
        ----------
        mod : tvm.IRModule
            The module to schedule (for example ``ExtractedTask.dispatched[0]``).
        name : str
            A short name, e.g. ``fused_conv2d_multiply_add_relu``.
        flops : float, optional
            FLOPs of one run; estimated from the TIR when not given.
        info : dict, optional
            Facts to keep with the task (JSON-serializable), e.g. its buffer shapes.

        Returns
        -------
        Task
            A task without a NumPy reference: :meth:`check` raises for it.
        """
        from tvm_ffi import structural_hash

        if "main" not in [gv.name_hint for gv in mod.get_global_vars()]:
            raise WorkbenchError(f"task {name!r}: the module has no PrimFunc named 'main'")
        if flops is None:
            from tvm.s_tir.analysis import estimate_tir_flops

            flops = float(estimate_tir_flops(mod))
        digest = f"{structural_hash(mod) & 0xFFFFFFFFFFFF:012x}"
        return cls(
            MODULE_OP,
            {},
            _mod=mod,
            module_name=_safe(name),
            module_flops=float(flops),
            module_hash=digest,
            info=dict(info or {}),
        )

    @property
    def is_module_task(self) -> bool:
        """Whether this task was made from a module (no spec to rebuild it, no reference)."""
        return self.op == MODULE_OP

    @property
    def spec(self) -> str:
        """The canonical spec string, e.g. ``matmul:M=64,N=64,K=64``.

        A module task's spec is ``prim_func:<name>@<structural hash>``: it identifies the
        task but cannot rebuild it (its module is stored in the run directory).
        """
        if self.is_module_task:
            return f"{MODULE_OP}:{self.module_name}@{self.module_hash}"
        return self.op + ":" + ",".join(f"{k}={v}" for k, v in self.params.items())

    @property
    def name(self) -> str:
        """A short, file-name-safe name for the task."""
        if self.is_module_task:
            return str(self.module_name)
        return self.op + "_" + "_".join(f"{k}{v}" for k, v in self.params.items())

    @property
    def opdef(self) -> OpDef:
        if self.is_module_task:
            raise WorkbenchError(f"{self.name}: a task made from a module has no operator spec")
        return OPS[self.op]

    @property
    def flops(self) -> float:
        """Floating-point operations of one run."""
        if self.is_module_task:
            return float(self.module_flops or 0.0)
        return float(self.opdef.flops(self.params))

    def buffer_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of every buffer argument of ``main``, in argument order (outputs last)."""
        import tvm.s_tir.meta_schedule as ms

        infos = ms.arg_info.ArgInfo.from_prim_func(self.mod["main"])
        return [tuple(int(d) for d in info.shape) for info in infos]

    def save_module(self, path: str | Path) -> None:
        """Write the task's module to ``path`` (TVM JSON, reloadable with :meth:`load`)."""
        import tvm

        Path(path).write_text(tvm.ir.save_json(self.mod))

    @classmethod
    def load(cls, path: str | Path, name: str, flops: float | None = None, info=None) -> Task:
        """Rebuild a module task from a file written by :meth:`save_module`."""
        import tvm

        try:
            mod = tvm.ir.load_json(Path(path).read_text())
        except OSError as err:
            raise WorkbenchError(f"cannot read the task module {path}: {err}") from None
        return cls.from_module(mod, name, flops=flops, info=info)

    @property
    def mod(self) -> tvm.IRModule:
        """The TIR ``IRModule`` (one PrimFunc named ``main``) that tuning schedules."""
        if self._mod is None:
            import tvm
            from tvm import te

            tensors = self.opdef.build_te(self.params)
            func = te.create_prim_func(tensors).with_attr("global_symbol", "main")
            self._mod = tvm.IRModule({"main": func})
        return self._mod

    def input_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of the inputs, in argument order (the output comes last and is not listed)."""
        if self.is_module_task:
            return self.buffer_shapes()[:-1]
        return [tuple(s) for s in self.opdef.input_shapes(self.params)]

    def make_inputs(self, seed: int = 0) -> list[np.ndarray]:
        """Random float32 inputs for a correctness check."""
        rng = np.random.default_rng(seed)
        return [rng.uniform(-1, 1, size=s).astype("float32") for s in self.input_shapes()]

    def reference(self, inputs: list[np.ndarray]) -> np.ndarray:
        """The expected output for ``inputs``, computed with NumPy in float64."""
        self._require_reference()
        return np.asarray(
            self.opdef.reference(self.params, [x.astype("float64") for x in inputs]),
            dtype="float64",
        )

    def check(self, func: Any, device: Any = None, seed: int = 0, rtol: float = 1e-4) -> float:
        """Run a compiled function on random inputs and compare with the NumPy reference.

        Parameters
        ----------
        func : callable
            A compiled ``main``: a ``tvm.runtime.Module`` (``lib["main"]``), an ``Executable``
            or a ``PackedFunc`` taking the inputs then the output tensor.
        device : tvm.runtime.Device, optional
            Where to run; the host CPU by default.
        seed : int
            Seed of the random inputs.
        rtol : float
            Allowed relative error (against the largest reference magnitude).

        Returns
        -------
        float
            The largest relative error.

        Raises
        ------
        AssertionError
            When the error exceeds ``rtol``.
        """
        import tvm

        self._require_reference()
        dev = device if device is not None else tvm.cpu(0)
        if type(func).__name__ == "Executable":
            func = func.mod
        if hasattr(func, "__getitem__") or not callable(func):
            func = func["main"]
        inputs = self.make_inputs(seed)
        expected = self.reference(inputs)
        args = [tvm.runtime.tensor(x, dev) for x in inputs]
        out = tvm.runtime.tensor(np.zeros(expected.shape, dtype="float32"), dev)
        func(*args, out)
        scale = max(1.0, float(np.abs(expected).max()))
        err = float(np.abs(out.numpy() - expected).max() / scale)
        if err > rtol:
            raise AssertionError(
                f"{self.spec}: output differs from NumPy (max rel. error {err:.3g})"
            )
        return err

    def _require_reference(self) -> None:
        if self.is_module_task:
            raise WorkbenchError(
                f"{self.name}: a task extracted from a model has no NumPy reference to check "
                "against; check the whole model instead (ModelSession.compile() output vs the "
                "untuned build)"
            )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "task"


def _parse_value(op: str, key: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise WorkbenchError(f"{op}: parameter {key}={raw!r} is not an integer") from None


def workload(spec: str | Task) -> Task:
    """Build a :class:`Task` from a spec string.

    Parameters
    ----------
    spec : str
        ``"op:key=value,key=value"``, e.g. ``"matmul:M=512,N=512,K=512"`` or
        ``"dense:M=1,N=1000,K=2048,bias=1"``. ``workbench workloads`` lists the operators and
        their parameters.

    Returns
    -------
    Task

    Raises
    ------
    WorkbenchError
        For an unknown operator, a missing, unknown or non-positive parameter.
    """
    if isinstance(spec, Task):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise WorkbenchError(
            f"a workload spec is a string like 'matmul:M=512,N=512,K=512', got {spec!r}"
        )
    op, _, rest = spec.strip().partition(":")
    op = op.strip()
    if op == MODULE_OP:
        raise WorkbenchError(
            f"{spec!r} names a task made from a module; it cannot be rebuilt from its spec: "
            "reopen its run directory with Session.open(work_dir)"
        )
    if op not in OPS:
        raise unknown_choice("workload", op, OPS)
    opdef = OPS[op]
    names = [p.name for p in opdef.params]
    given: dict[str, int] = {}
    for item in filter(None, (x.strip() for x in rest.split(","))):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq:
            raise WorkbenchError(f"{op}: expected key=value, got {item!r}")
        if key not in names:
            raise WorkbenchError(
                f"{op}: unknown parameter {key!r}; valid parameters: {', '.join(names)}"
            )
        if key in given:
            raise WorkbenchError(f"{op}: parameter {key} given twice")
        given[key] = _parse_value(op, key, raw.strip())
    params: dict[str, int] = {}
    missing = []
    for p in opdef.params:
        if p.name in given:
            value = given[p.name]
        elif p.default is not None:
            value = p.default
        else:
            missing.append(p.name)
            continue
        if value < p.minimum:
            raise WorkbenchError(f"{op}: parameter {p.name}={value} must be >= {p.minimum}")
        params[p.name] = value
    if missing:
        raise WorkbenchError(
            f"{op}: missing parameter(s) {', '.join(missing)}; a full spec is {example_spec(op)}"
        )
    problem = opdef.check(params)
    if problem:
        raise WorkbenchError(f"{op}: {problem}")
    return Task(op, params)


def example_spec(op: str) -> str:
    """A complete example spec for ``op`` (required parameters set to 64)."""
    opdef = OPS[op]
    return (
        op
        + ":"
        + ",".join(f"{p.name}={p.default if p.default is not None else 64}" for p in opdef.params)
    )


def available() -> list[str]:
    """Names of the operator families."""
    return list(OPS)


def describe() -> list[dict[str, str]]:
    """One row per operator: name, description, parameters (with defaults) and an example."""
    rows = []
    for name, opdef in OPS.items():
        params = ", ".join(
            p.name if p.default is None else f"{p.name}={p.default}" for p in opdef.params
        )
        rows.append(
            {
                "workload": name,
                "description": opdef.description,
                "parameters": params,
                "example": example_spec(name),
            }
        )
    return rows
