"""Task schedulers: which task of a network gets the next round of measurements.

Both work on plain per-task state (weight, best latency after each of its rounds, whether it
can go on), so they are pure functions of the run log and a resumed run continues where it
stopped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..errors import WorkbenchError, unknown_choice

__all__ = ["TaskState", "RoundRobin", "GradientBased", "SCHEDULERS", "make_scheduler"]


@dataclass
class TaskState:
    """What a scheduler knows about one task.

    Attributes
    ----------
    weight : int
        How often the network calls the task.
    history : list of float
        Best latency (seconds; ``inf`` before a valid measurement) after each of the task's
        rounds, oldest first.
    alive : bool
        Whether the task can take another round (not exhausted, under its trial cap).
    """

    weight: int
    history: list[float] = field(default_factory=list)
    alive: bool = True


class RoundRobin:
    """The baseline: every live task in turn."""

    name = "round-robin"

    def next_task(self, states: list[TaskState], last: int | None) -> int | None:
        """The task after ``last`` (the previous round's task) that is still alive."""
        n = len(states)
        start = -1 if last is None else last
        for k in range(1, n + 1):
            i = (start + k) % n
            if states[i].alive:
                return i
        return None


class GradientBased:
    """MetaSchedule's gradient-based scheduler (Ansor's task scheduler).

    First every task gets one round. Then each live task ``i`` with ``n`` rounds and best
    latency ``b_n`` is scored by how much one more round is expected to cut the network's
    latency::

        backward = (b_{n-1-window} - b_n) / window     (0 while n < window + 1)
        forward  = b_n / n
        score    = weight * (alpha * backward + (1 - alpha) * forward)

    A task without a valid measurement yet scores 1e9. The highest score wins; when all
    scores are equal a task is drawn at random (seeded).

    Parameters
    ----------
    alpha : float
        Weight of the backward (observed) improvement against the optimistic forward guess.
    window : int
        How many rounds back the backward improvement looks.
    seed : int
        Seeds the tie-break.
    """

    name = "gradient"

    def __init__(self, alpha: float = 0.2, window: int = 3, seed: int = 0):
        if not 0.0 <= alpha <= 1.0:
            raise WorkbenchError(f"alpha must be in [0, 1], got {alpha!r}")
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise WorkbenchError(f"window must be an integer >= 1, got {window!r}")
        self.alpha, self.window = float(alpha), window
        self._rng = random.Random(seed)

    def scores(self, states: list[TaskState]) -> list[float | None]:
        """Each task's score (``None`` for tasks that are not alive)."""
        out: list[float | None] = []
        for st in states:
            if not st.alive:
                out.append(None)
                continue
            n = len(st.history)
            best = st.history[-1] if n else float("inf")
            if n == 0 or best >= 1e9:
                out.append(1e9)
                continue
            backward = (
                (st.history[n - 1 - self.window] - best) / self.window
                if n >= self.window + 1
                else 0.0
            )
            forward = best / n
            out.append(st.weight * (self.alpha * backward + (1 - self.alpha) * forward))
        return out

    def next_task(self, states: list[TaskState], last: int | None) -> int | None:
        """The live task with the highest score (tasks never tuned come first, in order)."""
        for i, st in enumerate(states):
            if st.alive and not st.history:
                return i
        scores = self.scores(states)
        alive = [i for i, s in enumerate(scores) if s is not None]
        if not alive:
            return None
        values = [scores[i] for i in alive]
        if max(values) == min(values):  # type: ignore[type-var]
            return alive[self._rng.randrange(len(alive))]
        return alive[values.index(max(values))]  # type: ignore[type-var]


SCHEDULERS = ["gradient", "round-robin"]


def make_scheduler(name: str, seed: int = 0, alpha: float = 0.2, window: int = 3):
    """A scheduler by name (one of :data:`SCHEDULERS`)."""
    if name == "gradient":
        return GradientBased(alpha=alpha, window=window, seed=seed)
    if name == "round-robin":
        return RoundRobin()
    raise unknown_choice("task scheduler", name, SCHEDULERS)
