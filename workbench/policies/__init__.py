"""Search policies: how proposals are spread over sketches, and which mutator to apply.

- Sketch policies: ``uniform`` (MetaSchedule's behaviour: every sketch equally likely in the
  initial population) and ``bandit`` (UCB over the measured improvement each sketch brings).
- Mutation policies: ``default`` (MetaSchedule's fixed mutator probabilities) and ``learned``
  (a Bayesian model of which mutator improves a candidate of a given sketch, sampled per
  candidate).
"""

from __future__ import annotations

from typing import Any

from ..errors import unknown_choice
from .mutation import DefaultMutationPolicy, LearnedMutationPolicy, MutationPolicy
from .sketch import BanditSketchPolicy, SketchPolicy, UniformSketchPolicy

__all__ = [
    "SKETCH_POLICIES",
    "MUTATION_POLICIES",
    "make_sketch_policy",
    "make_mutation_policy",
    "SketchPolicy",
    "MutationPolicy",
    "UniformSketchPolicy",
    "BanditSketchPolicy",
    "DefaultMutationPolicy",
    "LearnedMutationPolicy",
]

SKETCH_POLICIES = ["uniform", "bandit"]
MUTATION_POLICIES = ["default", "learned"]


def make_sketch_policy(name: str, n_sketches: int, seed: int = 0, **kw: Any) -> SketchPolicy:
    """The sketch policy ``name`` for ``n_sketches`` sketches."""
    if name == "uniform":
        return UniformSketchPolicy(n_sketches)
    if name == "bandit":
        return BanditSketchPolicy(n_sketches, **kw)
    raise unknown_choice("sketch policy", name, SKETCH_POLICIES)


def make_mutation_policy(
    name: str, default_probs: dict[str, float], seed: int = 0, **kw: Any
) -> MutationPolicy:
    """The mutation policy ``name`` around MetaSchedule's default probabilities."""
    if name == "default":
        return DefaultMutationPolicy(default_probs)
    if name == "learned":
        return LearnedMutationPolicy(default_probs, seed=seed, **kw)
    raise unknown_choice("mutation policy", name, MUTATION_POLICIES)
