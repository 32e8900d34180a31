"""Sketch selection policies: the share of each round's initial population per sketch."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


class SketchPolicy:
    """Decides how the next round's proposals are spread over the sketches."""

    name = ""

    def __init__(self, n_sketches: int):
        self.n = n_sketches

    def allocation(self) -> list[float]:
        """Shares per sketch for the next round (they sum to 1)."""
        return [1.0 / self.n] * self.n

    def observe(self, rows: Iterable[dict[str, Any]], best_gflops: float) -> None:
        """Learn from a measured round: candidate rows (``sketch``, ``gflops``) and the best so far."""

    @property
    def restarts_search(self) -> bool:
        """Whether the allocation can change between rounds (the search restarts to apply it)."""
        return False


class UniformSketchPolicy(SketchPolicy):
    """Every sketch equally likely: MetaSchedule's own behaviour."""

    name = "uniform"


class BanditSketchPolicy(SketchPolicy):
    """UCB1 over sketches with a softmax allocation and a floor for exploration.

    The reward of a sketch in a round is the best throughput its candidates reached, divided by
    the best throughput so far (1.0 when it produced the new best, near 0 when it is far
    behind). Shares are a softmax of the UCB scores at ``temperature``, mixed with a floor of
    ``min_share`` per sketch so no sketch is starved.

    The allocation stays uniform for the first ``warmup`` measured rounds:
    one round's best per sketch is mostly luck of the draw (in the 128-trial benchmark a
    bandit that acted after one round committed early and lost: final best 0.955x of the
    uniform baseline), so it waits for a second round before it moves shares.
    """

    name = "bandit"

    def __init__(
        self,
        n_sketches: int,
        c: float = 0.3,
        temperature: float = 0.2,
        min_share: float = 0.05,
        warmup: int = 2,
    ):
        super().__init__(n_sketches)
        self.warmup = warmup
        self.rounds = 0
        self.c = c
        self.temperature = temperature
        self.min_share = min_share
        self.pulls = [0] * n_sketches
        self.reward_sum = [0.0] * n_sketches

    @property
    def restarts_search(self) -> bool:
        return True

    def observe(self, rows: Iterable[dict[str, Any]], best_gflops: float) -> None:
        best_by_sketch: dict[int, float] = {}
        for row in rows:
            sk = row.get("sketch")
            if sk is None or not 0 <= sk < self.n:
                continue
            g = row.get("gflops") or 0.0
            best_by_sketch[sk] = max(best_by_sketch.get(sk, 0.0), g)
        self.rounds += 1
        if best_gflops <= 0:
            return
        for sk, g in best_by_sketch.items():
            self.pulls[sk] += 1
            self.reward_sum[sk] += g / best_gflops

    def scores(self) -> list[float]:
        """UCB score of each sketch (unpulled sketches score highest)."""
        total = sum(self.pulls)
        out = []
        for pulls, reward in zip(self.pulls, self.reward_sum):
            if pulls == 0:
                out.append(2.0)
                continue
            out.append(reward / pulls + self.c * math.sqrt(math.log(max(total, 2)) / pulls))
        return out

    def allocation(self) -> list[float]:
        if self.rounds < self.warmup:
            return [1.0 / self.n] * self.n
        scores = self.scores()
        top = max(scores)
        weights = [math.exp((s - top) / self.temperature) for s in scores]
        total = sum(weights)
        soft = [w / total for w in weights]
        floor = min(self.min_share, 1.0 / self.n)
        return [floor + (1 - floor * self.n) * s for s in soft]

    def state(self) -> dict[str, Any]:
        return {
            "pulls": list(self.pulls),
            "reward_sum": list(self.reward_sum),
            "rounds": self.rounds,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.pulls = list(state.get("pulls", self.pulls))
        self.reward_sum = list(state.get("reward_sum", self.reward_sum))
        self.rounds = int(state.get("rounds", max(self.pulls, default=0)))
