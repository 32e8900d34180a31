"""Pruning rules for GPU targets (CUDA, ROCm; wavefront 64 on CDNA and Hygon DCUs)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._base import Candidate, Rule, TargetFacts
from ._loopnest import compacted_shared_bytes

__all__ = ["ThreadsMultipleOfWarp", "ThreadsWithinLimit", "SharedMemoryLimit", "EnoughBlocks"]


def _threads(cand: Candidate) -> int:
    return math.prod(cand.nest.threads("threadIdx").values())


@dataclass
class ThreadsMultipleOfWarp(Rule):
    name = "threads-multiple-of-warp"
    rationale = "threads per block that are not a multiple of the warp/wavefront leave lanes idle"
    targets = ("gpu",)

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        threads = _threads(cand)
        return bool(cand.nest.threads("threadIdx")) and threads % facts.warp_size != 0


@dataclass
class ThreadsWithinLimit(Rule):
    name = "threads-within-limit"
    rationale = "threads per block must be at least one warp and at most the device limit"
    targets = ("gpu",)

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        if not cand.nest.threads("threadIdx"):
            return False
        threads = _threads(cand)
        return threads < facts.warp_size or threads > facts.max_threads_per_block


@dataclass
class SharedMemoryLimit(Rule):
    name = "shared-memory-limit"
    rationale = "shared memory (LDS) above half the per-block limit keeps under two blocks resident"
    targets = ("gpu",)
    fraction: float = 0.5

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        # MetaSchedule's VerifyGPUCode already rejects blocks over the hard limit; this rule keeps
        # room for a second resident block. Cache buffers are measured after compaction.
        if cand.nest.shared_bytes() <= self.fraction * facts.max_shared_memory_per_block:
            return False
        return (
            compacted_shared_bytes(cand.sch.mod) > self.fraction * facts.max_shared_memory_per_block
        )


@dataclass
class EnoughBlocks(Rule):
    name = "enough-blocks"
    rationale = "fewer thread blocks than compute units leaves compute units idle"
    targets = ("gpu",)
    per_compute_unit: int = 1

    def prunes(self, cand: Candidate, facts: TargetFacts) -> bool:
        blocks = cand.nest.threads("blockIdx")
        if not blocks:
            return False
        return math.prod(blocks.values()) < self.per_compute_unit * facts.compute_units
