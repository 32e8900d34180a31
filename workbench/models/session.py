"""Tune every task of a network, one round at a time, chosen by a task scheduler.

A model run directory holds::

    workbench.json        "kind": "model", the model, target, settings and the task list
    rounds.jsonl          one line per model round: which task, what it measured
    tasks/<name>/         an ordinary single-task run directory per task (a Session's)
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import WorkbenchError
from ..records import RunLog
from ..targets import TargetInfo, resolve_target
from .schedulers import SCHEDULERS, TaskState, make_scheduler

__all__ = ["ModelSession", "ModelRound"]


@dataclass
class ModelRound:
    """One round of a model run: the task the scheduler chose and what its round did."""

    round: int
    task_index: int
    task: str
    measured: int
    trials: int
    task_trials: int
    current_gflops: float
    best_gflops: float
    best_latency_us: float | None
    estimated_latency_us: float | None
    elapsed_s: float
    scheduler: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class ModelSession:
    """Tune all tasks of a network, with a task scheduler choosing the next round.

    Every task is a :class:`workbench.Session` with the same cost model and settings, in
    ``work_dir/tasks/<name>/``; the tasks share one builder and runner.

    Parameters
    ----------
    model : str or Model
        A zoo name (``workbench.models.available()``), a path to an ``.onnx`` file, or a
        :class:`~workbench.models.Model`.
    target : str or dict
        ``"cpu"`` or a TVM target dict.
    cost_model : str
        Cost model of every task.
    work_dir : str, optional
        The model run directory; one that holds a run of the same model and target is resumed.
    seed : int
        Seeds the weights of zoo networks, every task's search and the scheduler's tie-breaks.
    scheduler : str
        ``"gradient"`` (MetaSchedule's gradient-based scheduler) or ``"round-robin"``.
    trials_per_round : int
        Candidates measured in one round of one task.
    max_trials_per_task : int, optional
        A task stops taking rounds once it has this many trials.
    alpha, window : float, int
        Settings of the gradient-based scheduler.
    **session_settings
        Passed to every task's :class:`~workbench.Session` (``search``, ``measure``,
        ``search_threads``, pruning and policy settings, ...).
    """

    def __init__(
        self,
        model: Any,
        target: Any = "cpu",
        cost_model: str = "xgboost",
        work_dir: str | Path | None = None,
        seed: int = 0,
        scheduler: str = "gradient",
        trials_per_round: int = 64,
        max_trials_per_task: int | None = None,
        alpha: float = 0.2,
        window: int = 3,
        **session_settings: Any,
    ):
        from .. import models
        from ..measure import MeasureSettings, make_builder, make_runner
        from ..session import Session

        if scheduler not in SCHEDULERS:
            from ..errors import unknown_choice

            raise unknown_choice("task scheduler", scheduler, SCHEDULERS)
        if max_trials_per_task is not None and (
            isinstance(max_trials_per_task, bool)
            or not isinstance(max_trials_per_task, int)
            or max_trials_per_task < 1
        ):
            raise WorkbenchError(
                f"max_trials_per_task must be an integer >= 1, got {max_trials_per_task!r}"
            )
        self.model = models.load(model, seed=seed)
        self.target: TargetInfo = resolve_target(target)
        self.seed = seed
        self.scheduler_name = scheduler
        self.max_trials_per_task = max_trials_per_task
        self.alpha, self.window = alpha, window
        self._scheduler = make_scheduler(scheduler, seed=seed, alpha=alpha, window=window)
        self.work_dir = Path(work_dir) if work_dir is not None else None
        self._log = RunLog(self.work_dir) if self.work_dir is not None else None
        self._rounds: list[dict[str, Any]] = []
        if self._log is not None and self._log.exists():
            self._check_same_run(self._log.read_manifest())
            self._rounds = self._log.read_rounds()

        self.tasks = self.model.tasks(self.target)
        measure = session_settings.pop("measure", None)
        if isinstance(measure, dict):
            try:
                measure = MeasureSettings(**measure)
            except TypeError as err:
                raise WorkbenchError(f"bad measure settings: {err}") from None
        self.measure = measure or MeasureSettings()
        cores = self.target.num_cores if self.target.kind == "llvm" else 1
        self._builder = make_builder(self.measure, cores)
        self._runner = make_runner(self.measure)
        self._session_settings = dict(session_settings)
        self.sessions: list[Session] = []
        try:
            for mt in self.tasks:
                self.sessions.append(
                    Session(
                        mt.task,
                        target=self.target,
                        cost_model=cost_model,
                        work_dir=self._task_dir(mt.name) if self.work_dir is not None else None,
                        seed=seed,
                        trials_per_round=trials_per_round,
                        measure=self.measure,
                        builder=self._builder,
                        runner=self._runner,
                        **session_settings,
                    )
                )
        except TypeError as err:
            self.close()
            raise WorkbenchError(
                f"bad task session setting: {err}; see workbench.Session for the valid ones"
            ) from None
        except BaseException:
            self.close()
            raise
        self.cost_model = cost_model
        self.trials_per_round = trials_per_round
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._compiled: dict[bool, Any] = {}
        self._write_manifest()

    # ------------------------------------------------------------------ run directory
    @classmethod
    def open(cls, work_dir: str | Path, **overrides: Any) -> ModelSession:
        """Reopen a model run from its directory (model, target and settings are stored there)."""
        log = RunLog(work_dir)
        if not log.exists():
            raise WorkbenchError(f"{work_dir} holds no workbench run (no {log.manifest_path.name})")
        man = log.read_manifest()
        if man.get("kind") != "model":
            raise WorkbenchError(
                f"{work_dir} holds a single-task run; open it with workbench.Session.open"
            )
        source = man.get("source", {})
        if "onnx" in source:
            model: Any = source["onnx"]
        elif "zoo" in source:
            model = source["zoo"]
        else:
            raise WorkbenchError(
                f"{work_dir} holds a run of a model defined in code ({man.get('model')}); "
                "pass the same Model to ModelSession(model, work_dir=...) to resume it"
            )
        kwargs = dict(
            model=model,
            target=TargetInfo(config=man["target"], name=man.get("target_name") or "stored"),
            cost_model=man["cost_model"],
            seed=man["seed"],
            scheduler=man["scheduler"],
            trials_per_round=man["trials_per_round"],
            max_trials_per_task=man.get("max_trials_per_task"),
            alpha=man.get("alpha", 0.2),
            window=man.get("window", 3),
            measure=man.get("measure"),
            **man.get("session_settings", {}),
        )
        kwargs.update(overrides)
        return cls(work_dir=work_dir, **kwargs)

    def _task_dir(self, name: str) -> Path:
        assert self.work_dir is not None
        return self.work_dir / "tasks" / name

    def _check_same_run(self, man: dict[str, Any]) -> None:
        if man.get("kind") != "model":
            raise WorkbenchError(
                f"{self.work_dir} holds a single-task run of {man.get('workload')}; "
                "use another work_dir for a model run"
            )
        if man.get("model") != self.model.name or man.get("target") != self.target.config:
            raise WorkbenchError(
                f"{self.work_dir} holds a run of model {man.get('model')} on "
                f"{json.dumps(man.get('target'))}, not {self.model.name} on "
                f"{json.dumps(self.target.config)}; use another work_dir, or "
                f"ModelSession.open({str(self.work_dir)!r}) to continue that run"
            )

    def _write_manifest(self) -> None:
        if self._log is None:
            return
        self._log.write_manifest(
            {
                "workbench_version": __version__,
                "kind": "model",
                "model": self.model.name,
                "source": self.model.source,
                "inputs": {k: [list(s), d] for k, (s, d) in self.model.inputs.items()},
                "target": self.target.config,
                "target_name": self.target.name,
                "cost_model": self.cost_model,
                "seed": self.seed,
                "scheduler": self.scheduler_name,
                "alpha": self.alpha,
                "window": self.window,
                "trials_per_round": self.trials_per_round,
                "max_trials_per_task": self.max_trials_per_task,
                "measure": self.measure.to_dict(),
                "session_settings": self._session_settings,
                "tasks": [
                    {
                        "name": mt.name,
                        "workload": mt.task.spec,
                        "weight": mt.weight,
                        "flops": mt.flops,
                        "dir": f"tasks/{mt.name}",
                    }
                    for mt in self.tasks
                ],
            }
        )

    # ------------------------------------------------------------------ state
    @property
    def rounds(self) -> list[dict[str, Any]]:
        """Every model round so far (which task, what it measured), as plain dicts."""
        return list(self._rounds)

    @property
    def trials(self) -> int:
        """Candidates measured so far, all tasks together."""
        return sum(s.trials for s in self.sessions)

    def task_states(self) -> list[TaskState]:
        """What the scheduler sees: weight, best latency after each round, alive."""
        states = []
        for mt, s in zip(self.tasks, self.sessions):
            history = [
                (r["best_latency_us"] * 1e-6 if r.get("best_latency_us") else math.inf)
                for r in s.rounds
            ]
            alive = not s.exhausted and (
                self.max_trials_per_task is None or s.trials < self.max_trials_per_task
            )
            states.append(TaskState(weight=mt.weight, history=history, alive=alive))
        return states

    def estimated_latency_us(self) -> float | None:
        """Sum over tasks of weight x best latency (``None`` until every task has one)."""
        total = 0.0
        for mt, s in zip(self.tasks, self.sessions):
            best = s.rounds[-1].get("best_latency_us") if s.rounds else None
            if best is None:
                return None
            total += mt.weight * best
        return total

    def task_table(self):
        """A pandas DataFrame, one row per task: weight, FLOPs, shapes, trials, rounds, best."""
        import pandas as pd

        rows = []
        for i, (mt, s) in enumerate(zip(self.tasks, self.sessions)):
            best = s.rounds[-1].get("best_latency_us") if s.rounds else None
            rows.append(
                {
                    "index": i + 1,
                    **mt.as_row(),
                    "trials": s.trials,
                    "rounds": len(s.rounds),
                    "best_latency_us": best,
                    "best_gflops": s.rounds[-1]["best_gflops"] if s.rounds else None,
                    "weighted_latency_us": best * mt.weight if best is not None else None,
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ the loop
    def next_task(self) -> int | None:
        """Index of the task the scheduler picks for the next round (``None``: all done)."""
        last = self._rounds[-1]["task_index"] if self._rounds else None
        return self._scheduler.next_task(self.task_states(), last)

    def step(self, max_trials: int | None = None) -> ModelRound | None:
        """Run one round of the task the scheduler chooses.

        Returns
        -------
        ModelRound or None
            ``None`` when no task can go on (all exhausted or at their trial cap).
        """
        with self._lock:
            while True:
                index = self.next_task()
                if index is None:
                    return None
                session = self.sessions[index]
                limit = max_trials if max_trials is not None else self.trials_per_round
                if self.max_trials_per_task is not None:
                    limit = min(limit, self.max_trials_per_task - session.trials)
                t0 = time.perf_counter()
                rnd = session.step(max_trials=limit)
                if rnd is None:  # exhausted: the scheduler skips it from now on
                    continue
                took = time.perf_counter() - t0
                current = max((c["gflops"] or 0.0 for c in rnd.candidates), default=0.0)
                elapsed = (self._rounds[-1]["elapsed_s"] if self._rounds else 0.0) + took
                record = ModelRound(
                    round=len(self._rounds),
                    task_index=index,
                    task=self.tasks[index].name,
                    measured=rnd.measured,
                    trials=self.trials,
                    task_trials=session.trials,
                    current_gflops=current,
                    best_gflops=rnd.best_gflops,
                    best_latency_us=rnd.best_latency_us,
                    estimated_latency_us=self.estimated_latency_us(),
                    elapsed_s=round(elapsed, 4),
                    scheduler=self.scheduler_name,
                )
                self._rounds.append(record.to_dict())
                if self._log is not None:
                    self._log.append_round(record.to_dict())
                self._compiled.clear()
                return record

    def run(
        self, trials: int, callbacks: Iterable[Callable[[ModelRound], Any]] = ()
    ) -> list[ModelRound]:
        """Measure ``trials`` more candidates across the tasks, round after round.

        Stops early when :meth:`stop` is called (between rounds) or no task can go on.
        """
        if isinstance(trials, bool) or not isinstance(trials, int) or trials < 0:
            raise WorkbenchError(f"trials must be an integer >= 0, got {trials!r}")
        self._stop.clear()
        goal = self.trials + trials
        done: list[ModelRound] = []
        stalled = 0
        while self.trials < goal and not self._stop.is_set():
            rnd = self.step(max_trials=min(self.trials_per_round, goal - self.trials))
            if rnd is None:
                break
            done.append(rnd)
            for cb in callbacks:
                cb(rnd)
            stalled = stalled + 1 if rnd.measured == 0 else 0
            if stalled > 2 * len(self.sessions):
                break
        return done

    def stop(self) -> None:
        """Ask :meth:`run` to stop after the round in flight."""
        self._stop.set()

    # ------------------------------------------------------------------ compile and measure
    def database(self):
        """A MetaSchedule ``MemoryDatabase`` holding each task's best record."""
        import tvm.s_tir.meta_schedule as ms

        db = ms.database.MemoryDatabase()
        for s in self.sessions:
            top = s.database.get_top_k(s._workload, 1)
            if not top:
                continue
            workload = db.commit_workload(s.task.mod)
            rec = top[0]
            db.commit_tuning_record(
                ms.database.TuningRecord(
                    rec.trace, workload, rec.run_secs, rec.target, rec.args_info
                )
            )
        return db

    def compile(self, tuned: bool = True):
        """Compile the network: with the best schedules found (``tuned``) or the defaults.

        Returns
        -------
        tvm.relax.VMExecutable
            Run it with ``tvm.relax.VirtualMachine(ex, tvm.cpu())["main"](*inputs)``.
        """
        if tuned not in self._compiled:
            import tvm.s_tir.meta_schedule as ms

            db = self.database() if tuned else ms.database.MemoryDatabase()
            self._compiled[tuned] = ms.relax_integration.compile_relax(
                db, self.model.inference_module(), self.target.tvm(), params=None
            )
        return self._compiled[tuned]

    def predict(self, inputs: list[Any] | None = None, tuned: bool = True):
        """Run the compiled network once and return its output as a NumPy array."""
        import tvm
        from tvm import relax

        self._require_cpu("run the network")
        dev = tvm.cpu(0)
        inputs = self.model.make_inputs(self.seed) if inputs is None else inputs
        vm = relax.VirtualMachine(self.compile(tuned), dev)
        out = vm["main"](*[tvm.runtime.tensor(x, dev) for x in inputs])
        return out.numpy()

    def benchmark(self, repeat: int = 10, torch: bool = True):
        """End-to-end latency of the untuned and tuned builds (and PyTorch CPU if installed).

        Each build runs once to warm up, then ``repeat`` timed runs (``time_evaluator`` with
        ``number=1``); the median is reported.

        Returns
        -------
        pandas.DataFrame
            One row per build: ``build``, ``median_ms``, ``min_ms``, ``max_ms``, ``repeat``,
            ``speedup`` (untuned median / this median), ``max_rel_diff`` (output against the
            untuned build's, relative to its largest magnitude).
        """
        import numpy as np
        import pandas as pd
        import tvm
        from tvm import relax

        self._require_cpu("time the network")
        dev = tvm.cpu(0)
        inputs = self.model.make_inputs(self.seed)
        args = [tvm.runtime.tensor(x, dev) for x in inputs]
        rows, reference = [], None
        for tuned in (False, True):
            vm = relax.VirtualMachine(self.compile(tuned), dev)
            out = vm["main"](*args).numpy()
            reference = out if reference is None else reference
            timer = vm.time_evaluator("main", dev, number=1, repeat=repeat)
            secs = np.asarray(timer(*args).results) * 1e3
            rows.append(_row("tuned" if tuned else "untuned", secs, out, reference))
        if torch:
            from ._torch import torch_latency

            measured = torch_latency(self.model, inputs, repeat, self.target.num_cores)
            if measured is not None:
                secs, out, version = measured
                rows.append(_row(f"pytorch {version}", secs, out, reference))
        frame = pd.DataFrame(rows)
        frame["speedup"] = frame["median_ms"].iloc[0] / frame["median_ms"]
        return frame

    def export(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the tuned network: ``model.so``, the best records' database, ``model.json``.

        Load and run the library with::

            lib = tvm.runtime.load_module("out/model.so")
            vm = tvm.relax.VirtualMachine(lib, tvm.cpu())
            y = vm["main"](tvm.runtime.tensor(x)).numpy()
        """
        import tvm.s_tir.meta_schedule as ms

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "library": out / "model.so",
            "database": out / "database",
            "summary": out / "model.json",
        }
        self.compile(True).export_library(str(paths["library"]))
        db_dir = paths["database"]
        db_dir.mkdir(exist_ok=True)
        for name in ("database_workload.json", "database_tuning_record.json"):
            (db_dir / name).unlink(missing_ok=True)
        json_db = ms.database.JSONDatabase(work_dir=str(db_dir))
        best = self.database()
        for rec in best.get_all_tuning_records():
            wl = json_db.commit_workload(rec.workload.mod)
            json_db.commit_tuning_record(
                ms.database.TuningRecord(rec.trace, wl, rec.run_secs, rec.target, rec.args_info)
            )
        paths["summary"].write_text(
            json.dumps(
                {
                    "model": self.model.name,
                    "inputs": {k: [list(s), d] for k, (s, d) in self.model.inputs.items()},
                    "target": self.target.config,
                    "trials": self.trials,
                    "tuned_tasks": sum(1 for s in self.sessions if s.best is not None),
                    "tasks": len(self.sessions),
                    "files": {k: v.name for k, v in paths.items()},
                },
                indent=2,
            )
        )
        return paths

    def _require_cpu(self, what: str) -> None:
        if self.target.kind != "llvm":
            raise WorkbenchError(
                f"cannot {what} here: the target is {self.target.kind}, and only CPU (llvm) "
                "targets run on this machine; export() the network and run it on the device"
            )

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Stop the shared builder's worker processes and every task's search."""
        for s in getattr(self, "sessions", []):
            s.close()
        builder = getattr(self, "_builder", None)
        if builder is not None and hasattr(builder, "close"):
            builder.close()

    def __enter__(self) -> ModelSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        est = self.estimated_latency_us()
        est_txt = f"{est / 1e3:.2f} ms" if est is not None else "n/a"
        return (
            f"ModelSession({self.model.name!r}, target={self.target.name!r}, "
            f"tasks={len(self.tasks)}, scheduler={self.scheduler_name!r}, trials={self.trials}, "
            f"estimated latency={est_txt})"
        )


def _row(build: str, ms_values: Any, out: Any, reference: Any) -> dict[str, Any]:
    import numpy as np

    ms_values = np.asarray(ms_values, dtype=float)
    scale = max(1e-30, float(np.abs(reference).max()))
    return {
        "build": build,
        "median_ms": float(np.median(ms_values)),
        "min_ms": float(ms_values.min()),
        "max_ms": float(ms_values.max()),
        "repeat": int(ms_values.size),
        "max_rel_diff": float(np.abs(np.asarray(out, dtype=float) - reference).max() / scale),
    }
