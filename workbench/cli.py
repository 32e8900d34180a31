"""The ``workbench`` command line: tune, show, export, compare, report, workloads.

User mistakes (a bad spec, an unknown cost model, a missing run directory) print one line
``workbench: error: ...`` and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from .errors import WorkbenchError

DEMO_SPEC = "matmul:M=256,N=256,K=256"
DEMO_TRIALS = 64


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit status 2 like argparse, our prefix
        self.print_usage(sys.stderr)
        raise WorkbenchError(message)


def _progress_bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * min(done, total) / total) if total else width
    return "[" + "#" * filled + "." * (width - filled) + "]"


class Progress:
    """AutoTVM-style progress lines, one per round (redrawn in place on a terminal)."""

    def __init__(self, total: int, task_index: int = 1, task_count: int = 1, stream=None):
        self.total = total
        self.prefix = f"[Task {task_index:>2d}/{task_count:<2d}]"
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()

    def line(self, session: Any, current: float) -> str:
        best = session.best
        best_g = best.gflops if best else 0.0
        elapsed = time.perf_counter() - self.started
        return (
            f"{self.prefix} Current/Best: {current:7.2f}/{best_g:7.2f} GFLOPS | "
            f"Progress: ({session.trials}/{self.total}) {_progress_bar(session.trials, self.total)} "
            f"| {elapsed:.1f} s"
        )

    def __call__(self, session: Any, rnd: Any) -> None:
        current = max((c["gflops"] or 0.0 for c in rnd.candidates), default=0.0)
        text = self.line(session, current)
        if self.tty:
            self.stream.write("\r" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()


class ModelProgress:
    """AutoTVM-style progress of a model run: one line per round, naming the task it tuned."""

    def __init__(self, total: int, task_count: int, stream=None):
        self.total = total
        self.task_count = task_count
        self.stream = stream or sys.stdout
        self.started = time.perf_counter()

    def line(self, rnd: Any) -> str:
        elapsed = time.perf_counter() - self.started
        est = (
            f" | est. {rnd.estimated_latency_us / 1e3:.2f} ms"
            if rnd.estimated_latency_us is not None
            else ""
        )
        return (
            f"[Task {rnd.task_index + 1:>2d}/{self.task_count:<2d}] "
            f"Current/Best: {rnd.current_gflops:7.2f}/{rnd.best_gflops:7.2f} GFLOPS | "
            f"Progress: ({rnd.trials}/{self.total}) {_progress_bar(rnd.trials, self.total)} "
            f"| {elapsed:.1f} s{est} | {rnd.task} ({rnd.task_trials} trials)"
        )

    def __call__(self, rnd: Any) -> None:
        self.stream.write(self.line(rnd) + "\n")
        self.stream.flush()


def _add_session_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        default="cpu",
        help="a preset ('cpu', 'rocm:gfx90a', ...; see `workbench targets`) or a TVM target JSON",
    )
    p.add_argument(
        "--cost-model", default=None, help="cost model name (see `workbench cost-models`)"
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    p.add_argument("--trials-per-round", type=int, default=None, help="candidates per round (64)")
    p.add_argument(
        "--population", type=int, default=None, help="evolutionary search population (512)"
    )
    p.add_argument(
        "--genetic-iters", type=int, default=None, help="genetic iterations per round (4)"
    )
    p.add_argument(
        "--pruning",
        default=None,
        help="comma-separated pruning rules (see `workbench pruning-rules`)",
    )
    p.add_argument("--sketch-policy", default=None, help="uniform (default) or bandit")
    p.add_argument("--mutation-policy", default=None, help="default or learned")
    p.add_argument("--audit", type=int, default=None, help="pruned candidates to measure per round")
    p.add_argument(
        "--cold-start",
        action="store_const",
        const=True,
        default=None,
        help="sample instead of evolving while the cost model cannot rank yet",
    )
    p.add_argument(
        "--runner",
        choices=["local", "rpc"],
        default=None,
        help="where candidates are timed: this machine (local) or RPC servers behind a tracker",
    )
    p.add_argument("--tracker", default=None, help="RPC tracker HOST:PORT (default 127.0.0.1:9190)")
    p.add_argument("--key", default=None, help="device key of the RPC servers (--runner rpc)")


def _session_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if args.cost_model is not None:
        kwargs["cost_model"] = args.cost_model
    if args.seed is not None:
        kwargs["seed"] = args.seed
    if args.trials_per_round is not None:
        kwargs["trials_per_round"] = args.trials_per_round
    search = {
        key: getattr(args, name, None)
        for key, name in (
            ("population_size", "population"),
            ("genetic_num_iters", "genetic_iters"),
        )
    }
    search = {k: v for k, v in search.items() if v is not None}
    if search:
        kwargs["search"] = search
    if args.pruning is not None:
        kwargs["pruning"] = [x.strip() for x in args.pruning.split(",") if x.strip()]
    if args.sketch_policy is not None:
        kwargs["sketch_policy"] = args.sketch_policy
    if args.mutation_policy is not None:
        kwargs["mutation_policy"] = args.mutation_policy
    if args.audit is not None:
        kwargs["audit"] = args.audit
    if getattr(args, "cold_start", None):
        kwargs["cold_start"] = True
    for name in ("runner", "tracker", "key"):
        if getattr(args, name, None) is not None:
            kwargs[name] = getattr(args, name)
    return kwargs


def cmd_tune(args: argparse.Namespace) -> int:
    from .models import is_model
    from .records import RunLog
    from .session import Session

    if args.trials < 1:
        raise WorkbenchError(f"--trials must be >= 1, got {args.trials}")
    if is_model(args.spec):
        return _tune_model(args)
    work_dir = Path(args.work_dir) if args.work_dir else Path("runs") / _safe_name(args.spec)
    kwargs = _session_kwargs(args)
    if kwargs.get("runner") == "rpc":  # a clear error before anything is written
        from .measure import MeasureSettings, check_tracker

        try:
            settings = MeasureSettings(
                runner="rpc", **{k: kwargs[k] for k in ("tracker", "key") if k in kwargs}
            )
        except TypeError as err:
            raise WorkbenchError(str(err)) from None
        check_tracker(settings)
    if RunLog(work_dir).exists():
        session = Session.open(work_dir, **kwargs)
        if session.task.spec != _canonical(args.spec):
            raise WorkbenchError(
                f"{work_dir} holds a run of {session.task.spec}, not {args.spec}; "
                "pick another --work-dir"
            )
        print(f"Resuming {work_dir}: {session.trials} trials already measured")
    else:
        session = Session(args.spec, target=args.target, work_dir=work_dir, **kwargs)
    print(
        f"Tuning {session.task.spec} on {session.target.name} with {session.cost_model}; "
        f"{len(session.sketches)} sketches; run log in {work_dir}"
    )
    progress = Progress(args.trials)
    remaining = args.trials - session.trials
    try:
        if remaining > 0:
            status = session.check_runner()
            print(f"Measuring on {status if status is not None else session.measure.describe()}")
        if remaining > 0:
            session.run(remaining, callbacks=[lambda rnd: progress(session, rnd)])
    except KeyboardInterrupt:
        print("\nInterrupted: every completed round is saved; run the same command to resume.")
        return 130
    finally:
        progress.done()
        session.close()
    best = session.best
    if best is None:
        print("No candidate ran successfully; see `workbench show` for the errors.")
        return 1
    print(
        f"Best: {best.gflops:.2f} GFLOPS ({best.latency_us:.2f} us) after {session.trials} trials"
    )
    if args.report:
        from .report import write_report

        paths = write_report(work_dir, Path(args.report))
        print("Report: " + ", ".join(str(p) for p in paths))
    if args.export:
        paths = session.export(args.export)
        print(f"Exported to {args.export}: " + ", ".join(p.name for p in paths.values()))
    return 0


def _tune_model(args: argparse.Namespace) -> int:
    from .models.session import ModelSession
    from .records import RunLog

    name = Path(args.spec).stem if args.spec.lower().endswith(".onnx") else args.spec
    work_dir = Path(args.work_dir) if args.work_dir else Path("runs") / name
    kwargs = _session_kwargs(args)
    kwargs["scheduler"] = args.scheduler
    if args.max_trials_per_task is not None:
        kwargs["max_trials_per_task"] = args.max_trials_per_task
    if args.min_repeat_ms is not None:
        kwargs["measure"] = {"min_repeat_ms": args.min_repeat_ms}
    if args.spec.lower().endswith(".onnx") and not Path(args.spec).exists():
        raise WorkbenchError(f"no ONNX file at {args.spec}")
    resumed = RunLog(work_dir).exists()
    session = ModelSession(args.spec, target=args.target, work_dir=work_dir, **kwargs)
    if resumed:
        print(f"Resuming {work_dir}: {session.trials} trials already measured")
    print(
        f"Tuning {session.model.name}: {len(session.tasks)} tasks on {session.target.name} with "
        f"{session.cost_model}, {session.scheduler_name} task scheduler; run log in {work_dir}"
    )
    progress = ModelProgress(args.trials, len(session.tasks))
    try:
        remaining = args.trials - session.trials
        if remaining > 0:
            session.run(remaining, callbacks=[progress])
        table = session.task_table()
        print()
        print(_task_listing(table, tuned=True))
        if args.benchmark:
            print()
            frame = session.benchmark(repeat=args.repeat)
            print(frame.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        if args.export:
            paths = session.export(args.export)
            print(f"Exported to {args.export}: " + ", ".join(p.name for p in paths.values()))
    except KeyboardInterrupt:
        print("\nInterrupted: every completed round is saved; run the same command to resume.")
        return 130
    finally:
        session.close()
    return 0


def _task_listing(table: Any, tuned: bool = False) -> str:
    lines = []
    head = f"{'#':>3} {'task':<44} {'weight':>6} {'MFLOPs':>9}"
    head += f" {'trials':>6} {'best us':>9}" if tuned else "  shapes"
    lines.append(head)
    for row in table.to_dict("records"):
        line = f"{row['index']:>3} {row['task']:<44} {row['weight']:>6} {row['flops'] / 1e6:>9.2f}"
        if tuned:
            best = row.get("best_latency_us")
            best_txt = f"{best:9.2f}" if best is not None and best == best else f"{'-':>9}"
            line += f" {row['trials']:>6} {best_txt}"
        else:
            line += f"  {row['shapes']}"
        lines.append(line)
    return "\n".join(lines)


def cmd_tasks(args: argparse.Namespace) -> int:
    import pandas as pd

    from .models import extract_tasks, load

    model = load(args.model)
    tasks = extract_tasks(model, args.target)
    table = pd.DataFrame([{"index": i + 1, **t.as_row()} for i, t in enumerate(tasks)])
    if args.json:
        print(_json(table.to_dict("records")))
        return 0
    total = sum(t.flops * t.weight for t in tasks)
    print(
        f"{model.name}: {len(tasks)} tasks, {sum(t.weight for t in tasks)} operator calls, "
        f"{total / 1e9:.3f} GFLOPs per inference"
    )
    print(_task_listing(table))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .models import describe

    for row in describe():
        print(f"{row['model']:<12} {row['description']}")
        print(f"{'':<12} inputs: {row['inputs']}")
    print(f"{'<file>.onnx':<12} an ONNX file (needs `pip install tvm-workbench[onnx]`)")
    return 0


def _canonical(spec: str) -> str:
    from .workloads import workload

    return workload(spec).spec


def _safe_name(spec: str) -> str:
    from .workloads import workload

    return workload(spec).name


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    ns = argparse.Namespace(
        spec=DEMO_SPEC,
        trials=args.trials,
        target="cpu",
        cost_model=None,
        seed=0,
        trials_per_round=None,
        population=None,
        pruning=None,
        sketch_policy=None,
        mutation_policy=None,
        audit=None,
        work_dir=str(out / "run"),
        runner=None,
        tracker=None,
        key=None,
        report=str(out / "report"),
        export=str(out / "export"),
    )
    return cmd_tune(ns)


def _open_run(work_dir: str):
    from .records import RunLog

    log = RunLog(work_dir)
    if not log.exists():
        raise WorkbenchError(f"{work_dir} holds no workbench run (no workbench.json)")
    return log


def cmd_show(args: argparse.Namespace) -> int:
    from .report import summary_table

    log = _open_run(args.work_dir)
    if log.read_manifest().get("kind") == "model":
        print(_model_summary(log))
        return 0
    print(summary_table(log))
    return 0


def _model_summary(log: Any) -> str:
    """A model run's overview from its files alone: one line per task."""
    from .records import RunLog

    man = log.read_manifest()
    rounds = log.read_rounds()
    lines = [
        f"{'model':<18} {man['model']}",
        f"{'target':<18} {man.get('target_name')}",
        f"{'scheduler':<18} {man.get('scheduler')}",
        f"{'cost model':<18} {man.get('cost_model')}",
        f"{'rounds':<18} {len(rounds)}",
        "",
        f"{'#':>3} {'task':<44} {'weight':>6} {'MFLOPs':>9} {'trials':>6} {'best us':>9}",
    ]
    total, complete = 0.0, True
    for i, task in enumerate(man["tasks"]):
        task_rounds = RunLog(log.dir / task["dir"]).read_rounds()
        trials = sum(len(r["candidates"]) for r in task_rounds)
        best = task_rounds[-1].get("best_latency_us") if task_rounds else None
        if best is None:
            complete = False
        else:
            total += best * task["weight"]
        best_txt = f"{best:9.2f}" if best is not None else f"{'-':>9}"
        lines.append(
            f"{i + 1:>3} {task['name']:<44} {task['weight']:>6} "
            f"{task.get('flops', 0) / 1e6:>9.2f} {trials:>6} {best_txt}"
        )
    if complete:
        lines.append(f"\nestimated latency (sum of weight x best): {total / 1e3:.3f} ms")
    return "\n".join(lines)


def cmd_export(args: argparse.Namespace) -> int:
    from .session import Session

    log = _open_run(args.work_dir)
    if log.read_manifest().get("kind") == "model":
        from .models.session import ModelSession

        session: Any = ModelSession.open(args.work_dir)
    else:
        session = Session.open(args.work_dir)
    try:
        paths = session.export(args.out)
    finally:
        session.close()
    for name, path in paths.items():
        print(f"{name:>9}: {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    _open_run(args.work_dir)
    for path in write_report(Path(args.work_dir), Path(args.out)):
        print(path)
    return 0


def cmd_workloads(args: argparse.Namespace) -> int:
    from .workloads import describe

    for row in describe():
        print(f"{row['workload']:<18} {row['description']}")
        print(f"{'':<18} parameters: {row['parameters']}")
        print(f"{'':<18} example:    {row['example']}")
    return 0


def cmd_cost_models(args: argparse.Namespace) -> int:
    from . import cost_models

    for name, text in cost_models.describe().items():
        print(f"{name:<12} {text}")
    return 0


def cmd_pruning_rules(args: argparse.Namespace) -> int:
    from . import pruning

    for rule in pruning.describe():
        params = ", ".join(f"{k}={v}" for k, v in rule["params"].items())
        print(f"{rule['name']:<28} [{'/'.join(rule['targets'])}] {rule['rationale']}")
        if params:
            print(f"{'':<28} parameters: {params}")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from .targets import presets

    for name, text in presets().items():
        print(f"{name:<12} {text}")
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    import pandas as pd

    from .session import Session

    kwargs = _session_kwargs(args)
    kwargs.pop("runner", None)
    with Session(args.spec, target=args.target, runner="none", **kwargs) as session:
        frame = session.preview(args.n, train_on=args.train_on or ())
    print(
        f"{len(frame)} proposed candidates of {session.task.spec} on {session.target.name}, "
        f"ranked by {session.cost_model} trained on {frame.attrs['trained_on']} records "
        "(nothing measured):"
    )
    with pd.option_context("display.width", 160, "display.max_colwidth", 90):
        print(frame[["rank", "predicted", "sketch", "decisions"]].to_string(index=False))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .comparison import compare, parse_config

    configs = dict(parse_config(c) for c in args.config)
    result = compare(
        configs,
        workloads=args.workload,
        seeds=list(range(args.seeds)) if args.seeds else [0],
        trials=args.trials,
        out_dir=args.out,
        target=args.target,
        trials_per_round=args.trials_per_round,
        search={"population_size": args.population} if args.population else None,
        progress=True,
    )
    print()
    print(result.markdown())
    print(f"\nRaw per-round data and tables in {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0])
    from ._version import __version__

    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "tune", help="tune a workload or a whole model headless, with AutoTVM-style progress"
    )
    p.add_argument(
        "spec",
        help="workload spec (e.g. matmul:M=512,N=512,K=512), a model name "
        "(see `workbench models`) or a path to an .onnx file",
    )
    p.add_argument("--trials", type=int, required=True, help="total trial budget of the run")
    p.add_argument("--work-dir", help="run directory (resumed when it holds a run)")
    p.add_argument("--report", help="write report.md and report.html into this folder")
    p.add_argument(
        "--export", help="export the best schedule (a model: the compiled network) into this folder"
    )
    _add_session_args(p)
    models_group = p.add_argument_group("models")
    models_group.add_argument(
        "--scheduler",
        default="gradient",
        choices=["gradient", "round-robin"],
        help="task scheduler of a model run (gradient)",
    )
    models_group.add_argument(
        "--max-trials-per-task", type=int, default=None, help="trial cap of each task"
    )
    models_group.add_argument(
        "--min-repeat-ms", type=int, default=None, help="time_evaluator min_repeat_ms (100)"
    )
    models_group.add_argument(
        "--benchmark",
        action="store_true",
        help="after tuning, time the network untuned vs tuned (vs PyTorch when installed)",
    )
    models_group.add_argument("--repeat", type=int, default=10, help="timed runs per build (10)")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("tasks", help="list the tuning tasks of a model (operators, FLOPs, weight)")
    p.add_argument("model", help="a model name (see `workbench models`) or an .onnx file")
    p.add_argument("--target", default="cpu", help="'cpu' (the host) or a TVM target JSON")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("models", help="list the networks of the model zoo")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("demo", help=f"tune {DEMO_SPEC} ({DEMO_TRIALS} trials), report and export")
    p.add_argument("--out", default="workbench-demo", help="output folder (workbench-demo)")
    p.add_argument("--trials", type=int, default=DEMO_TRIALS)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("show", help="summary table of a run directory")
    p.add_argument("work_dir")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", help="export the best schedule of a run directory")
    p.add_argument("work_dir")
    p.add_argument("out")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="write a markdown + HTML report of a run directory")
    p.add_argument("work_dir")
    p.add_argument("out")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("workloads", help="list the workload operators and their parameters")
    p.set_defaults(func=cmd_workloads)

    p = sub.add_parser("cost-models", help="list the cost models")
    p.set_defaults(func=cmd_cost_models)

    p = sub.add_parser("pruning-rules", help="list the pruning rules with their rationale")
    p.set_defaults(func=cmd_pruning_rules)
    p = sub.add_parser("targets", help="list the target presets")
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser(
        "preview",
        help="rank proposed candidates with a cost model trained on earlier runs (no device)",
    )
    p.add_argument("spec", help="workload spec, e.g. matmul:M=512,N=512,K=512")
    p.add_argument("-n", type=int, default=16, help="candidates to propose (16)")
    p.add_argument(
        "--train-on", action="append", help="run directory to train the model on (repeatable)"
    )
    _add_session_args(p)
    p.set_defaults(func=cmd_preview)

    p = sub.add_parser(
        "compare",
        help="run configurations x workloads x seeds, interleaved; time-to-quality tables",
    )
    p.add_argument(
        "--config",
        action="append",
        required=True,
        help="NAME=key=value;key=value (e.g. 'lgbm=cost_model=lightgbm'); the first is the baseline",
    )
    p.add_argument("--workload", action="append", required=True, help="workload spec (repeatable)")
    p.add_argument("--seeds", type=int, default=3, help="number of seeds (0..n-1)")
    p.add_argument("--trials", type=int, required=True, help="trials per run")
    p.add_argument("--out", required=True, help="output folder (runs, CSV, markdown)")
    p.add_argument("--target", default="cpu")
    p.add_argument("--trials-per-round", type=int, default=64)
    p.add_argument("--population", type=int, default=None)
    p.set_defaults(func=cmd_compare)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``workbench`` console script."""
    os.environ.setdefault("TVM_LOG_DEBUG", "0")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except WorkbenchError as err:
        print(f"workbench: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def _json(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
