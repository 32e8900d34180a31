"""Figure data functions on a recorded real run and on synthetic round dicts."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench import viz
from workbench.comparison import CompareResult
from workbench.errors import WorkbenchError
from workbench.records import RunLog

from ._synthetic import MUTATORS, RULES, synthetic_rounds

DATA_AND_PLOTS = [
    (viz.convergence_data, viz.plot_convergence),
    (lambda s: viz.predicted_vs_measured_data(s).points, viz.plot_predicted_vs_measured),
    (viz.pruned_counts_data, viz.plot_pruned),
    (viz.sketch_allocation_data, viz.plot_sketch_allocation),
    (viz.mutation_probs_data, viz.plot_mutation_probs),
    (viz.round_times_data, viz.plot_round_times),
]


@pytest.fixture(scope="module")
def recorded(tuned_run):
    return RunLog(tuned_run).read_rounds()


# ------------------------------------------------------------------ convergence
def test_convergence_on_recorded_run(tuned_run, recorded):
    data = viz.convergence_data(tuned_run)
    hist = viz.history_of(recorded)
    assert list(data.columns) == ["run", "trial", "elapsed_s", "gflops", "best_gflops"]
    assert len(data) == len(hist) == 16
    assert list(data["trial"]) == list(range(1, 17))
    best = data["best_gflops"].to_numpy()
    assert np.all(np.diff(best) >= 0)
    assert best[-1] == pytest.approx(hist["gflops"].max())
    fig = viz.plot_convergence(tuned_run)
    # best-so-far against trials and against seconds, plus the per-trial markers
    assert [len(t.x) for t in fig.data] == [16, 16, 16]
    assert list(fig.data[0].y) == pytest.approx(list(best))
    assert list(fig.data[1].x) == pytest.approx(list(data["elapsed_s"]))


def test_convergence_overlays_several_runs(tuned_run, recorded):
    data = viz.convergence_data({"a": tuned_run, "b": synthetic_rounds()})
    assert sorted(data["run"].unique()) == ["a", "b"]
    assert (data["run"] == "a").sum() == 16 and (data["run"] == "b").sum() == 32
    fig = viz.plot_convergence({"a": tuned_run, "b": synthetic_rounds()}, x="trials")
    assert {t.name for t in fig.data if t.showlegend is not False} == {"a", "b"}
    with pytest.raises(WorkbenchError, match="trials"):
        viz.plot_convergence(tuned_run, x="seconds")


def _compare_result():
    rows = []
    finals = {("base", 0): [1, 4, 4, 6], ("base", 1): [2, 2, 8, 8], ("base", 2): [3, 5, 5, 7]}
    finals |= {("new", s): [v * 2 for v in b] for (c, s), b in list(finals.items())}
    for (cfg, seed), best in finals.items():
        for i, b in enumerate(best, start=1):
            rows.append(
                {
                    "config": cfg,
                    "workload": "w",
                    "seed": seed,
                    "trial": i,
                    "elapsed_s": i * (1.0 + seed),
                    "best_gflops": float(b),
                    "gflops": float(b),
                }
            )
    runs = pd.DataFrame(rows)
    return CompareResult(
        runs=runs,
        rounds=pd.DataFrame(),
        summary=pd.DataFrame(),
        configs={"base": {}, "new": {}},
        reference={},
    )


def test_compare_convergence_median_and_band_across_seeds():
    result = _compare_result()
    data = viz.compare_convergence_data(result, x="trials")
    base = data[data["config"] == "base"].set_index("x")
    # trial 3: seeds have 4, 8, 5 -> median 5, min 4, max 8
    assert base.loc[3.0, "median"] == 5 and base.loc[3.0, "lo"] == 4 and base.loc[3.0, "hi"] == 8
    assert base.loc[3.0, "seeds"] == 3
    iqr = viz.compare_convergence_data(result, band="iqr").query("config == 'base'")
    row = iqr.set_index("x").loc[3.0]
    assert row["lo"] == pytest.approx(4.5) and row["hi"] == pytest.approx(6.5)
    # aligned on seconds, a seed counts only once it has measured something
    timed = viz.compare_convergence_data(result, x="time").query("config == 'base'")
    first = timed.set_index("x").loc[1.0]
    assert first["seeds"] == 1 and first["median"] == 1
    fig = viz.plot_compare_convergence(result)
    medians = [t for t in fig.data if t.name in ("base", "new")]
    assert len(medians) == 2 and len(fig.data) == 6
    assert list(medians[1].y) == pytest.approx(list(data[data["config"] == "new"]["median"]))


# ------------------------------------------------------------------ predicted vs measured
def test_predicted_vs_measured_shows_recorded_spearman(tuned_run, recorded):
    data = viz.predicted_vs_measured_data(tuned_run)
    assert len(data.points) == 16 and data.points["round"].tolist() == [0] * 8 + [1] * 8
    assert data.metrics["spearman"].tolist() == pytest.approx(
        [r["model"]["spearman"] for r in recorded], nan_ok=True
    )
    fig = viz.plot_predicted_vs_measured(tuned_run)
    rho = recorded[-1]["model"]["spearman"]
    if rho is not None and not math.isnan(rho):
        assert f"ρ = {rho:.2f}" in fig.layout.title.text
        assert any(f"ρ={rho:.2f}" in (t.name or "") for t in fig.data)


def test_predicted_vs_measured_without_model_metrics():
    rounds = synthetic_rounds()
    for r in rounds:
        del r["model"]
    data = viz.predicted_vs_measured_data(rounds)
    assert data.metrics["spearman"].isna().all() and len(data.points) == 32
    assert isinstance(viz.plot_predicted_vs_measured(rounds), go.Figure)


# ------------------------------------------------------------------ pruning and policies
def test_pruned_counts_per_rule_and_round():
    rounds = synthetic_rounds()
    data = viz.pruned_counts_data(rounds)
    assert set(data["rule"]) == set(RULES)
    got = data.pivot(index="round", columns="rule", values="count")
    assert got[RULES[0]].tolist() == [1, 2, 3, 4] and got[RULES[1]].tolist() == [0, 2, 4, 6]
    fig = viz.plot_pruned(rounds)
    assert sorted(t.name for t in fig.data) == sorted(RULES)
    assert sum(sum(t.y) for t in fig.data) == data["count"].sum() == 22


def test_pruned_sample_from_a_session_like_frame():
    frame = pd.DataFrame(
        {"round": [0, 1], "rule": RULES, "sketch": [0, 2], "decisions": [[[1, 2]], [[4, 1]]]}
    )

    class WithPruned:
        pruned = frame

    assert viz.pruned_sample_data(WithPruned()).equals(
        frame[["round", "rule", "sketch", "decisions"]]
    )
    assert viz.pruned_sample_data(object()).empty  # a session without pruning


def test_sketch_allocation_from_policy_and_derived_from_history(recorded):
    rounds = synthetic_rounds()
    data = viz.sketch_allocation_data(rounds)
    assert (data["source"] == "policy").all()
    assert data.groupby("round")["share"].sum().tolist() == pytest.approx([1.0] * 4)
    assert data[data["round"] == 2].set_index("sketch")["share"].to_dict() == pytest.approx(
        rounds[2]["sketch_allocation"]
    )
    # a round without the policy's record: shares of its measured candidates per sketch
    derived = viz.sketch_allocation_data(recorded)
    hist = viz.history_of(recorded)
    for r, part in derived.groupby("round"):
        counts = hist[hist["round"] == r]["sketch"].value_counts(normalize=True)
        expected = {str(int(k)): v for k, v in counts.items()}
        if "sketch_allocation" not in recorded[r]:
            assert (part["source"] == "measured").all()
            assert part.set_index("sketch")["share"].to_dict() == pytest.approx(expected)
    fig = viz.plot_sketch_allocation(recorded)
    assert fig.data and all(t.stackgroup == "one" for t in fig.data)


def test_mutation_probs_over_rounds(recorded):
    rounds = synthetic_rounds()
    data = viz.mutation_probs_data(rounds)
    assert len(data) == 16 and set(data["mutator"]) == set(MUTATORS)
    tile = data[data["mutator"] == "MutateTileSize"]["prob"].tolist()
    assert tile == pytest.approx([0.9, 0.8, 0.7, 0.6])
    fig = viz.plot_mutation_probs(rounds)
    assert sorted(t.name for t in fig.data) == sorted(MUTATORS)
    expected = sum(len(r.get("mutation_probs") or {}) for r in recorded)
    assert len(viz.mutation_probs_data(recorded)) == expected


# ------------------------------------------------------------------ importance and times
def test_feature_importance_sorted_with_shares():
    frame = pd.DataFrame({"feature": ["a", "b", "c", "d"], "importance": [1.0, 5.0, 0.0, 4.0]})
    data = viz.feature_importance_data(frame, top=3)
    assert data["feature"].tolist() == ["b", "d", "a"]
    assert data["share"].tolist() == pytest.approx([0.5, 0.4, 0.1])

    class WithImportance:
        def feature_importance(self):
            return frame

    assert viz.feature_importance_data(WithImportance(), top=None)["feature"].tolist()[0] == "b"
    assert viz.feature_importance_data(object()).empty
    fig = viz.plot_feature_importance(frame, top=2)
    assert list(fig.data[0].y) == ["d", "b"]  # largest at the top of a horizontal bar chart

    class Untrained:
        def feature_importance(self):
            raise WorkbenchError("the cost model has not been trained yet")

    fig = viz.plot_feature_importance(Untrained())
    assert not fig.data and "not been trained" in fig.layout.title.text


def test_round_times_match_recorded_phases(recorded):
    data = viz.round_times_data(recorded)
    assert data["phase"].unique().tolist() == list(viz.PHASES)
    for r in recorded:
        part = data[data["round"] == r["round"]]
        assert part["seconds"].sum() == pytest.approx(r["times"]["total"], abs=1e-3)
    fig = viz.plot_round_times(recorded)
    assert [t.name for t in fig.data] == list(viz.PHASES)


# ------------------------------------------------------------------ multi-task progress
def test_task_progress_from_pairs_and_model_run_dir(tuned_run, recorded, tmp_path):
    pairs = viz.task_progress_data([("dense", synthetic_rounds()), ("matmul", tuned_run)])
    assert pairs.groupby("task")["trials"].max().to_dict() == {"dense": 32, "matmul": 16}
    model = tmp_path / "model"
    for name in ("mm_a", "mm_b"):
        shutil.copytree(tuned_run, model / "tasks" / name)
    (model / "workbench.json").write_text(
        json.dumps(
            {
                "kind": "model",
                "model": "tiny",
                "target": {"kind": "llvm"},
                "tasks": [
                    {"name": "mm_a", "workload": "matmul", "weight": 2, "dir": "tasks/mm_a"},
                    {"name": "mm_b", "workload": "matmul", "weight": 1, "dir": "tasks/mm_b"},
                ],
            }
        )
    )
    data = viz.task_progress_data(model)
    assert data["task"].unique().tolist() == ["mm_a", "mm_b"]
    assert data[data["task"] == "mm_a"]["weight"].iloc[0] == 2
    assert data[data["task"] == "mm_b"]["best_gflops"].tolist() == pytest.approx(
        [r["best_gflops"] for r in recorded]
    )
    fig = viz.plot_task_progress(model)
    assert [t.name for t in fig.data[:2]] == ["mm_a", "mm_b"] and list(fig.data[2].y) == [16, 16]
    with pytest.raises(WorkbenchError, match="no workbench.json"):
        viz.task_progress_data(tmp_path / "nothing")


# ------------------------------------------------------------------ empty and missing data
@pytest.mark.parametrize("data_fn,plot_fn", DATA_AND_PLOTS)
def test_empty_run_gives_empty_data_and_a_valid_figure(data_fn, plot_fn):
    assert data_fn([]).empty
    fig = plot_fn([])
    assert isinstance(fig, go.Figure) and len(fig.data) == 0
    fig.to_json()  # serialisable


@pytest.mark.parametrize("data_fn,plot_fn", DATA_AND_PLOTS)
def test_rounds_without_optional_keys(data_fn, plot_fn):
    rounds = synthetic_rounds(optional=False)
    data_fn(rounds)
    plot_fn(rounds).to_json()
    assert viz.pruned_counts_data(rounds).empty and viz.mutation_probs_data(rounds).empty
    assert (viz.sketch_allocation_data(rounds)["source"] == "measured").all()


def test_bad_source_is_a_clear_error(tmp_path):
    with pytest.raises(WorkbenchError, match="no workbench.json"):
        viz.convergence_data(tmp_path)
    with pytest.raises(WorkbenchError, match="Session, a run directory"):
        viz.round_times_data(42)


# ------------------------------------------------------------------ candidate table
def test_candidate_table_sorts_and_lists_pruned():
    rounds = synthetic_rounds()
    table = viz.candidate_table_data(rounds, sort_by="gflops")
    assert len(table) == 32 and list(table.columns) == viz.CANDIDATE_COLUMNS
    g = table["gflops"].dropna().tolist()
    assert g == sorted(g, reverse=True) and table["gflops"].isna().iloc[len(g) :].all()
    asc = viz.candidate_table_data(rounds, sort_by="trial", ascending=True, limit=5)
    assert asc["trial"].tolist() == [1, 2, 3, 4, 5]

    class WithPruned:
        def __init__(self):
            self.rounds = rounds
            self.pruned = pd.DataFrame(
                {"round": [1], "rule": [RULES[0]], "sketch": [0], "decisions": [[[8, 8, 1, 1]]]}
            )

    both = viz.candidate_table_data(WithPruned(), sort_by="pruned_by")
    assert both["pruned_by"].iloc[0] == RULES[0] and both["pruned_by"].notna().sum() == 1
    audited = WithPruned()
    audited.pruned["gflops"] = [12.5]  # a pruned sample measured to audit its rule
    row = viz.candidate_table_data(audited, sort_by="pruned_by").iloc[0]
    assert row["gflops"] == 12.5 and pd.isna(row["trial"])
    assert len(viz.candidate_table_data(WithPruned(), include_pruned=False)) == 32
    hist = viz.history_of(rounds)
    assert len(viz.candidate_table_data(hist)) == 32  # a bare history has no pruned sample
    assert len(viz.candidate_table_data(hist, pruned=WithPruned().pruned)) == 33
    with pytest.raises(WorkbenchError, match="gflops"):
        viz.candidate_table_data(rounds, sort_by="speed")


# ------------------------------------------------------------------ sketch view
@pytest.fixture(scope="module")
def reopened(tuned_run):
    s = wb.Session.open(tuned_run)
    yield s
    s.close()


def test_loop_nest_of_sketches_keeps_the_tiling_consistent(reopened):
    for sketch in reopened.sketches:
        data = viz.loop_nest_data(sketch.script)
        blocks = data[data["node"] == "block"]
        tiled = blocks[blocks["tiling"].notna()]
        assert len(tiled) == 1 and tiled["tiling"].iloc[0] == "SSRSRS"
        assert tiled["iter_types"].iloc[0] == "SSR"
        loops = data[data["node"] == "loop"]
        # the tile extents of each axis multiply back to the matmul's 64
        for axis in ("i", "j", "k"):
            ext = loops[loops["axis"] == axis]["extent"]
            assert len(ext) >= 2 and int(np.prod(ext.astype(int))) == 64
        text = viz.loop_nest_text(data)
        assert "tiling SSRSRS" in text and "for i_0" in text


def test_loop_nest_of_the_best_shows_loop_kinds(reopened, tuned_run):
    best = reopened.best_schedule()
    data = viz.loop_nest_data(best)
    kinds = set(data["kind"].dropna())
    assert kinds <= {"serial", "parallel", "vectorized", "unrolled"}
    assert kinds & {"parallel", "vectorized"}  # post-processing turned annotations into loops
    text = viz.loop_nest_text(best)
    assert any(f"[{k}]" in text for k in ("parallel", "vectorized"))
    # the run directory's best_schedule.py parses to the same nest
    script = (tuned_run / "best_schedule.py").read_text()
    assert viz.loop_nest_data(script)[["name", "extent", "kind"]].equals(
        data[["name", "extent", "kind"]]
    )
    html = viz.loop_nest_html(data)
    assert html.startswith('<pre class="wb-loop-nest"') and "block" in html
    with pytest.raises(WorkbenchError, match="TVMScript"):
        viz.loop_nest_data("this is not TVMScript(")


def test_sketch_decisions_pair_with_the_best(reopened):
    hist = reopened.history
    best = hist.loc[hist["gflops"].idxmax()].to_dict()
    sketch = next(s for s in reopened.sketches if s.id == best["sketch"])
    dec = viz.sketch_decisions_data(sketch.trace, best["decisions"])
    assert len(dec) == len(best["decisions"]) > 0
    assert dec["decision"].tolist() == best["decisions"]
    assert set(dec["instruction"]) <= {
        "sample_perfect_tile",
        "sample_categorical",
        "sample_compute_location",
    }
    html = viz.sketch_view_html(sketch, best, reopened.best_schedule())
    assert "current best" in html and f"trial {best['trial']}" in html
    assert html.count("wb-loop-nest") == 2  # the sketch's nest and the best's
    other = [s for s in reopened.sketches if s.id != best["sketch"]]
    if other:
        assert "current best" not in viz.sketch_view_html(other[0], best)
    summary = viz.sketch_summary_data(reopened)
    assert summary["measured"].sum() == 16
    assert summary["best_gflops"].max() == pytest.approx(best["gflops"])


def test_highlighted_tvmscript_is_html():
    out = viz.highlight_tvmscript(
        "@T.prim_func\ndef main(A: T.Buffer((4,), 'float32')):\n    pass\n"
    )
    assert out.startswith('<div class="wb-tvmscript"') and "<span style=" in out
    assert "main" in out
