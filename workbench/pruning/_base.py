"""The pruning rule protocol and the candidate view rules look at."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, ClassVar

from ._loopnest import LoopNest, loop_nest

_SAMPLERS = ("SamplePerfectTile", "SampleCategorical", "SampleComputeLocation")


@dataclass(frozen=True)
class Tile:
    """The sampled factors of one tiled loop, outermost first; ``spatial`` or reduction."""

    factors: tuple[int, ...]
    spatial: bool


@dataclass(frozen=True)
class TargetFacts:
    """What rules need to know about the target."""

    kind: str  # "cpu" or "gpu"
    cores: int = 1
    simd_lanes: int = 8
    warp_size: int = 32
    max_threads_per_block: int = 1024
    max_shared_memory_per_block: int = 49152
    compute_units: int = 64

    @classmethod
    def of(cls, target_info: Any) -> TargetFacts:
        """Facts of a :class:`workbench.targets.TargetInfo`."""
        cfg = target_info.config
        if target_info.kind in ("cuda", "rocm"):
            t = target_info.tvm()
            attrs = {k: t.attrs[k] for k in t.attrs.keys()}
            warp = int(attrs.get("thread_warp_size", 64 if target_info.kind == "rocm" else 32))
            return cls(
                kind="gpu",
                warp_size=warp,
                max_threads_per_block=int(
                    attrs.get("max_threads_per_block", attrs.get("max_num_threads", 1024))
                ),
                max_shared_memory_per_block=int(
                    attrs.get(
                        "max_shared_memory_per_block",
                        65536 if target_info.kind == "rocm" else 49152,
                    )
                ),
                compute_units=_COMPUTE_UNITS.get(str(cfg.get("mcpu", cfg.get("arch", ""))), 64),
            )
        lanes = 16 if _has_avx512(cfg) else 8
        return cls(kind="cpu", cores=int(cfg.get("num-cores", 1)), simd_lanes=lanes)


#: Compute units (CUs / SMs) of the GPU presets, for the ``enough-blocks`` rule.
_COMPUTE_UNITS = {
    "gfx90a": 104,  # MI210 (an MI250X GCD has 110)
    "gfx942": 304,  # MI300X
    "gfx908": 120,  # MI100
    "gfx906": 64,  # Hygon DCU Z100 class
    "sm_90": 132,  # H100 SXM / H200
}


def _has_avx512(cfg: dict[str, Any]) -> bool:
    mcpu = str(cfg.get("mcpu", ""))
    known = (
        "avx512",
        "skylake-avx512",
        "cascadelake",
        "cooperlake",
        "icelake",
        "tigerlake",
        "rocketlake",
        "sapphirerapids",
        "emeraldrapids",
        "graniterapids",
        "znver4",
        "znver5",
    )
    return any(k in mcpu for k in known)


class Candidate:
    """A sampled schedule as pruning rules see it: decisions, tiles and the loop nest.

    Everything is computed on first use, so a rule pays only for what it reads.
    """

    def __init__(self, sch: Any):
        self.sch = sch

    @cached_property
    def trace_insts(self) -> list[Any]:
        out = []
        for inst in self.sch.trace.insts:
            if inst.kind.name == "EnterPostproc":
                break
            out.append(inst)
        return out

    @cached_property
    def tiling_structure(self) -> str:
        for inst in self.trace_insts:
            if (
                inst.kind.name == "Annotate"
                and str(inst.attrs[0]) == "meta_schedule.tiling_structure"
            ):
                return str(inst.inputs[1])
        return ""

    @cached_property
    def tiles(self) -> list[Tile]:
        """Tiled loops of the multi-level tiling, classified spatial / reduction."""
        structure = self.tiling_structure
        n_s, n_r = structure.count("S"), structure.count("R")
        decisions = self.sch.trace.decisions
        out = []
        for inst in self.trace_insts:
            if inst.kind.name != "SamplePerfectTile" or inst not in decisions:
                continue
            factors = tuple(int(x) for x in decisions[inst])
            if len(factors) == n_s:
                out.append(Tile(factors, True))
            elif len(factors) == n_r:
                out.append(Tile(factors, False))
        return out

    @cached_property
    def unroll(self) -> tuple[int, tuple[int, ...]] | None:
        """``(chosen max step, candidate steps)`` of the sampled unroll, if any."""
        decisions = self.sch.trace.decisions
        for inst in self.trace_insts:
            if inst.kind.name == "SampleCategorical" and inst in decisions:
                candidates = tuple(int(x) for x in inst.attrs[0])
                return candidates[int(decisions[inst])], candidates
        return None

    @cached_property
    def nest(self) -> LoopNest:
        return loop_nest(self.sch.mod)


@dataclass
class Rule:
    """A predefined pruning rule.

    Subclasses set ``name``, ``rationale`` (one line a user reads) and ``targets`` (``"cpu"``
    and/or ``"gpu"``), declare their parameters as dataclass fields with defaults, and implement
    :meth:`prunes`.
    """

    name: ClassVar[str] = ""
    rationale: ClassVar[str] = ""
    targets: ClassVar[tuple[str, ...]] = ("cpu",)

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        """Whether ``cand`` should be discarded before it is predicted, built or measured."""
        raise NotImplementedError

    @classmethod
    def params(cls) -> dict[str, Any]:
        """Parameter names and defaults."""
        return {f.name: f.default for f in fields(cls)}

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rationale": self.rationale,
            "targets": list(self.targets),
            "params": {f.name: getattr(self, f.name) for f in fields(self)},
        }
