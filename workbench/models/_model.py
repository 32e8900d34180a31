"""A network as a Relax module with its weights bound, and its extracted tuning tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import WorkbenchError

if TYPE_CHECKING:
    import tvm

    from ..targets import TargetInfo
    from ..workloads import Task

__all__ = ["Model", "ModelTask", "random_weights"]


def random_weights(params: list[tuple[str, Any]], seed: int = 0) -> dict[str, np.ndarray]:
    """Random float32 weights that keep activations in a sane range.

    Convolution and linear weights are He-normal (std ``sqrt(2 / fan_in)``), the inference
    batch-norm scales are 0.5 (so residual sums do not grow), shifts and biases are small,
    LayerNorm weights are one.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name, param in params:
        shape = tuple(int(d) for d in param.shape)
        leaf = name.rsplit(".", 1)[-1]
        if leaf == "scale":
            value = np.full(shape, 0.5)
        elif leaf in ("shift", "bias"):
            value = rng.normal(0.0, 0.01, shape)
        elif len(shape) == 1:  # LayerNorm weight
            value = np.ones(shape)
        else:
            fan_in = int(np.prod(shape[1:]))
            value = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        out[name] = value.astype(str(param.dtype))
    return out


@dataclass
class ModelTask:
    """One tuning task of a network: a fused operator and how often the network calls it."""

    task: Task
    weight: int

    @property
    def name(self) -> str:
        return self.task.name

    @property
    def flops(self) -> float:
        """FLOPs of one call."""
        return self.task.flops

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        """Buffer shapes of the fused operator (inputs, then the output)."""
        return [tuple(s) for s in self.task.info.get("shapes", [])]

    def as_row(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "weight": self.weight,
            "flops": self.flops,
            "total_flops": self.flops * self.weight,
            "shapes": " ".join("x".join(map(str, s)) for s in self.shapes),
            "workload": self.task.spec,
        }


@dataclass
class Model:
    """A network: a Relax ``IRModule`` whose ``main`` takes the inputs (weights bound).

    Attributes
    ----------
    name : str
        Zoo name or the ONNX file's stem.
    mod : tvm.IRModule
        The Relax module, weights bound as constants.
    inputs : dict
        Input name -> (shape, dtype), in argument order.
    source : dict
        How to rebuild it: ``{"zoo": name, "seed": s}`` or ``{"onnx": path}``.
    weights : dict
        Parameter name -> NumPy array (zoo networks; empty for ONNX files).
    """

    name: str
    mod: Any
    inputs: dict[str, tuple[tuple[int, ...], str]]
    source: dict[str, Any]
    weights: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_zoo(cls, name: str, seed: int = 0) -> Model:
        """Build a zoo network with random weights (seeded)."""
        from . import CATALOG

        _, inputs = CATALOG[name]
        return cls.from_nn(
            _build_zoo(name), inputs, name=name, seed=seed, source={"zoo": name, "seed": seed}
        )

    @classmethod
    def from_nn(
        cls,
        module: Any,
        inputs: dict[str, tuple[tuple[int, ...], str]],
        name: str = "model",
        seed: int = 0,
        source: dict[str, Any] | None = None,
    ) -> Model:
        """A model from a ``tvm.relax.frontend.nn.Module`` (its ``forward``), random weights.

        Parameters
        ----------
        module : tvm.relax.frontend.nn.Module
            The network.
        inputs : dict
            ``forward``'s arguments: name -> (shape, dtype).
        name : str
            A name for listings and run directories.
        seed : int
            Seed of the random weights.
        """
        import tvm
        from tvm import relax
        from tvm.relax.frontend import nn

        spec = {"forward": {k: nn.spec.Tensor(list(s), d) for k, (s, d) in inputs.items()}}
        mod, params = module.export_tvm(spec=spec)
        func = mod["forward"].with_attr("global_symbol", "main")
        mod = tvm.IRModule({"main": func})
        weights = random_weights(params, seed)
        bound = {k: tvm.runtime.tensor(v) for k, v in weights.items()}
        mod = relax.transform.BindParams("main", bound)(mod)
        return cls(
            name=name,
            mod=mod,
            inputs={k: (tuple(s), d) for k, (s, d) in inputs.items()},
            source=source or {"module": name},
            weights=weights,
        )

    # ------------------------------------------------------------------ compilation stages
    def inference_module(self) -> tvm.IRModule:
        """``mod`` with batch norm and friends decomposed for inference (before legalization)."""
        if "inference" not in self._cache:
            from tvm import relax, transform

            self._cache["inference"] = transform.Sequential(
                [relax.transform.DecomposeOpsForInference(), relax.transform.CanonicalizeBindings()]
            )(self.mod)
        return self._cache["inference"]

    def fused_module(self, target: TargetInfo) -> tvm.IRModule:
        """The module after library dispatch, legalization and fusion: what tasks come from.

        The same passes, in the same order, as ``ms.relax_integration.compile_relax`` runs
        before it applies a database, so the extracted tasks match the database's keys.
        """
        key = "fused:" + str(sorted(target.config.items()))
        if key not in self._cache:
            from tvm import relax, transform
            from tvm.relax import pipeline

            tvm_target = target.tvm()
            try:
                dispatch = pipeline.library_dispatch_passes(tvm_target)
            except (ValueError, AttributeError):
                dispatch = []
            seq = [
                *dispatch,
                relax.transform.LegalizeOps(),
                relax.transform.AnnotateTIROpPattern(),
                relax.transform.FoldConstant(),
                relax.transform.FuseOps(),
                relax.transform.FuseTIR(),
            ]
            with tvm_target:
                self._cache[key] = transform.Sequential(seq)(self.inference_module())
        return self._cache[key]

    def tasks(self, target: TargetInfo) -> list[ModelTask]:
        """The tuning tasks (see :func:`workbench.models.extract_tasks`)."""
        import tvm.s_tir.meta_schedule as ms

        from ..workloads import Task

        extracted = ms.relax_integration.extract_tasks(self.fused_module(target), target.tvm())
        out: list[ModelTask] = []
        used: set[str] = set()
        for ext in extracted:
            name = str(ext.task_name)
            unique, n = name, 2
            while unique in used:
                unique, n = f"{name}_{n}", n + 1
            used.add(unique)
            mod = ext.dispatched[0]
            task = Task.from_module(mod, unique, info={"model": self.name})
            task.info["shapes"] = [list(s) for s in task.buffer_shapes()]
            out.append(ModelTask(task, int(ext.weight)))
        out.sort(key=lambda t: (-t.flops * t.weight, t.name))
        return out

    def make_inputs(self, seed: int = 0) -> list[np.ndarray]:
        """Random inputs in argument order (uniform in [-1, 1] for floats)."""
        rng = np.random.default_rng(seed)
        out = []
        for shape, dtype in self.inputs.values():
            if dtype.startswith("float"):
                out.append(rng.uniform(-1, 1, size=shape).astype(dtype))
            else:
                out.append(rng.integers(0, 2, size=shape).astype(dtype))
        return out

    def __repr__(self) -> str:
        ins = ", ".join(f"{k}: {'x'.join(map(str, s))} {d}" for k, (s, d) in self.inputs.items())
        return f"Model({self.name!r}, inputs=[{ins}])"


def _build_zoo(name: str) -> Any:
    from ._zoo import BUILDERS

    if name not in BUILDERS:
        raise WorkbenchError(f"no builder for zoo model {name!r}")
    return BUILDERS[name]()
