"""The command line, run as a user would: a subprocess of the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import TINY

FAST_ARGS = ["--trials-per-round", "8", "--population", "64"]


def workbench(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_tune_prints_progress_resumes_reports_and_exports(tmp_path):
    run = tmp_path / "run"
    res = workbench(
        "tune",
        TINY,
        "--trials",
        "16",
        "--work-dir",
        str(run),
        *FAST_ARGS,
        "--cold-start",
        "--genetic-iters",
        "1",
        "--report",
        str(tmp_path / "report"),
        "--export",
        str(tmp_path / "export"),
    )
    assert res.returncode == 0, res.stderr
    lines = [x for x in res.stdout.splitlines() if x.startswith("[Task")]
    assert len(lines) == 2
    assert "Current/Best:" in lines[-1] and "GFLOPS | Progress: (16/16)" in lines[-1]
    assert (tmp_path / "report" / "report.md").read_text().startswith("# Tuning report")
    assert "<svg" in (tmp_path / "report" / "report.html").read_text()
    assert (tmp_path / "export" / "best_kernel.so").exists()
    manifest = json.loads((run / "workbench.json").read_text())
    assert manifest["cold_start"] is True
    assert manifest["search"]["genetic_num_iters"] == 1
    first = json.loads((run / "rounds.jsonl").read_text().splitlines()[0])
    assert first["search_mode"] == "sample"  # xgboost cannot rank before 100 candidates

    res = workbench("tune", TINY, "--trials", "24", "--work-dir", str(run))
    assert res.returncode == 0, res.stderr
    assert "Resuming" in res.stdout and "16 trials already measured" in res.stdout
    assert "Progress: (24/24)" in res.stdout

    res = workbench("show", str(run))
    assert res.returncode == 0
    assert "trials             24" in res.stdout

    res = workbench("export", str(run), str(tmp_path / "export2"))
    assert res.returncode == 0
    summary = json.loads((tmp_path / "export2" / "summary.json").read_text())
    assert summary["trials"] == 24


@pytest.mark.parametrize(
    "args,message",
    [
        (["tune", "gemm:M=1", "--trials", "4"], "unknown workload 'gemm'"),
        (["tune", "matmul:M=64", "--trials", "4"], "missing parameter(s) N, K"),
        (["tune", TINY, "--trials", "4", "--cost-model", "nope"], "unknown cost model 'nope'"),
        (["tune", TINY, "--trials", "4", "--target", "tpu"], "unknown target 'tpu'"),
        (["tune", TINY, "--trials", "0"], "--trials must be >= 1"),
        (["tune", TINY, "--trials", "x"], "invalid int value"),
        (
            ["tune", TINY, "--trials", "4", "--genetic-iters", "-1"],
            "genetic_num_iters must be an integer >= 0",
        ),
        (["show", "/no/such/run"], "holds no workbench run"),
        (["export", "/no/such/run", "out"], "holds no workbench run"),
        (["nosuchcommand"], "invalid choice"),
        (
            [
                "compare",
                "--config",
                "a=cost_model=xgboost",
                "--workload",
                "bad:M=1",
                "--trials",
                "4",
                "--out",
                "x",
            ],
            "unknown workload 'bad'",
        ),
    ],
)
def test_user_mistakes_exit_2_without_traceback(args, message, tmp_path):
    res = workbench(*args, cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "workbench: error:" in res.stderr and message in res.stderr


def test_workloads_and_cost_models_listings():
    res = workbench("workloads")
    assert res.returncode == 0
    for op in ["matmul", "batch_matmul", "dense", "conv2d", "conv2d_nhwc", "depthwise_conv2d"]:
        assert op in res.stdout
    assert "example:    conv2d:N=1" in res.stdout
    res = workbench("cost-models")
    assert "xgboost" in res.stdout and "random" in res.stdout
