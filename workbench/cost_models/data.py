"""Training data for cost models: measured records of run directories, and their features.

Per-store features depend on the task's module, so the records of a run directory are
replayed on that run's own workload (``workbench.json`` holds its spec and target), never on
the workload of the session being tuned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError

__all__ = ["RunRecords", "load_run_records", "run_task_dirs", "extract_features", "FEATURE_DIM"]

#: Length of MetaSchedule's per-store feature vector (``PerStoreFeature``, no workload part).
FEATURE_DIM = 164


@dataclass
class RunRecords:
    """The measured records of one single-task run directory, ready for ``CostModel.update``.

    Attributes
    ----------
    directory : Path
        The run directory.
    workload : str
        Its workload spec.
    context : TuneContext
        A context on that run's own module and target (what feature extraction needs).
    candidates, results : list
        ``MeasureCandidate`` / ``RunnerResult`` pairs rebuilt from the TVM database.
    """

    directory: Path
    workload: str
    context: Any
    candidates: list[Any]
    results: list[Any]


def run_task_dirs(run_dir: str | Path) -> list[Path]:
    """The single-task run directories in ``run_dir``.

    A single-task run is itself; a multi-task model run (``"kind": "model"``) lists its tasks'
    directories.
    """
    root = Path(run_dir)
    manifest = root / "workbench.json"
    if not manifest.exists():
        raise WorkbenchError(
            f"{root} holds no workbench run (no workbench.json); cannot pretrain on it"
        )
    man = json.loads(manifest.read_text())
    if man.get("kind") == "model":
        return [root / t["dir"] for t in man.get("tasks", [])]
    return [root]


def load_run_records(run_dir: str | Path) -> list[RunRecords]:
    """Rebuild every measured record of ``run_dir`` (and of its tasks, for a model run).

    Raises
    ------
    WorkbenchError
        When a directory holds no workbench run.
    """
    import tvm.s_tir.meta_schedule as ms

    from ..targets import resolve_target
    from ..workloads import workload

    out = []
    for task_dir in run_task_dirs(run_dir):
        man_path = task_dir / "workbench.json"
        if not man_path.exists():
            raise WorkbenchError(f"{task_dir} holds no workbench run (no workbench.json)")
        man = json.loads(man_path.read_text())
        if not (task_dir / "database_tuning_record.json").exists():
            continue
        task = workload(man["workload"])
        target = resolve_target(man["target"]).tvm()
        ctx = ms.TuneContext(task.mod, target=target, task_name=task.name, num_threads=1)
        db = ms.database.JSONDatabase(work_dir=str(task_dir))
        candidates, results = replay_records(db, db.commit_workload(task.mod), task.mod)
        out.append(RunRecords(task_dir, man["workload"], ctx, candidates, results))
    return out


def extract_features(context: Any, candidates: list[Any]) -> list[Any]:
    """Per-store features of ``candidates``: one ``(stores, 164)`` float32 array each."""
    from tvm.s_tir.meta_schedule.feature_extractor import PerStoreFeature

    extractor = PerStoreFeature()
    return [x.numpy().astype("float32") for x in extractor.extract_from(context, candidates)]


def mean_cost(result: Any) -> float:
    """A result's cost in seconds as MetaSchedule's models take it (median; 1e10 on error)."""
    import numpy as np

    if not result.run_secs:
        return 1e10
    return float(np.median([float(s) for s in result.run_secs]))


def replay_records(db: Any, wl: Any, mod: Any) -> tuple[list[Any], list[Any]]:
    """(MeasureCandidate, RunnerResult) pairs of ``db``'s records of workload ``wl``, their
    traces applied to ``mod``; records without run times become errors."""
    import tvm.s_tir.meta_schedule as ms
    from tvm.s_tir import Schedule

    candidates, results = [], []
    for rec in db.get_all_tuning_records():
        if not rec.workload.same_as(wl) and rec.workload.shash != wl.shash:
            continue
        sch = Schedule(mod)
        rec.trace.apply_to_schedule(sch, remove_postproc=False)
        candidates.append(ms.MeasureCandidate(sch, rec.args_info))
        results.append(
            ms.runner.RunnerResult(
                run_secs=list(rec.run_secs) if rec.run_secs else None,
                error_msg=None if rec.run_secs else "recorded error",
            )
        )
    return candidates, results
