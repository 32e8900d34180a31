"""Named targets: ``"cpu"`` (the host, detected), GPU presets (``rocm:gfx90a``, ``rocm:dcu``,
``cuda:sm_90``, ...) or an explicit TVM target dict / JSON string.

GPU presets set the limits MetaSchedule's GPU rules and postprocessors read from the target
(``thread_warp_size``, ``max_threads_per_block``, ``max_shared_memory_per_block``,
``max_num_threads``). On ROCm the thread limit is 256, not the hardware's 1024: TVM's AMDGPU
code generator marks every kernel ``amdgpu-flat-work-group-size=1,256`` unless it can query a
device while building, which a build host without a GPU cannot, and a kernel launched with more
threads than that bound fails on the device.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import WorkbenchError

__all__ = ["TargetInfo", "resolve_target", "presets", "GPU_KINDS"]


def _host_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _host_cpu() -> dict[str, Any]:
    import tvm.target.codegen as codegen

    return {"kind": "llvm", "mcpu": str(codegen.llvm_get_system_cpu()), "num-cores": _host_cores()}


def _rocm(mcpu: str) -> Callable[[], dict[str, Any]]:
    def config() -> dict[str, Any]:
        return {
            "kind": "rocm",
            "mcpu": mcpu,
            "thread_warp_size": 64,  # wavefront 64 on GCN/CDNA (RDNA's 32 is not a preset)
            "max_threads_per_block": 256,  # the code generator's launch bound, see above
            "max_num_threads": 256,
            "max_shared_memory_per_block": 65536,  # 64 KiB LDS per workgroup
        }

    return config


def _cuda_sm90() -> dict[str, Any]:
    return {
        "kind": "cuda",
        "arch": "sm_90",
        "thread_warp_size": 32,
        "max_threads_per_block": 1024,
        "max_num_threads": 1024,
        "max_shared_memory_per_block": 49152,  # static shared memory; more needs opt-in
        "registers_per_block": 65536,
    }


_PRESETS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "cpu": ("the host CPU: LLVM with the detected mcpu and core count", _host_cpu),
    "llvm": ("same as cpu", _host_cpu),
    "rocm:gfx90a": (
        "AMD Instinct MI200 (MI210/MI250/MI250X, CDNA2): wavefront 64, 256 threads, 64 KiB LDS",
        _rocm("gfx90a"),
    ),
    "rocm:gfx942": (
        "AMD Instinct MI300 (MI300X/MI300A/MI325X, CDNA3): wavefront 64, 256 threads, 64 KiB LDS",
        _rocm("gfx942"),
    ),
    "rocm:gfx908": (
        "AMD Instinct MI100 (CDNA1): wavefront 64, 256 threads, 64 KiB LDS",
        _rocm("gfx908"),
    ),
    "rocm:dcu": (
        "Hygon DCU, Z100 class (gfx906 ISA, GCN/CDNA-like): wavefront 64, 256 threads, 64 KiB LDS",
        _rocm("gfx906"),
    ),
    "cuda:sm_90": (
        "NVIDIA Hopper (H100/H200): warp 32, 1024 threads, 48 KiB static shared memory",
        _cuda_sm90,
    ),
}

#: Target kinds whose candidates run on a GPU (MetaSchedule's GPU rule set).
GPU_KINDS = ("cuda", "rocm")


def presets() -> dict[str, str]:
    """Target preset names with one line each."""
    return {name: doc for name, (doc, _) in _PRESETS.items()}


@dataclass(frozen=True)
class TargetInfo:
    """A resolved target: the TVM target config and where candidates run."""

    config: dict[str, Any]
    name: str

    @property
    def kind(self) -> str:
        return str(self.config["kind"])

    @property
    def device_type(self) -> str:
        """The device type string MetaSchedule's runners expect (``cpu``, ``cuda``, ``rocm``)."""
        return "cpu" if self.kind in ("llvm", "c") else self.kind

    @property
    def num_cores(self) -> int:
        return int(self.config.get("num-cores", _host_cores()))

    @property
    def is_gpu(self) -> bool:
        """Whether candidates run on a GPU (ROCm or CUDA)."""
        return self.kind in GPU_KINDS

    def _gpu_attr(self, name: str) -> int | None:
        if not self.is_gpu:
            return None
        if name in self.config:
            return int(self.config[name])
        value = self.tvm().attrs.get(name)  # TVM's default for the kind
        return int(value) if value is not None else None

    @property
    def warp_size(self) -> int | None:
        """Threads per warp (CUDA) or wavefront (ROCm); ``None`` for a CPU."""
        return self._gpu_attr("thread_warp_size")

    @property
    def max_threads_per_block(self) -> int | None:
        """Most threads one block may have; ``None`` for a CPU."""
        return self._gpu_attr("max_threads_per_block")

    @property
    def max_shared_memory_per_block(self) -> int | None:
        """Bytes of shared memory (LDS on ROCm) one block may use; ``None`` for a CPU."""
        return self._gpu_attr("max_shared_memory_per_block")

    def tvm(self):
        """The ``tvm.target.Target``."""
        from tvm.target import Target

        return Target(self.config)


def resolve_target(target: Any = "cpu") -> TargetInfo:
    """Resolve a target preset name, a dict or a JSON string into a :class:`TargetInfo`.

    Parameters
    ----------
    target : str or dict or tvm.target.Target
        ``"cpu"`` (the host), a TVM target dict such as
        ``{"kind": "llvm", "mcpu": "skylake-avx512", "num-cores": 2}`` or the same as JSON.

    Raises
    ------
    WorkbenchError
        When the name is unknown or TVM rejects the config.
    """
    if isinstance(target, TargetInfo):
        return target
    name = None
    if isinstance(target, str):
        text = target.strip()
        if text in _PRESETS:
            name = text
            config = _PRESETS[text][1]()
        elif text.startswith("{"):
            try:
                config = json.loads(text)
            except json.JSONDecodeError as err:
                raise WorkbenchError(f"target JSON does not parse: {err}") from None
        else:
            listing = "".join(f"\n  {n:<12} {doc}" for n, doc in presets().items())
            raise WorkbenchError(
                f"unknown target {target!r}; valid choices:{listing}\n"
                'or a TVM target dict/JSON such as \'{"kind": "llvm", "mcpu": "skylake-avx512"}\''
            )
    elif isinstance(target, dict):
        config = dict(target)
    elif type(target).__name__ == "Target":
        config = dict(json.loads(json.dumps(target.export(), default=str)))
    else:
        raise WorkbenchError(f"a target is a preset name, dict or JSON string, got {target!r}")
    if "kind" not in config:
        raise WorkbenchError(f"target {config!r} has no 'kind' (for example 'llvm')")
    if config["kind"] == "llvm" and "num-cores" not in config:
        config["num-cores"] = _host_cores()
    from tvm.target import Target

    if config["kind"] == "llvm" and "mcpu" in config:
        import tvm.target.codegen as codegen

        triple = str(config.get("mtriple", ""))
        if not codegen.llvm_is_valid_cpu(str(config["mcpu"]), triple):
            raise WorkbenchError(
                f"LLVM does not know the CPU {config['mcpu']!r}; use the target 'cpu' to detect "
                f"the host, or a name from `llc -mcpu=help` such as {_host_cpu()['mcpu']!r}"
            )
    if config["kind"] == "rocm" and "mcpu" in config:
        import tvm.target.codegen as codegen

        if not codegen.llvm_is_valid_cpu(str(config["mcpu"]), "amdgcn-amd-amdhsa"):
            raise WorkbenchError(
                f"LLVM does not know the AMDGPU processor {config['mcpu']!r}; use a preset "
                f"({', '.join(n for n in _PRESETS if n.startswith('rocm:'))}) or a gfx name "
                "LLVM knows, such as 'gfx90a'"
            )
    try:
        Target(config)
    except Exception as err:  # noqa: BLE001 - TVM raises several types for bad configs
        first = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise WorkbenchError(f"TVM rejects target {json.dumps(config)}: {first}") from None
    return TargetInfo(config=config, name=name or json.dumps(config, sort_keys=True))
