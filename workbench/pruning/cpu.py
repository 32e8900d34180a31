"""Pruning rules for CPU (LLVM) targets."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._base import Candidate, Rule, TargetFacts

__all__ = [
    "EnoughParallelism",
    "BalancedParallelism",
    "VectorAlignedInnerTile",
    "RegisterTileFits",
    "L1OutputTileFits",
    "ReductionInnerTileRange",
    "PointlessUnroll",
]


def _main_block_parallel(cand: Candidate) -> int | None:
    """Parallel iterations around the heaviest block (the reduction block when there is one)."""
    blocks = cand.nest.blocks
    if not blocks:
        return None
    main = next((b for b in blocks if b.is_reduction), None)
    if main is None:
        main = max(blocks, key=lambda b: math.prod(lp.extent or 1 for lp in b.loops))
    return math.prod(lp.extent or 1 for lp in main.loops if lp.kind == "parallel")


@dataclass
class EnoughParallelism(Rule):
    name = "enough-parallelism"
    rationale = "fewer parallel iterations than cores leaves cores idle"
    targets = ("cpu",)
    min_per_core: int = 1

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        par = _main_block_parallel(cand)
        return par is not None and facts.cores > 1 and par < self.min_per_core * facts.cores


@dataclass
class BalancedParallelism(Rule):
    name = "balanced-parallelism"
    rationale = "a few parallel chunks that do not divide evenly over the cores leave some idle"
    targets = ("cpu",)
    chunks_per_core: int = 4

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        par = _main_block_parallel(cand)
        if par is None or facts.cores <= 1 or par == 0:
            return False
        return par < self.chunks_per_core * facts.cores and par % facts.cores != 0


@dataclass
class VectorAlignedInnerTile(Rule):
    """Judges every vectorized loop by the share of SIMD lanes it leaves idle: a loop of ``e``
    iterations takes ``ceil(e / lanes)`` vector operations, so ``1 - e / (ceil(e / lanes) *
    lanes)`` of the lanes do nothing. With 8 lanes and the default ``max_waste`` of 0.25:
    2, 3, 4, 5, 9 and 10 wide loops are pruned; 6, 7, 14, 28, 58 (a padded 56-wide row) and
    every multiple of 8 are kept. (A plain multiple-of-8 test pruned 38% of a ResNet conv2d's
    schedules: the 7/14/28-wide tiles of its 56-wide rows and every vectorized padding stage.)"""

    name = "vector-aligned-inner-tile"
    rationale = "a vectorized loop that leaves over a quarter of the SIMD lanes idle"
    targets = ("cpu",)
    lanes: int = 8
    max_waste: float = 0.25

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        for lp in cand.nest.by_kind("vectorized"):
            if lp.extent is None or lp.extent <= 1:
                continue
            ops = -(-lp.extent // self.lanes)
            if 1 - lp.extent / (ops * self.lanes) > self.max_waste + 1e-9:
                return True
        return False


@dataclass
class RegisterTileFits(Rule):
    name = "register-tile-fits"
    rationale = "an innermost output tile larger than the register file spills accumulators"
    targets = ("cpu",)
    registers: int = 32

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        spatial = [t.factors[-1] for t in cand.tiles if t.spatial]
        if not spatial:
            return False
        return math.prod(spatial) > self.registers * facts.simd_lanes


@dataclass
class L1OutputTileFits(Rule):
    name = "l1-output-tile-fits"
    rationale = "the output tile accumulated before write-back must fit in the L1 data cache"
    targets = ("cpu",)
    l1_bytes: int = 48 * 1024
    dtype_bytes: int = 4

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        spatial = [t.factors for t in cand.tiles if t.spatial]
        if not spatial:
            return False
        tile = math.prod(f[-1] * f[-2] for f in spatial if len(f) >= 2)
        return tile * self.dtype_bytes > self.l1_bytes


@dataclass
class ReductionInnerTileRange(Rule):
    name = "reduction-inner-tile-range"
    rationale = "an inner reduction tile of 1 or beyond 32 iterations reuses loaded data poorly"
    targets = ("cpu",)
    minimum: int = 2
    maximum: int = 32

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        for t in cand.tiles:
            if t.spatial or math.prod(t.factors) < self.minimum:
                continue
            if not self.minimum <= t.factors[-1] <= self.maximum:
                return True
        return False


@dataclass
class PointlessUnroll(Rule):
    name = "pointless-unroll"
    rationale = (
        "an unroll limit above the whole inner loop nest gives the same code as a smaller one"
    )
    targets = ("cpu", "gpu")

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        unroll = cand.unroll
        if unroll is None:
            return False
        step, options = unroll
        if step <= 0:
            return False
        inner = 0
        for block in cand.nest.blocks:
            loops = block.loops
            for i, lp in enumerate(loops):
                if "pragma_auto_unroll_max_step" in lp.annotations:
                    inner = max(inner, math.prod(x.extent or 1 for x in loops[i + 1 :]))
                    break
        if inner == 0:
            return False
        smaller = [s for s in options if 0 < s < step]
        return any(s >= inner for s in smaller)
