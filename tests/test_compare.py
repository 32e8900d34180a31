from __future__ import annotations

import math

import pandas as pd
import pytest

import workbench as wb
from workbench.comparison import _median, parse_config, time_to_quality
from workbench.errors import WorkbenchError

from .conftest import FAST, TINY


def _history(best):
    return pd.DataFrame(
        {
            "trial": range(1, len(best) + 1),
            "best_gflops": best,
            "elapsed_s": [2.0 * i for i in range(1, len(best) + 1)],
        }
    )


def test_time_to_quality_finds_first_reaching_trial():
    h = _history([1.0, 5.0, 5.0, 9.0, 10.0])
    assert time_to_quality(h, 9.0) == (4.0, 8.0)
    assert time_to_quality(h, 5.0) == (2.0, 4.0)
    assert time_to_quality(h, 11.0) == (math.inf, math.inf)


def test_median_counts_runs_that_never_reach_as_infinite():
    assert _median([3.0, math.inf, 1.0]) == 3.0
    assert _median([3.0, math.inf, math.inf]) == math.inf
    assert _median([1.0, 3.0]) == 2.0


def test_parse_config():
    assert parse_config("lgbm=cost_model=lightgbm;trials_per_round=32") == (
        "lgbm",
        {"cost_model": "lightgbm", "trials_per_round": 32},
    )
    assert parse_config("baseline") == ("baseline", {})
    with pytest.raises(WorkbenchError):
        parse_config("=x")


def test_compare_runs_interleaved_and_summarizes(tmp_path):
    res = wb.compare(
        {"xgb": {"cost_model": "xgboost"}, "rand": {"cost_model": "random"}},
        workloads=[TINY],
        seeds=[0, 1],
        trials=8,
        out_dir=tmp_path,
        trials_per_round=8,
        search=FAST["search"],
        measure=FAST["measure"],
    )
    runs = res.runs
    assert set(runs.config) == {"xgb", "rand"} and set(runs.seed) == {0, 1}
    assert len(runs) == 2 * 2 * 8
    # interleaved: order rotates with the seed (seed 0: xgb first, seed 1: rand first)
    first = runs.groupby(["seed", "config"])["measured_at"].min().unstack()
    assert first.loc[0, "xgb"] < first.loc[0, "rand"]
    assert first.loc[1, "rand"] < first.loc[1, "xgb"]
    s = res.summary.set_index("config")
    ref = res.reference[TINY]
    finals = runs[runs.config == "xgb"].groupby("seed")["best_gflops"].max()
    assert ref == pytest.approx(finals.median())
    assert s.loc["xgb", "final_best_ratio"] == pytest.approx(1.0)
    # with two seeds the reference is the mean of the two finals: only the better run reaches
    # it, and the median over seeds counts the other as never reaching (infinite)
    assert finals.nunique() == 2
    assert s.loc["xgb", "reached"] == "1/2"
    assert s.loc["xgb", "trials_to_quality"] == math.inf
    for name in ("summary.csv", "summary.md", "runs.csv", "rounds.csv"):
        assert (tmp_path / name).exists()
    assert "| workload | config |" in res.markdown()
    # raw per-round data stays on disk, one run directory per (workload, config, seed)
    assert len(list((tmp_path / "runs").glob("*/*/seed*/rounds.jsonl"))) == 4

    # a second call resumes every run instead of repeating it
    again = wb.compare(
        {"xgb": {"cost_model": "xgboost"}, "rand": {"cost_model": "random"}},
        workloads=[TINY],
        seeds=[0, 1],
        trials=8,
        out_dir=tmp_path,
        trials_per_round=8,
    )
    pd.testing.assert_frame_equal(again.runs, runs)


def test_compare_rejects_bad_configs():
    with pytest.raises(WorkbenchError, match="unknown setting"):
        wb.compare({"a": {"cost_modl": "x"}}, workloads=[TINY], trials=8)
    with pytest.raises(WorkbenchError, match="at least one workload"):
        wb.compare(["xgboost"], workloads=[], trials=8)
