"""Synthetic round dicts with every optional key, for figure tests (deterministic)."""

from __future__ import annotations

import random
from typing import Any

RULES = ["vector-aligned-inner-tile", "enough-parallelism"]
MUTATORS = ["MutateTileSize", "MutateComputeLocation", "MutateUnroll", "MutateParallel"]


def synthetic_rounds(
    n_rounds: int = 4, per_round: int = 8, sketches: int = 3, seed: int = 0, optional: bool = True
) -> list[dict[str, Any]]:
    """Round dicts shaped like ``Session.rounds``; with ``optional`` they carry ``pruned``,
    ``sketch_allocation`` and ``mutation_probs`` as the search-policy branch records them."""
    rng = random.Random(seed)
    rounds, trial, elapsed, best = [], 0, 0.0, 0.0
    for r in range(n_rounds):
        cands = []
        for _ in range(per_round):
            trial += 1
            failed = rng.random() < 0.1
            g = None if failed else rng.uniform(5.0, 150.0)
            best = max(best, g or 0.0)
            elapsed += 0.5
            cands.append(
                {
                    "trial": trial,
                    "candidate": trial - 1,
                    "sketch": rng.randrange(sketches),
                    "decisions": [[rng.choice([1, 2, 4, 8]) for _ in range(4)], rng.randrange(4)],
                    "predicted": rng.random(),
                    "latency_us": None if failed else 2 * 64**3 / (g * 1e3),
                    "gflops": g,
                    "best_gflops": best or None,
                    "error": "build failed" if failed else None,
                    "elapsed_s": elapsed,
                    "measured_at": 0.0,
                }
            )
        rnd: dict[str, Any] = {
            "round": r,
            "sampled": 100,
            "proposed": per_round,
            "duplicates": 0,
            "candidates": cands,
            "best_gflops": best,
            "best_latency_us": 2 * 64**3 / (best * 1e3) if best else None,
            "times": {
                "search": 0.5,
                "build": 2.0 + r,
                "run": 1.0,
                "update": 0.25,
                "total": 3.75 + r,
            },
            "trials": trial,
            "elapsed_s": elapsed,
            "cost_model": "xgboost",
            "started_at": 0.0,
            "model": {"spearman": round(rng.uniform(-1, 1), 3), "pairwise_accuracy": 0.5},
        }
        if optional:
            rnd["pruned"] = {RULES[0]: r + 1, RULES[1]: 2 * r}
            weights = [rng.random() + 0.1 for _ in range(sketches)]
            rnd["sketch_allocation"] = {str(k): w / sum(weights) for k, w in enumerate(weights)}
            probs = [0.9 - 0.1 * r, 0.05, 0.03 + 0.05 * r, 0.02 + 0.05 * r]
            rnd["mutation_probs"] = dict(zip(MUTATORS, probs))
        rounds.append(rnd)
    return rounds
