"""Shared fixtures: tiny real tuning runs (64^3 matmul, small search population)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TVM_NUM_THREADS", "2")

#: Small but real: a 64^3 matmul, 8 candidates per round, a 64-schedule population.
TINY = "matmul:M=64,N=64,K=64"
FAST = {
    "trials_per_round": 8,
    "search": {"population_size": 64, "init_min_unmeasured": 16, "genetic_num_iters": 2},
    "measure": {"min_repeat_ms": 5},
}


@pytest.fixture(scope="session")
def tuned_run(tmp_path_factory) -> Path:
    """A run directory holding 16 trials of the tiny workload (tuned once per test session)."""
    from workbench import Session

    work_dir = tmp_path_factory.mktemp("tuned") / "run"
    with Session(TINY, work_dir=work_dir, seed=0, **FAST) as s:
        s.run(16)
    return work_dir
