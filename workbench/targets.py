"""Named targets: ``"cpu"`` (the host, detected) or an explicit TVM target dict / JSON string."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from .errors import WorkbenchError

__all__ = ["TargetInfo", "resolve_target", "presets"]


def _host_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _host_cpu() -> dict[str, Any]:
    import tvm.target.codegen as codegen

    return {"kind": "llvm", "mcpu": str(codegen.llvm_get_system_cpu()), "num-cores": _host_cores()}


_PRESETS = {
    "cpu": ("the host CPU: LLVM with the detected mcpu and core count", _host_cpu),
    "llvm": ("same as cpu", _host_cpu),
}


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
            raise WorkbenchError(
                f"unknown target {target!r}; valid choices: {', '.join(_PRESETS)}, "
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
    try:
        Target(config)
    except Exception as err:  # noqa: BLE001 - TVM raises several types for bad configs
        first = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        raise WorkbenchError(f"TVM rejects target {json.dumps(config)}: {first}") from None
    return TargetInfo(config=config, name=name or json.dumps(config, sort_keys=True))
