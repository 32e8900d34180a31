"""Cost models: learning, ranking real recorded data, save/load, fi-reduced, resume, pretrain.

``tests/data/cost_model_matmul128.npz`` holds 128 candidates measured in a real tuning run
(``benchmarks/record_cost_model_data.py``): per-store features and measured costs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

import workbench as wb
import workbench.cost_models as cm
from workbench.errors import WorkbenchError

from .conftest import FAST, TINY

DATA = Path(__file__).parent / "data" / "cost_model_matmul128.npz"
MODELS = cm.available()
LEARNED = [m for m in MODELS if m != "random"]


def _recorded():
    with np.load(DATA) as z:
        feats = [z["features"][a:b] for a, b in zip(z["offsets"][:-1], z["offsets"][1:])]
        return feats, z["costs"].copy()


def _split(n: int, seed: int):
    perm = np.random.default_rng(seed).permutation(n)
    cut = n * 3 // 4
    return perm[:cut], perm[cut:]


def test_registry_lists_all_four_models():
    assert MODELS == ["fi-reduced", "lightgbm", "random", "xgboost"]
    assert set(cm.describe()) == set(MODELS)
    with pytest.raises(WorkbenchError, match="valid choices: fi-reduced, lightgbm"):
        cm.create("catboost")


@pytest.mark.parametrize("name", MODELS)
def test_learns_a_synthetic_monotone_relation(name):
    # Candidates of two stores each; throughput grows with the sum of one feature over them.
    rng = np.random.default_rng(1)
    feats = [rng.uniform(0, 8, size=(2, 164)).astype("float32") for _ in range(200)]
    costs = np.array([1.0 / (1.0 + f[:, 17].sum()) for f in feats])
    model = cm.create(name, seed=0)
    cm.fit_features(model, "synthetic", feats[:150], costs[:150])
    pred = cm.predict_features(model, feats[150:])
    rho = spearmanr(pred, 1.0 / costs[150:])[0]
    if name == "random":
        assert abs(rho) < 0.3, rho  # the control learns nothing
    else:
        assert rho > 0.8, rho


def _heldout_spearman(name: str) -> float:
    feats, costs = _recorded()
    scores = []
    for split in range(3):
        tr, te = _split(len(feats), split)
        model = cm.create(name, seed=split)
        cm.fit_features(model, "mm128", [feats[i] for i in tr], costs[tr])
        pred = cm.predict_features(model, [feats[i] for i in te])
        scores.append(spearmanr(pred, 1.0 / costs[te])[0])
    return float(np.mean(scores))


@pytest.fixture(scope="module")
def random_spearman() -> float:
    return _heldout_spearman("random")


@pytest.mark.parametrize("name", MODELS)
def test_ranks_recorded_tuning_data_better_than_random(name, random_spearman):
    assert abs(random_spearman) < 0.2
    if name == "random":
        return
    rho = _heldout_spearman(name)
    assert rho > 0.25 and rho > random_spearman + 0.25, (rho, random_spearman)


@pytest.mark.parametrize("name", MODELS)
def test_save_load_round_trip_gives_identical_predictions(name, tmp_path):
    feats, costs = _recorded()
    model = cm.create(name, seed=3)
    cm.fit_features(model, "mm128", feats[:96], costs[:96])
    path = tmp_path / cm.filename(name)
    assert cm.save(model, path) and path.exists()
    before = cm.predict_features(model, feats[96:])
    fresh = cm.create(name, seed=99)
    cm.load(fresh, path)
    after = cm.predict_features(fresh, feats[96:])
    np.testing.assert_array_equal(before, after)


def test_ranking_scores_reach_the_search_positive_and_in_the_same_order():
    # The evolutionary search clamps negative scores to 0 and picks parents in proportion to the
    # score: score_map="logistic" maps the rank objective's logits to (0, 1) in the same order.
    from workbench.cost_models.lightgbm import make

    feats, costs = _recorded()
    mapped, raw = make(seed=0, score_map="logistic"), make(seed=0)
    for model in (mapped, raw):
        cm.fit_features(model, "mm128", feats[:96], costs[:96])
    got, logits = cm.predict_features(mapped, feats), cm.predict_features(raw, feats)
    assert (logits <= 0).mean() > 0.2  # what the search would have clamped
    assert np.all((got > 0) & (got < 1))
    np.testing.assert_array_equal(np.argsort(got, kind="stable"), np.argsort(logits, kind="stable"))
    # The training candidates' median lands on 0.5, their middle half spread over about 0.5.
    q25, q50, q75 = np.quantile(cm.predict_features(mapped, feats[:96]), [0.25, 0.5, 0.75])
    assert abs(q50 - 0.5) < 0.01 and 0.35 < q75 - q25 < 0.6, (q25, q50, q75)
    with pytest.raises(WorkbenchError, match="valid choices: logistic, raw"):
        make(score_map="softmax")


def test_fi_reduced_really_uses_fewer_dimensions():
    feats, costs = _recorded()
    model = cm.create("fi-reduced", seed=0)
    cm.fit_features(model, "mm128", feats, costs)
    inst = model._inst
    kept = np.asarray(inst.columns)
    assert 0 < len(kept) < 164
    assert model.booster.num_feature() == len(kept)
    full = cm.create("lightgbm", seed=0)
    cm.fit_features(full, "mm128", feats, costs)
    assert full.booster.num_feature() == 164
    gain = cm.feature_importance(model)
    assert gain[kept].sum() >= 0.95 * gain.sum() - 1e-9
    # Changing a dropped dimension cannot change a prediction.
    dropped = np.setdiff1d(np.arange(164), kept)[0]
    changed = [f.copy() for f in feats[:20]]
    for f in changed:
        f[:, dropped] += 5.0
    np.testing.assert_array_equal(
        cm.predict_features(model, feats[:20]), cm.predict_features(model, changed)
    )


def test_selection_rule_and_label_redistribution():
    from workbench.cost_models.fi_reduced import redistribute, select_features

    gain = np.array([50.0, 30.0, 15.0, 4.0, 1.0] + [0.0] * 159)
    assert list(select_features(gain, 0.95, min_features=2)) == [0, 1, 2]
    assert list(select_features(gain, 0.95, min_features=8)) == [0, 1, 2, 3, 4]  # only 5 > 0
    # Skewed normalized throughput: most candidates far slower than the best.
    ys = np.array([1.0, 0.5, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.0])
    groups = np.zeros(len(ys), dtype=int)
    q = redistribute(ys, groups, "quantile")
    assert np.all(np.diff(q[:-1]) < 0) and q[-1] == 0.0  # order kept, failure stays 0
    assert np.median(q[:-1]) > 0.4 > np.median(ys[:-1])  # the dense low region is spread
    assert np.allclose(redistribute(ys, groups, "power"), np.sqrt(ys))


def test_feature_names_follow_tvm_layout():
    from tvm.s_tir.meta_schedule.feature_extractor import PerStoreFeature

    from workbench.cost_models.feature_layout import FEATURE_GROUPS

    names = cm.feature_names()
    assert len(names) == 164 == PerStoreFeature().feature_vector_length
    assert len(set(names)) == 164
    assert [len(n) for _, n in FEATURE_GROUPS] == [57, 90, 10, 4, 3]
    assert names[0] == "float_mad" and names[17] == "vectorize_prod"
    assert names[57] == "buf0.acc_read" and names[146] == "buf4.stride"
    assert names[147] == "arith_intensity_curve_0" and names[-1] == "auto_unroll_max_step"


def test_feature_importance_errors_are_clear():
    with wb.Session(TINY, cost_model="random", **FAST) as s:
        with pytest.raises(WorkbenchError, match="no feature importances"):
            s.feature_importance()
    with wb.Session(TINY, cost_model="lightgbm", **FAST) as s:
        with pytest.raises(WorkbenchError, match="not trained yet"):
            s.feature_importance()


@pytest.mark.parametrize("name", MODELS)
def test_resume_restores_the_saved_model(name, tmp_path):
    feats, _ = _recorded()
    work = tmp_path / "run"
    with wb.Session(TINY, cost_model=name, work_dir=work, seed=0, **FAST) as s:
        s.run(8)
        model = s.cost_model_object
        expected = cm.predict_features(model, feats[:32])
    assert (work / cm.filename(name)).exists()
    resumed = wb.Session.open(work)
    try:
        assert resumed.model_restored
        np.testing.assert_array_equal(
            cm.predict_features(resumed.cost_model_object, feats[:32]), expected
        )
        if name != "random":
            assert resumed.cost_model_object.data_size == 8
        resumed.step()  # and the restored model goes on learning
        assert resumed.trials == 16
    finally:
        resumed.close()


def test_feature_importance_of_a_tuned_session(tuned_run, tmp_path):
    import shutil

    run = tmp_path / "run"  # a copy: reopening with another model rewrites the manifest
    shutil.copytree(tuned_run, run)
    with wb.Session.open(run, cost_model="fi-reduced") as s:
        fi = s.feature_importance()
    assert len(fi) == 164 and set(fi["feature"]) == set(cm.feature_names())
    assert list(fi["gain"]) == sorted(fi["gain"], reverse=True)
    assert fi["share"].sum() == pytest.approx(1.0)
    assert 0 < fi["kept"].sum() < 164
    assert set(fi["group"]) >= {"computation", "buffer_access"}


def test_pretrain_trains_on_other_runs_records(tuned_run, tmp_path):
    from tvm.s_tir.meta_schedule.utils import shash2hex

    other = "matmul:M=32,N=64,K=64"
    with wb.Session(other, cost_model="lightgbm", pretrain=[tuned_run], **FAST) as s:
        model = s.cost_model_object
        # Trained before any round, on the 16 records of the other run, grouped under that
        # run's own workload (features are replayed on its module, not on this task's).
        assert s.trials == 0 and model.data_size == 16 and model.booster is not None
        assert list(model.groups) == [shash2hex(wb.workload(TINY).mod)]
        assert s.feature_importance()["gain"].sum() > 0
    with pytest.raises(WorkbenchError, match="holds no workbench run"):
        wb.Session(other, cost_model="lightgbm", pretrain=[tmp_path], **FAST)
