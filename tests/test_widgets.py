"""Widget state without a kernel: buttons drive a real session and the views follow."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.comparison import CompareResult

from .conftest import FAST, TINY

WAIT = 300  # seconds; a tiny round takes a few


@pytest.fixture
def session():
    with wb.Session(TINY, **FAST) as s:
        yield s


def test_step_button_runs_a_round_and_the_views_grow(session, tmp_path):
    dash = wb.Dashboard(session)
    conv = dash.figures["convergence"]
    assert len(conv.data) == 0 and "round 0" in dash.status.value
    dash.step_button.click()
    dash.wait(WAIT)
    assert session.trials == 8 and not dash.busy
    assert len(conv.data[0].x) == 8
    assert list(conv.data[0].y) == pytest.approx(session.history["best_gflops"].tolist())
    assert len(dash.candidates.data) == 8
    assert dash.candidates.table.value.count("<tr>") == 8 + 1  # header + rows
    assert "round 1" in dash.status.value and "8 trials" in dash.status.value
    assert "GFLOPS" in dash.status.value and "ETA" in dash.status.value

    dash.step_button.click()
    dash.wait(WAIT)
    assert len(conv.data[0].x) == 16 and len(dash.candidates.data) == 16

    # a figure on a hidden tab is redrawn when its tab is shown
    dash.tabs.selected_index = list(dash.figures).index("times")
    times = dash.figures["times"]
    assert [t.name for t in times.data] == ["search", "build", "run", "update"]
    assert list(times.data[1].x) == [0, 1]

    dash.candidates.sort("trial", ascending=True)
    assert dash.candidates.data["trial"].tolist() == list(range(1, 17))

    best = session.history.loc[session.history["gflops"].idxmax()]
    dash.sketch_browser.select.value = int(best["sketch"])
    assert "current best" in dash.sketch_browser.view.value
    assert f"trial {int(best['trial'])}" in dash.sketch_browser.view.value

    dash.export_path.value = str(tmp_path / "export")
    dash.export_button.click()
    dash.wait(WAIT)
    assert "best_schedule.py" in dash.export_output.value
    assert (tmp_path / "export" / "best_schedule.py").exists()


def test_pause_resume_budget_and_a_setting_changed_while_running(session):
    dash = wb.Dashboard(session, budget=100)
    assert dash.cost_model.options == tuple(wb.cost_models.available())
    assert dash.run(16)
    dash.cost_model.value = "random"  # the first round is in flight: queued for the next
    assert "queued" in dash.message.value and session.cost_model == "xgboost"
    dash.pause_button.click()
    dash.wait(WAIT)
    assert session.trials == 8 and session.cost_model == "random"
    assert dash.run_button.description == "Resume (8)"
    dash.budget.value = 12  # the resumed run stops at the budget
    dash.run_button.click()
    dash.wait(WAIT)
    assert session.trials == 12 and dash.run_button.description == "Run"
    assert [r["cost_model"] for r in session.rounds] == ["xgboost", "random"]
    assert len(dash.figures["convergence"].data[0].x) == 12
    assert not dash.run() and "budget" in dash.message.value
    dash.cost_model.value = "xgboost"  # idle: applied at once
    assert session.cost_model == "xgboost" and "applied" in dash.message.value


def test_a_refused_setting_is_reported_and_the_selector_resets(session):
    dash = wb.Dashboard(session)
    wb.cost_models.register("broken", _broken_model, "raises on creation (test)")
    try:
        dash.cost_model.options = wb.cost_models.available()
        dash.cost_model.value = "broken"
        assert "could not apply" in dash.message.value
        assert session.cost_model == "xgboost" and dash.cost_model.value == "xgboost"
    finally:
        wb.cost_models._REGISTRY.pop("broken")


def _broken_model(seed=0, num_threads=1):
    raise wb.WorkbenchError("this model cannot be built")


def test_rule_checkboxes_and_policy_selectors_change_the_session():
    """Uses the session's pruning and search-policy API (``session.pruning``,
    ``session.sketch_policy``, ``session.mutation_policy``)."""
    from workbench import policies

    with wb.Session(TINY, pruning=[], **FAST) as s:
        dash = wb.Dashboard(s)
        assert set(dash.rule_checkboxes) == set(s.pruning.available)
        assert not any(box.value for box in dash.rule_checkboxes.values())
        name = s.pruning.available[0]
        dash.rule_checkboxes[name].value = True
        assert name in s.pruning.enabled
        dash.rule_checkboxes[name].value = False
        assert name not in s.pruning.enabled
        assert list(dash.sketch_policy.options) == policies.SKETCH_POLICIES
        assert list(dash.mutation_policy.options) == policies.MUTATION_POLICIES
        dash.sketch_policy.value = "bandit"
        dash.mutation_policy.value = "learned"
        assert (s.sketch_policy, s.mutation_policy) == ("bandit", "learned")


def test_compare_view_draws_median_and_band_per_config():
    rows = [
        {
            "config": c,
            "workload": w,
            "seed": seed,
            "trial": t,
            "elapsed_s": float(t),
            "best_gflops": float(t * (2 if c == "new" else 1) + seed),
            "gflops": 1.0,
        }
        for c in ("base", "new")
        for w in ("w1", "w2")
        for seed in range(3)
        for t in range(1, 5)
    ]
    summary = pd.DataFrame({"workload": ["w1"], "config": ["base"], "final_best_gflops": [5.0]})
    result = CompareResult(pd.DataFrame(rows), pd.DataFrame(), summary, {"base": {}, "new": {}}, {})
    view = wb.CompareView(result)
    assert view.workload.options == ("w1", "w2")
    medians = [t for t in view.figure.data if t.name in ("base", "new")]
    assert list(medians[0].y) == [2.0, 3.0, 4.0, 5.0]  # median over seeds 0..2 of t + seed
    assert list(medians[1].y) == [3.0, 5.0, 7.0, 9.0]
    view.band.value = "iqr"
    lo = [t for t in view.figure.data if t.fill == "tonexty"][0]
    assert list(lo.y) == [1.5, 2.5, 3.5, 4.5]
    assert "final_best_gflops" in view.summary.value
