"""Random scores: the search is guided by nothing (a lower bound for any learned model)."""

from __future__ import annotations


def make(*, seed: int = 0, num_threads: int = 1):
    """MetaSchedule's ``RandomModel`` with the given seed."""
    from tvm.s_tir.meta_schedule.cost_model import RandomModel

    return RandomModel(seed=seed)
