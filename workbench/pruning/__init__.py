"""Predefined pruning rules for the schedule search space.

Rules run inside MetaSchedule's evolutionary search as its last post-processor, so a pruned
candidate is never predicted, built or measured. Every pruning is counted by rule, round and
sketch, and a bounded sample of pruned candidates is kept with the rule that fired.

>>> import workbench
>>> workbench.pruning.available()[:3]
['balanced-parallelism', 'enough-blocks', 'enough-parallelism']
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import WorkbenchError, unknown_choice
from ._base import Candidate, Rule, TargetFacts
from .cpu import (
    BalancedParallelism,
    EnoughParallelism,
    L1OutputTileFits,
    PointlessUnroll,
    ReductionInnerTileRange,
    RegisterTileFits,
    VectorAlignedInnerTile,
)
from .gpu import EnoughBlocks, SharedMemoryLimit, ThreadsMultipleOfWarp, ThreadsWithinLimit

__all__ = [
    "Rule",
    "Candidate",
    "TargetFacts",
    "RULES",
    "available",
    "describe",
    "get",
    "Pruning",
]

RULES: dict[str, type[Rule]] = {
    cls.name: cls
    for cls in [
        EnoughParallelism,
        BalancedParallelism,
        VectorAlignedInnerTile,
        RegisterTileFits,
        L1OutputTileFits,
        ReductionInnerTileRange,
        PointlessUnroll,
        ThreadsMultipleOfWarp,
        ThreadsWithinLimit,
        SharedMemoryLimit,
        EnoughBlocks,
    ]
}


def available(target_kind: str | None = None) -> list[str]:
    """Rule names, sorted; only those for ``"cpu"`` or ``"gpu"`` when ``target_kind`` is given."""
    return sorted(
        n for n, cls in RULES.items() if target_kind is None or target_kind in cls.targets
    )


def describe() -> list[dict[str, Any]]:
    """One dict per rule: ``name``, ``rationale``, ``targets``, ``params`` (defaults)."""
    return [RULES[n]().describe() for n in available()]


def get(name: str, **params: Any) -> Rule:
    """An instance of the rule ``name`` with parameters overriding its defaults."""
    if name not in RULES:
        raise unknown_choice("pruning rule", name, RULES)
    cls = RULES[name]
    bad = set(params) - set(cls.params())
    if bad:
        raise WorkbenchError(
            f"pruning rule {name}: unknown parameter(s) {sorted(bad)}; valid: {sorted(cls.params())}"
        )
    return cls(**params)


class Pruning:
    """The live pruning state of one session (``session.pruning``).

    Enable and disable rules between rounds; the change applies from the next round.

    Parameters
    ----------
    facts : TargetFacts
        The target the rules judge candidates for.
    enabled : iterable of str or Rule
        Rules to start with.
    sketch_of : callable
        Maps a schedule's trace to its sketch id (for per-sketch counts).
    sample_size : int
        Pruned candidates kept per rule and round (reservoir sampling).
    audit : int
        Pruned candidates measured per round to estimate each rule's precision.
    seed : int
        Seed of the sampling.
    """

    def __init__(
        self,
        facts: TargetFacts,
        enabled: Iterable[str | Rule] = (),
        sketch_of: Callable[[Any], int | None] = lambda trace: None,
        sample_size: int = 8,
        audit: int = 0,
        seed: int = 0,
    ):
        self.facts = facts
        self._rules: dict[str, Rule] = {}
        self._sketch_of = sketch_of
        self.sample_size = sample_size
        self.audit = audit
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.begin_round()
        for rule in enabled:
            self.enable(rule)

    # -- user API ---------------------------------------------------------------------------
    @property
    def available(self) -> list[str]:
        """Rules that apply to this session's target."""
        return available(self.facts.kind)

    @property
    def enabled(self) -> list[str]:
        """Names of the enabled rules."""
        return sorted(self._rules)

    def rationale(self, name: str) -> str:
        """The one-line reason behind rule ``name``."""
        if name not in RULES:
            raise unknown_choice("pruning rule", name, RULES)
        return RULES[name].rationale

    def enable(self, rule: str | Rule, **params: Any) -> None:
        """Enable a rule (by name, with optional parameters, or as an instance)."""
        if isinstance(rule, Rule):
            inst = rule
        else:
            inst = get(rule, **params)
        if self.facts.kind not in inst.targets:
            raise WorkbenchError(
                f"pruning rule {inst.name} applies to {', '.join(inst.targets)} targets, not "
                f"{self.facts.kind}; rules for this target: {', '.join(self.available)}"
            )
        with self._lock:
            self._rules[inst.name] = inst

    def disable(self, name: str) -> None:
        """Disable a rule; unknown names raise, disabling a disabled rule does nothing."""
        if name not in RULES and name not in self._rules:
            raise unknown_choice("pruning rule", name, RULES)
        with self._lock:
            self._rules.pop(name, None)

    def rules(self) -> list[Rule]:
        """The enabled rule instances."""
        return [self._rules[n] for n in self.enabled]

    # -- the search side ---------------------------------------------------------------------
    def begin_round(self) -> None:
        """Reset the per-round counters."""
        self.seen = 0
        self.counts: Counter[str] = Counter()
        self.by_sketch: dict[str, Counter[str]] = defaultdict(Counter)
        self._reservoir: dict[str, list[tuple[int | None, Any]]] = defaultdict(list)
        self._offered: Counter[str] = Counter()

    def check(self, sch: Any) -> bool:
        """Keep (True) or prune (False) one sampled schedule; counts either way."""
        rules = list(self._rules.values())
        with self._lock:
            self.seen += 1
        if not rules:
            return True
        cand = Candidate(sch)
        for rule in rules:
            try:
                pruned = rule.prunes(cand, self.facts)
            except Exception:  # noqa: BLE001 - a rule that cannot judge keeps the candidate
                pruned = False
            if pruned:
                self._record(rule.name, sch)
                return False
        return True

    def _record(self, rule: str, sch: Any) -> None:
        sketch = self._sketch_of(sch.trace)
        with self._lock:
            self.counts[rule] += 1
            self.by_sketch[rule][str(sketch)] += 1
            self._offered[rule] += 1
            bucket = self._reservoir[rule]
            if len(bucket) < self.sample_size:
                bucket.append((sketch, sch))
            else:
                j = self._rng.randrange(self._offered[rule])
                if j < self.sample_size:
                    bucket[j] = (sketch, sch)

    def samples(self) -> list[tuple[str, int | None, Any]]:
        """This round's kept pruned samples: ``(rule, sketch, schedule)``."""
        return [
            (rule, sk, sch) for rule, items in sorted(self._reservoir.items()) for sk, sch in items
        ]

    def audit_samples(self, n: int, start: int = 0) -> list[tuple[str, int | None, Any]]:
        """Up to ``n`` of this round's pruned samples, spread over the rules that fired.

        Rules take turns (one sample each, then a second each, ...), beginning with the rule at
        position ``start`` (the session passes the round number), so that over the rounds every
        rule is audited, not only the first in name order."""
        rules = sorted(r for r, items in self._reservoir.items() if items)
        if n <= 0 or not rules:
            return []
        k = start % len(rules)
        rules = rules[k:] + rules[:k]
        out: list[tuple[str, int | None, Any]] = []
        depth = 0
        while len(out) < n and any(depth < len(self._reservoir[r]) for r in rules):
            for rule in rules:
                items = self._reservoir[rule]
                if depth < len(items) and len(out) < n:
                    out.append((rule, *items[depth]))
            depth += 1
        return out

    def relax(self) -> str | None:
        """Disable the rule that pruned most this round (or any enabled one); return its name."""
        if not self._rules:
            return None
        ranked = sorted(self._rules, key=lambda n: (-self.counts.get(n, 0), n))
        name = ranked[0]
        self.disable(name)
        return name


def make_gate(pruning: Pruning) -> Any:
    """The MetaSchedule post-processor that applies ``pruning`` to every sampled schedule."""
    from tvm.ir.utils import derived_object
    from tvm.s_tir.meta_schedule.postproc import PyPostproc

    @derived_object
    class PruningGate(PyPostproc):
        def __init__(self) -> None:
            super().__init__()

        def _initialize_with_tune_context(self, context: Any) -> None:
            pass

        def apply(self, sch: Any) -> bool:
            return pruning.check(sch)

        def clone(self) -> Any:
            return self

    return PruningGate()
