"""Mutation policies: which mutator the evolutionary search applies to a candidate."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from typing import Any


class MutationPolicy:
    """Chooses the mutator for a parent candidate and learns from measured children."""

    name = ""

    def __init__(self, default_probs: dict[str, float]):
        total = sum(default_probs.values())
        self.default = {k: v / total for k, v in default_probs.items()}

    @property
    def mutators(self) -> list[str]:
        return list(self.default)

    def probs(self, sketch: int | None = None) -> dict[str, float]:
        """Probability of choosing each mutator for a candidate of ``sketch``."""
        return dict(self.default)

    def observe(self, outcomes: Iterable[tuple[int | None, str, bool]]) -> None:
        """Learn from ``(sketch, mutator, improved over its parent)`` of measured children."""

    def round_probs(self, sketch_shares: dict[int, float] | None = None) -> dict[str, float]:
        """This round's mutator probabilities, averaged over sketches by their shares."""
        if not sketch_shares:
            return self.probs(None)
        acc: dict[str, float] = defaultdict(float)
        total = sum(sketch_shares.values()) or 1.0
        for sk, share in sketch_shares.items():
            for m, p in self.probs(sk).items():
                acc[m] += p * share / total
        return dict(acc)


class DefaultMutationPolicy(MutationPolicy):
    """MetaSchedule's fixed probabilities (tile size 0.90, compute location 0.05, ...)."""

    name = "default"


class LearnedMutationPolicy(MutationPolicy):
    """A Beta-Bernoulli model of P(child improves on its parent | sketch, mutator).

    Each (sketch, mutator) pair holds a Beta posterior whose prior is centred on the rate at
    which children of any mutator improved (starting from ``base_rate``) with
    ``prior_strength`` pseudo-observations. The probability of choosing a mutator is
    its default probability re-weighted by its posterior mean relative to the other mutators,
    mixed with the defaults (``explore``) so that no mutator disappears. ``choose`` samples a
    mutator for each candidate from these probabilities.
    """

    name = "learned"

    def __init__(
        self,
        default_probs: dict[str, float],
        seed: int = 0,
        prior_strength: float = 4.0,
        base_rate: float = 0.2,
        explore: float = 0.1,
    ):
        super().__init__(default_probs)
        self.prior_strength = prior_strength
        self.base_rate = base_rate
        self.explore = explore
        self.success: dict[tuple[int | None, str], float] = defaultdict(float)
        self.trials: dict[tuple[int | None, str], float] = defaultdict(float)
        self._rng = random.Random(seed)

    def _pooled_rate(self) -> float:
        """How often a child improved on its parent, over every mutator (the prior's centre)."""
        trials = sum(v for (sk, _), v in self.trials.items() if sk is None)
        success = sum(v for (sk, _), v in self.success.items() if sk is None)
        return (success + self.base_rate * self.prior_strength) / (trials + self.prior_strength)

    def _posterior(self, sketch: int | None, mutator: str, base: float) -> tuple[float, float]:
        # centred on the pooled rate ``base``, a mutator with no observations keeps its default
        # probability instead of looking worse than the ones tried most
        a = base * self.prior_strength + self.success[(sketch, mutator)]
        b = (
            (1 - base) * self.prior_strength
            + self.trials[(sketch, mutator)]
            - self.success[(sketch, mutator)]
        )
        if sketch is not None and self.trials[(sketch, mutator)] == 0:
            # fall back to what this mutator did on any sketch
            a += self.success[(None, mutator)]
            b += self.trials[(None, mutator)] - self.success[(None, mutator)]
        return a, b

    def probs(self, sketch: int | None = None) -> dict[str, float]:
        means = {}
        base = self._pooled_rate()  # once per call: ``choose`` runs for every mutation
        for m in self.mutators:
            a, b = self._posterior(sketch, m, base)
            means[m] = a / (a + b)
        weighted = {m: self.default[m] * means[m] for m in self.mutators}
        total = sum(weighted.values()) or 1.0
        return {
            m: (1 - self.explore) * weighted[m] / total + self.explore * self.default[m]
            for m in self.mutators
        }

    def choose(self, sketch: int | None, rng: random.Random | None = None) -> str:
        """Sample a mutator for one candidate of ``sketch`` from :meth:`probs`."""
        rng = rng or self._rng
        probs = self.probs(sketch)
        r, acc = rng.random(), 0.0
        for m, p in probs.items():
            acc += p
            if r <= acc:
                return m
        return self.mutators[-1]

    def observe(self, outcomes: Iterable[tuple[int | None, str, bool]]) -> None:
        for sketch, mutator, improved in outcomes:
            if mutator not in self.default:
                continue
            for key in ((sketch, mutator), (None, mutator)):
                self.trials[key] += 1
                self.success[key] += 1.0 if improved else 0.0

    def state(self) -> dict[str, Any]:
        return {
            "success": [[k[0], k[1], v] for k, v in self.success.items()],
            "trials": [[k[0], k[1], v] for k, v in self.trials.items()],
        }


def mutator_name(mutator: Any) -> str:
    """A readable name of a MetaSchedule mutator (``MutateTileSize`` -> ``tile-size``)."""
    name = type(mutator).__name__.removeprefix("Mutate")
    out = []
    for ch in name:
        if ch.isupper() and out:
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


def make_chooser(
    mutators: dict[str, Any],
    policy: MutationPolicy,
    sketch_of: Any,
    key_of: Any,
    log: dict,
) -> Any:
    """A MetaSchedule mutator that picks one of ``mutators`` per candidate with ``policy``.

    Every child it produces is logged as ``log[key_of(child)] = (mutator, key_of(parent),
    sketch)``, so the session can tell which mutator produced each measured child and whether
    it beat its parent.
    """
    from tvm.ir.utils import derived_object
    from tvm.s_tir.meta_schedule import _ffi_api
    from tvm.s_tir.meta_schedule.mutator import PyMutator

    seen: dict[int, int] = {}  # calls per random state handed in

    @derived_object
    class LearnedMutatorChoice(PyMutator):
        def __init__(self) -> None:
            super().__init__()

        def _initialize_with_tune_context(self, context: Any) -> None:
            for m in mutators.values():
                m._initialize_with_tune_context(context)

        def apply(self, trace: Any, rand_state: Any) -> Any:
            # MetaSchedule hands a Python mutator the thread's random state by value, and the
            # state moves on only once a child passes postprocessing. Seeded from it alone, a
            # draw whose child fails repeats for the rest of the generation (in one round on
            # matmul one state came in about 3,000 times), and each mutation shares its random
            # stream with the draws that follow. So each call draws from its own stream: the
            # state together with how often it was seen.
            state = int(rand_state)
            calls = seen.get(state, 0)
            seen[state] = calls + 1
            rng = random.Random((state << 32) | calls)
            sketch = sketch_of(trace)
            name = policy.choose(sketch, rng)
            child = _ffi_api.MutatorApply(mutators[name], trace, rng.randrange(1, 2**31 - 1))
            if child is None:
                # as with MetaSchedule's own mutators: the search draws a new parent and mutator
                return None
            log[key_of(child)] = (name, key_of(trace), sketch)
            return child

        def clone(self) -> Any:
            return self

    return LearnedMutatorChoice()
