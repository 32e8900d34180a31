"""Real tuning on tiny budgets: the loop, the records, resume, determinism, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import workbench as wb
from workbench.errors import WorkbenchError
from workbench.records import HISTORY_COLUMNS, RunLog

from .conftest import FAST, TINY


def test_step_returns_a_complete_round_record():
    with wb.Session(TINY, **FAST) as s:
        assert len(s.sketches) >= 2
        for sk in s.sketches:
            assert sk.rules and "MultiLevelTiling" in sk.rules
            assert "sample_perfect_tile" in sk.trace
            assert "T.prim_func" in sk.script
        r = s.step()
        assert r.round == 0 and r.proposed == 8 and r.measured == 8
        assert r.sampled >= r.proposed
        assert set(r.times) == {"search", "build", "run", "update", "total"}
        assert all(v >= 0 for v in r.times.values())
        for c in r.candidates:
            assert c["error"] is None
            assert c["latency_us"] > 0 and c["gflops"] > 0
            assert np.isfinite(c["predicted"])
            assert c["sketch"] in {sk.id for sk in s.sketches}
            assert c["decisions"]  # sampled tile sizes etc.
        assert r.best_gflops == pytest.approx(max(c["gflops"] for c in r.candidates))
        assert s.trials == 8


def test_run_history_best_and_monotone_convergence():
    rounds_seen = []
    with wb.Session(TINY, **FAST) as s:
        rounds = s.run(20, callbacks=[rounds_seen.append])
        assert [r.measured for r in rounds] == [8, 8, 4]
        assert rounds_seen == rounds
        h = s.history
        assert list(h.columns[: len(HISTORY_COLUMNS)]) == HISTORY_COLUMNS
        assert len(h) == 20 and list(h["trial"]) == list(range(1, 21))
        assert h["candidate"].is_unique
        best = h["best_gflops"].to_numpy()
        assert np.all(np.diff(best) >= 0), "best so far must never decrease"
        assert best[-1] == pytest.approx(h["gflops"].max())
        assert s.best.gflops == pytest.approx(h["gflops"].max())
        assert "T.prim_func" in s.best.script and "sample_perfect_tile" in s.best.trace
        assert np.all(np.diff(h["elapsed_s"].to_numpy()) >= 0)


def test_same_seed_same_first_proposals_and_other_seed_differs():
    def first_round(seed):
        with wb.Session(TINY, seed=seed, **FAST) as s:
            return [c["decisions"] for c in s.step().candidates]

    a, b, c = first_round(3), first_round(3), first_round(4)
    assert a == b
    assert a != c


def test_stop_takes_effect_between_rounds():
    with wb.Session(TINY, **FAST) as s:
        rounds = s.run(64, callbacks=[lambda r: s.stop()])
        assert len(rounds) == 1 and s.trials == 8


def test_cost_model_swap_trains_new_model_on_history():
    with wb.Session(TINY, **FAST) as s:
        s.step()
        s.cost_model = "random"
        assert s.cost_model == "random"
        r = s.step()
        assert r.cost_model == "random"
        s.cost_model = "xgboost"
        # the new XGBoost model has seen all 16 records before ranking anything
        assert s.cost_model_object.data_size == 16
        r = s.step()
        # a swap restarts the search, which may re-propose measured candidates: those are
        # dropped, never measured twice
        assert r.cost_model == "xgboost" and 16 < s.trials <= 24
        h = s.history
        assert h["decisions"].astype(str).is_unique
        assert list(h.groupby("round")["cost_model"].first()) == ["xgboost", "random", "xgboost"]


def test_run_log_persists_every_round(tmp_path):
    work = tmp_path / "run"
    with wb.Session(TINY, work_dir=work, **FAST) as s:
        s.step()
        log = RunLog(work)
        assert len(log.read_rounds()) == 1
        man = log.read_manifest()
        assert man["workload"] == TINY and man["cost_model"] == "xgboost"
        s.step()
        assert len(log.read_rounds()) == 2
    records = (work / "database_tuning_record.json").read_text().splitlines()
    assert len(records) == 16
    assert "T.prim_func" in (work / "best_schedule.py").read_text()
    assert all(json.loads(line) for line in records)


def test_resume_continues_without_loss_or_duplicates(tmp_path):
    work = tmp_path / "run"
    with wb.Session(TINY, work_dir=work, **FAST) as s:
        s.run(16)
        before = s.history
        best_before = s.best.gflops
    with wb.Session.open(work) as s:
        assert s.trials == 16
        assert s.best.gflops == pytest.approx(best_before)
        assert s.history.drop(columns=[]).equals(before)
        s.run(8)
        h = s.history
        assert s.trials == 24 and len(h) == 24
        assert list(h["trial"]) == list(range(1, 25))
        # round numbers continue after the resume (a resumed search may drop re-proposed
        # candidates, so the 8 new trials can take more than one round)
        assert list(h["round"].iloc[:16].unique()) == [0, 1]
        assert h["round"].iloc[16:].min() == 2
        assert h.iloc[:16].equals(before)
        assert s.best.gflops >= best_before
    records = (work / "database_tuning_record.json").read_text().splitlines()
    traces = [json.dumps(json.loads(x)[1][0]) for x in records]
    assert len(records) == 24
    assert len(set(traces)) == 24, "a candidate was measured twice"


def test_cold_start_samples_until_the_model_can_rank_then_evolves(tmp_path):
    work = tmp_path / "run"
    # lightgbm scores randomly below 16 measured candidates: rounds 0 and 1 (8 each) sample
    with wb.Session(TINY, cost_model="lightgbm", work_dir=work, cold_start=True, **FAST) as s:
        s.run(24)
        table = s.round_table()
        assert list(table["search_mode"]) == ["sample", "sample", "evolve"]
        assert list(table["measured"]) == [8, 8, 8]  # sampled rounds are full too
        # a sampled round draws one small population; an evolved one mutates it twice more
        assert table["sampled"].iloc[0] <= 64 < table["sampled"].iloc[2]
    with wb.Session.open(work) as s:
        assert s.cold_start
        s.step()
        assert s.rounds[-1]["search_mode"] == "evolve"
    with wb.Session(TINY, cost_model="lightgbm", **FAST) as s:
        s.run(16)
        assert set(s.round_table()["search_mode"]) == {"evolve"}  # off: MetaSchedule's search


def test_a_restarted_search_still_fills_its_round_with_new_candidates(tmp_path):
    # MetaSchedule's search forgets what it proposed when it restarts (here: a cost-model swap)
    # and ranks measured schedules among its best again; the session asks it for extra picks
    work = tmp_path / "run"
    with wb.Session(TINY, cost_model="lightgbm", work_dir=work, **FAST) as s:
        s.run(24)
        s.cost_model = "lightgbm"
        r = s.step()
        assert r.duplicates >= 1  # measured schedules were proposed again, and dropped
        assert r.measured == 8
        assert r.proposed > 8
        # the search's own calls to the model are counted, through the swap too: it scores
        # its population of 64 once per generation (the first and 2 genetic iterations)
        table = s.round_table()
        assert list(table["model_search_scored"]) == [3 * 64] * 4
        assert (table["model_search_predict_s"] > 0).all()
    records = (work / "database_tuning_record.json").read_text().splitlines()
    traces = [json.dumps(json.loads(x)[1][0]) for x in records]
    assert len(set(traces)) == len(traces) == 32


def test_bad_search_settings_are_refused_with_the_valid_range():
    with pytest.raises(WorkbenchError, match="genetic_num_iters must be an integer >= 0, not -1"):
        wb.Session(TINY, search={"genetic_num_iters": -1})
    with pytest.raises(WorkbenchError, match="eps_greedy must be a number in \\[0, 1\\], not 2"):
        wb.Session(TINY, search={"eps_greedy": 2})
    with pytest.raises(WorkbenchError, match="population_size must be an integer >= 1"):
        wb.Session(TINY, search={"population_size": "big"})


def test_numpy_search_settings_become_plain_numbers(tmp_path):
    import numpy as np

    search = {**FAST["search"], "population_size": np.int64(64), "eps_greedy": np.float32(0.25)}
    with wb.Session(TINY, work_dir=tmp_path / "run", **{**FAST, "search": search}) as s:
        assert type(s.search_settings["population_size"]) is int
        assert type(s.search_settings["eps_greedy"]) is float
        assert s.step().measured == 8  # MetaSchedule took them


def test_same_work_dir_with_other_workload_is_refused(tuned_run):
    with pytest.raises(WorkbenchError, match="holds a run of matmul:M=64,N=64,K=64"):
        wb.Session("matmul:M=32,N=32,K=32", work_dir=tuned_run)


def test_open_of_an_empty_dir_is_refused(tmp_path):
    with pytest.raises(WorkbenchError, match="holds no workbench run"):
        wb.Session.open(tmp_path)


def test_plain_tvm_applies_our_database(tuned_run):
    import tvm
    import tvm.s_tir.meta_schedule as ms

    task = wb.workload(TINY)
    db = ms.database.JSONDatabase(work_dir=str(tuned_run))
    man = RunLog(tuned_run).read_manifest()
    sch = ms.tir_integration.compile_tir(db, task.mod, tvm.target.Target(man["target"]))
    assert sch is not None
    assert "parallel" in sch.mod.script() or "vectorized" in sch.mod.script()
    task.check(tvm.compile(sch.mod, target=tvm.target.Target(man["target"])))


def test_failed_candidates_are_recorded_and_the_run_goes_on():
    # a 1 ms run timeout makes every measurement fail: each must become an error row
    settings = {**FAST, "measure": {"run_timeout": 0.001}}
    with wb.Session(TINY, **settings) as s:
        rounds = s.run(16)
        assert len(rounds) == 2
        h = s.history
        assert len(h) == 16 and h["error"].notna().all()
        assert h["gflops"].isna().all()
        assert s.best is None
        with pytest.raises(WorkbenchError, match="nothing to export"):
            s.export("unused")


@pytest.mark.parametrize(
    "kwargs,words",
    [
        ({"cost_model": "nope"}, ["unknown cost model 'nope'", "xgboost", "random"]),
        ({"trials_per_round": 0}, ["trials_per_round must be an integer >= 1"]),
        ({"seed": -1}, ["seed must be an integer >= 0"]),
        ({"search": {"populaton_size": 3}}, ["unknown search setting", "population_size"]),
        ({"measure": {"timeout": 3}}, ["bad measure settings"]),
        ({"target": "tpu"}, ["unknown target 'tpu'"]),
        ({"cold_start": "yes"}, ["cold_start must be True or False"]),
    ],
)
def test_bad_session_arguments(kwargs, words):
    with pytest.raises(WorkbenchError) as info:
        wb.Session(TINY, **kwargs)
    for word in words:
        assert word in str(info.value)
