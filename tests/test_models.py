"""Whole models: the zoo, task extraction, ModelSession with both schedulers, compile, export.

Real TVM throughout, on tiny budgets: the zoo's 3-layer perceptron (two tasks) tuned with 4
candidates per round and a 64-schedule population. The random cost model keeps the rounds
cheap; cost models themselves are exercised by the single-task tests.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import workbench as wb
from workbench.errors import WorkbenchError
from workbench.models.schedulers import GradientBased, RoundRobin, TaskState

from .conftest import FAST

MODEL_FAST = {
    **{k: v for k, v in FAST.items() if k != "trials_per_round"},
    "trials_per_round": 4,
    "cost_model": "random",
}


def _call_tir_count(mod) -> int:
    """Calls of TIR functions in the network's ``main`` (one per fused-operator call)."""
    return mod["main"].script().count("R.call_tir(")


# ---------------------------------------------------------------------- zoo and extraction
def test_resnet18_tasks_are_sane():
    model = wb.models.load("resnet18")
    target = wb.resolve_target("cpu")
    tasks = model.tasks(target)
    names = [t.name for t in tasks]
    assert 15 <= len(tasks) <= 30
    assert len(set(names)) == len(names)
    # ResNet-18 has 20 convolutions (stem, 16 in the blocks, 3 shortcut projections): every
    # one is fused into a task, and the weights count each call.
    assert sum(t.weight for t in tasks if "conv2d" in t.name) == 20
    assert any(n.startswith("max_pool2d") for n in names)
    assert any("matmul" in n for n in names)  # the classifier
    # The weights add up to the number of fused-operator calls in the network.
    assert sum(t.weight for t in tasks) == _call_tir_count(model.fused_module(target))
    # The stem: 7x7 conv, 3 -> 64 channels, 224 -> 112, FLOPs = 2*C*R*S*K*P*Q (+ epilogue).
    stem = next(t for t in tasks if t.shapes and t.shapes[0] == (1, 3, 224, 224))
    assert stem.shapes[-1] == (1, 64, 112, 112)
    assert stem.flops >= 2 * 3 * 7 * 7 * 64 * 112 * 112
    assert all(t.task.is_module_task and t.task.spec.startswith("prim_func:") for t in tasks)


def test_zoo_models_extract():
    target = wb.resolve_target("cpu")
    for name in ("mobilenetv2", "bert-layer"):
        model = wb.models.load(name)
        tasks = model.tasks(target)
        assert sum(t.weight for t in tasks) == _call_tir_count(model.fused_module(target))
    bert = wb.models.extract_tasks("bert-layer")
    # Q, K and V projections share one task with weight 3 (plus the output projection).
    qkv = [t for t in bert if t.shapes[:2] == [(1, 128, 768), (768, 768)] and t.weight >= 3]
    assert qkv


def test_unknown_model_names_the_choices():
    with pytest.raises(WorkbenchError, match="unknown model 'resnet19'.*resnet18"):
        wb.models.load("resnet19")
    with pytest.raises(WorkbenchError, match="no ONNX file"):
        wb.models.load("missing/model.onnx")


def test_module_task_has_no_reference_and_no_rebuildable_spec():
    task = wb.models.extract_tasks("mlp")[0].task
    with pytest.raises(WorkbenchError, match="no NumPy reference"):
        task.check(None)
    with pytest.raises(WorkbenchError, match="cannot be rebuilt"):
        wb.workload(task.spec)
    assert task.flops > 0
    assert task.input_shapes() == task.buffer_shapes()[:-1] == [(1, 128), (128, 128), (128,)]


# ---------------------------------------------------------------------- schedulers
def test_round_robin_cycles_over_live_tasks():
    rr = RoundRobin()
    states = [TaskState(1), TaskState(1, alive=False), TaskState(1)]
    picks, last = [], None
    for _ in range(4):
        last = rr.next_task(states, last)
        picks.append(last)
    assert picks == [0, 2, 0, 2]
    assert rr.next_task([TaskState(1, alive=False)], None) is None


def test_gradient_scheduler_follows_the_formula():
    g = GradientBased(alpha=0.2, window=3, seed=0)
    # Untuned tasks first, in order.
    assert g.next_task([TaskState(1, [1.0]), TaskState(1, [])], last=0) == 1
    # Forward term: best / rounds, times weight; task 1 has weight 3.
    states = [TaskState(1, [4.0, 4.0]), TaskState(3, [2.0, 2.0])]
    scores = g.scores(states)
    assert scores[0] == pytest.approx(0.8 * 4.0 / 2)
    assert scores[1] == pytest.approx(3 * 0.8 * 2.0 / 2)
    assert g.next_task(states, last=1) == 1
    # Backward term over the window: a task that keeps improving wins over a flat one.
    improving = TaskState(1, [10.0, 8.0, 6.0, 4.0])
    flat = TaskState(1, [4.5, 4.5, 4.5, 4.5])
    s_imp, s_flat = g.scores([improving, flat])
    assert s_imp == pytest.approx(0.2 * (10.0 - 4.0) / 3 + 0.8 * 4.0 / 4)
    assert s_imp > s_flat
    # A task without a valid measurement gets the top score.
    assert g.next_task([TaskState(1, [1.0]), TaskState(1, [math.inf])], last=0) == 1
    with pytest.raises(WorkbenchError):
        GradientBased(alpha=2.0)


# ---------------------------------------------------------------------- tuning a network
@pytest.fixture(scope="module")
def tuned_mlp(tmp_path_factory):
    """The 3-layer perceptron tuned for 3 rounds of 4 with the gradient scheduler."""
    work_dir = tmp_path_factory.mktemp("mlp") / "run"
    session = wb.ModelSession("mlp", work_dir=work_dir, seed=0, scheduler="gradient", **MODEL_FAST)
    picks, expected = [], []
    for _ in range(3):
        expected.append(session.next_task())
        rnd = session.step()
        picks.append(rnd.task_index)
    yield session, work_dir, picks, expected
    session.close()


def test_gradient_model_session_tunes_every_task(tuned_mlp):
    session, work_dir, picks, expected = tuned_mlp
    assert len(session.tasks) == 2
    assert picks[:2] == [0, 1]  # one warm-up round each, in order
    assert picks == expected
    assert session.trials == 12
    assert all(s.best is not None for s in session.sessions)
    assert session.estimated_latency_us() == pytest.approx(
        sum(
            t.weight * s.rounds[-1]["best_latency_us"]
            for t, s in zip(session.tasks, session.sessions)
        )
    )
    man = json.loads((work_dir / "workbench.json").read_text())
    assert man["kind"] == "model" and man["model"] == "mlp" and man["scheduler"] == "gradient"
    assert [t["name"] for t in man["tasks"]] == [t.name for t in session.tasks]
    for entry in man["tasks"]:
        task_man = json.loads((work_dir / entry["dir"] / "workbench.json").read_text())
        assert task_man["kind"] == "task" and task_man["workload"] == entry["workload"]
        assert (work_dir / entry["dir"] / "task_module.json").exists()
    lines = (work_dir / "rounds.jsonl").read_text().splitlines()
    assert [json.loads(x)["task_index"] for x in lines] == picks


def test_task_run_reopens_without_the_model(tuned_mlp):
    session, work_dir, _, _ = tuned_mlp
    first = session.sessions[0]
    with wb.Session.open(work_dir / "tasks" / first.task.name) as reopened:
        assert reopened.task.spec == first.task.spec
        assert reopened.trials == first.trials
        assert reopened.best.latency_us == pytest.approx(first.best.latency_us)


def test_tuned_build_matches_untuned_and_exports(tuned_mlp, tmp_path):
    import tvm
    from tvm import relax

    session, _, _, _ = tuned_mlp
    x = session.model.make_inputs(1)
    tuned = session.predict(x, tuned=True)
    untuned = session.predict(x, tuned=False)
    np.testing.assert_allclose(tuned, untuned, rtol=1e-4, atol=1e-5)
    # Against NumPy on the same weights (the zoo MLP: x @ W.T + b, ReLU between layers).
    w = session.model.weights
    h = x[0].astype("float64")
    for i in range(3):
        h = h @ w[f"layers.{i}.weight"].T + w[f"layers.{i}.bias"]
        h = np.maximum(h, 0) if i < 2 else h
    np.testing.assert_allclose(tuned, h, rtol=1e-4, atol=1e-5)

    frame = session.benchmark(repeat=3, torch=False)
    assert list(frame["build"]) == ["untuned", "tuned"]
    assert (frame["median_ms"] > 0).all() and (frame["max_rel_diff"] < 1e-4).all()

    paths = session.export(tmp_path / "out")
    lib = tvm.runtime.load_module(str(paths["library"]))
    vm = relax.VirtualMachine(lib, tvm.cpu())
    y = vm["main"](tvm.runtime.tensor(x[0])).numpy()
    np.testing.assert_allclose(y, tuned, rtol=1e-5, atol=1e-6)
    summary = json.loads(paths["summary"].read_text())
    assert summary["tuned_tasks"] == 2 and summary["trials"] == session.trials
    assert (paths["database"] / "database_tuning_record.json").read_text().count("\n") == 2


def test_resume_keeps_counts_and_continues(tuned_mlp):
    session, work_dir, picks, _ = tuned_mlp
    counts = [s.trials for s in session.sessions]
    with wb.ModelSession.open(work_dir) as resumed:
        assert [s.trials for s in resumed.sessions] == counts
        assert [r["task_index"] for r in resumed.rounds] == picks
        assert resumed.scheduler_name == "gradient" and resumed.trials_per_round == 4
        assert resumed.cost_model == "random"
        rnd = resumed.step()
        assert rnd.round == len(picks) and resumed.trials == sum(counts) + rnd.measured
    with pytest.raises(WorkbenchError, match="holds a run of model mlp"):
        wb.ModelSession("bert-layer", work_dir=work_dir)


def test_round_robin_model_session_alternates():
    with wb.ModelSession("mlp", scheduler="round-robin", seed=1, **MODEL_FAST) as session:
        rounds = session.run(12)
        assert [r.task_index for r in rounds] == [0, 1, 0]
        assert [s.trials for s in session.sessions] == [8, 4]
        assert session.rounds[-1]["trials"] == 12
    with pytest.raises(WorkbenchError, match="unknown task scheduler"):
        wb.ModelSession("mlp", scheduler="greedy")
    with pytest.raises(WorkbenchError, match="bad task session setting.*bogus"):
        wb.ModelSession("mlp", bogus=1)


# ---------------------------------------------------------------------- ONNX
def _tiny_onnx(path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((32, 64)).astype("float32") * 0.1
    b1 = rng.standard_normal(64).astype("float32") * 0.1
    w2 = rng.standard_normal((64, 10)).astype("float32") * 0.1
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Add", ["h", "b1"], ["h2"]),
        helper.make_node("Relu", ["h2"], ["h3"]),
        helper.make_node("MatMul", ["h3", "w2"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"))],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return w1, b1, w2


def test_onnx_import_extracts_and_runs(tmp_path):
    path = tmp_path / "tiny.onnx"
    w1, b1, w2 = _tiny_onnx(path)
    model = wb.models.load(str(path))
    assert model.name == "tiny" and model.inputs == {"x": ((1, 32), "float32")}
    tasks = wb.models.extract_tasks(model)
    assert len(tasks) == 2 and sum(t.weight for t in tasks) == 2
    with wb.ModelSession(str(path), **MODEL_FAST) as session:
        x = model.make_inputs(0)
        y = session.predict(x, tuned=False)
    expected = np.maximum(x[0] @ w1 + b1, 0) @ w2
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_onnx_missing_package_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` fail
    with pytest.raises(WorkbenchError, match=r"pip install tvm-workbench\[onnx\]"):
        wb.models.load(str(path))


# ---------------------------------------------------------------------- PyTorch twin
def test_torch_twin_matches_when_torch_is_installed():
    pytest.importorskip("torch")
    from workbench.models._torch import torch_latency

    model = wb.models.load("mlp")
    x = model.make_inputs(0)
    with wb.ModelSession(model, **MODEL_FAST) as session:
        ours = session.predict(x, tuned=False)
    ms_values, out, _ = torch_latency(model, x, repeat=2, threads=1)
    assert len(ms_values) == 2
    np.testing.assert_allclose(out, ours, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------- CLI
def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_cli_tasks_lists_resnet18():
    res = _cli("tasks", "resnet18")
    assert res.returncode == 0, res.stderr
    head, *rows = res.stdout.strip().splitlines()
    count = int(head.split(":")[1].split()[0])
    assert head.startswith("resnet18:") and count == len(rows) - 1  # minus the column header
    assert sum("fused_conv2d" in r for r in rows) >= 12
    res = _cli("tasks", "resnet19")
    assert res.returncode == 2 and "unknown model" in res.stderr


def test_cli_tune_model_prints_per_task_progress(tmp_path):
    run = tmp_path / "run"
    args = ["--trials-per-round", "4", "--population", "64", "--min-repeat-ms", "5"]
    args += ["--cost-model", "random"]
    res = _cli("tune", "mlp", "--trials", "8", "--work-dir", str(run), *args)
    assert res.returncode == 0, res.stderr
    progress = [line for line in res.stdout.splitlines() if line.startswith("[Task")]
    assert progress[0].startswith("[Task  1/2 ] Current/Best:")
    assert progress[1].startswith("[Task  2/2 ] Current/Best:")
    assert "Progress: (4/8)" in progress[0] and "Progress: (8/8)" in progress[1]
    assert json.loads((run / "workbench.json").read_text())["kind"] == "model"
    res = _cli("tune", "mlp", "--trials", "8", "--work-dir", str(run), *args)
    assert res.returncode == 0 and "8 trials already measured" in res.stdout
    res = _cli("show", str(run))
    assert res.returncode == 0, res.stderr
    assert "fused_matmul_add_relu" in res.stdout and "estimated latency" in res.stdout
    res = _cli("export", str(run), str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out" / "model.so").exists()
