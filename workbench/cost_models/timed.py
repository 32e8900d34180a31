"""The cost model as the evolutionary search sees it: the same scores, and the time they took.

MetaSchedule's evolutionary search calls the cost model's ``predict`` on every generation of its
population (about 2000 new candidates a round with the defaults). For a trained per-store-feature
model that is where most of the model's cost lies: feature extraction of each new candidate.
:class:`TimedCostModel` passes every call on to the wrapped model unchanged and adds its wall
seconds and candidate count to a :class:`SearchClock`, which the session reads per round
(``model_search_predict_s`` and ``model_search_scored`` in ``session.round_table()``).
"""

from __future__ import annotations

import time
from typing import Any

from tvm.ir.utils import derived_object
from tvm.s_tir.meta_schedule.cost_model import PyCostModel

__all__ = ["SearchClock", "TimedCostModel"]


class SearchClock:
    """Running totals of the search's calls to a cost model's ``predict``."""

    __slots__ = ("seconds", "scored")

    def __init__(self) -> None:
        self.seconds = 0.0
        self.scored = 0

    def snapshot(self) -> tuple[float, int]:
        """``(seconds, scored)`` so far."""
        return self.seconds, self.scored


@derived_object
class TimedCostModel(PyCostModel):
    """``model`` unchanged, with the time of each ``predict`` added to ``clock``."""

    def __init__(self, model: Any, clock: SearchClock) -> None:
        self.model = model
        self.clock = clock

    def predict(self, context: Any, candidates: list[Any]) -> Any:
        t0 = time.perf_counter()
        scores = self.model.predict(context, candidates)
        self.clock.seconds += time.perf_counter() - t0
        self.clock.scored += len(candidates)
        return scores

    def update(self, context: Any, candidates: list[Any], results: list[Any]) -> None:
        self.model.update(context, candidates, results)

    def load(self, path: str) -> None:
        self.model.load(path)

    def save(self, path: str) -> None:
        self.model.save(path)
