"""ResNet-18 end to end: untuned vs tuned (ModelSession) vs PyTorch CPU.

Tunes every task of the zoo's ResNet-18 (batch 1, float32, random weights) with the
gradient-based task scheduler, compiles the network with the best schedules, and times the
untuned build (default legalized schedules), the tuned build and the PyTorch twin of the same
network (same weights; the outputs are compared). Latency is the median of repeated runs after
a warm-up run. PyTorch runs in a child process so that its thread pool does not share the
process with TVM's; ``--torch-path`` adds a folder holding ``torch`` to that child's path only.

    python benchmarks/resnet18.py --trials 416 --trials-per-round 16 --population 128 \\
        --min-repeat-ms 40 --work-dir runs/bench-resnet18 --out benchmarks/results/resnet18

Results: ``result.json`` and ``table.md`` in ``--out``. A re-run with the same ``--work-dir``
resumes the tuning (the wall time reported is then the sum over the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path


def _torch_child(args: argparse.Namespace) -> None:
    """In a fresh process: time the PyTorch twin and compare its output with TVM's."""
    import numpy as np

    from workbench.models import load
    from workbench.models._torch import torch_latency

    model = load("resnet18", seed=args.seed)
    inputs = model.make_inputs(args.seed)
    measured = torch_latency(model, inputs, args.repeat, args.threads)
    if measured is None:
        print(json.dumps({"error": "torch is not installed"}))
        return
    ms_values, out, version = measured
    ref = np.load(args.reference)
    diff = float(np.abs(out.astype("float64") - ref).max() / max(1e-30, np.abs(ref).max()))
    print(
        json.dumps(
            {
                "version": version,
                "ms": [float(x) for x in ms_values],
                "max_rel_diff": diff,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=416)
    parser.add_argument("--trials-per-round", type=int, default=16)
    parser.add_argument("--population", type=int, default=128)
    parser.add_argument("--min-repeat-ms", type=int, default=40)
    parser.add_argument("--scheduler", default="gradient")
    parser.add_argument("--cost-model", default="xgboost")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per build")
    parser.add_argument("--work-dir", default="runs/bench-resnet18")
    parser.add_argument("--out", default="benchmarks/results/resnet18")
    parser.add_argument("--torch-path", default=None, help="extra sys.path entry holding torch")
    parser.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--reference", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_child:
        _torch_child(args)
        return

    import numpy as np

    import workbench as wb
    from workbench.cli import ModelProgress

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = {
        "model": "resnet18",
        "trials": args.trials,
        "trials_per_round": args.trials_per_round,
        "population_size": args.population,
        "min_repeat_ms": args.min_repeat_ms,
        "scheduler": args.scheduler,
        "cost_model": args.cost_model,
        "seed": args.seed,
        "repeat": args.repeat,
    }
    session = wb.ModelSession(
        "resnet18",
        target="cpu",
        cost_model=args.cost_model,
        work_dir=args.work_dir,
        seed=args.seed,
        scheduler=args.scheduler,
        trials_per_round=args.trials_per_round,
        search={"population_size": args.population},
        measure={"min_repeat_ms": args.min_repeat_ms},
    )
    print(f"{len(session.tasks)} tasks; {session.trials} trials already in {args.work_dir}")
    progress = ModelProgress(args.trials, len(session.tasks))
    started = time.perf_counter()
    remaining = args.trials - session.trials
    if remaining > 0:
        session.run(remaining, callbacks=[progress])
    tuning_wall_s = time.perf_counter() - started
    table = session.task_table()
    table.to_csv(out / "tasks.csv", index=False)
    tuning_loop_s = session.rounds[-1]["elapsed_s"] if session.rounds else 0.0

    t0 = time.perf_counter()
    session.compile(True)
    compile_s = time.perf_counter() - t0
    frame = session.benchmark(repeat=args.repeat, torch=False)
    reference = session.predict(tuned=False)
    ref_path = Path(args.work_dir) / "untuned_output.npy"
    np.save(ref_path, reference.astype("float64"))
    rows = frame.to_dict("records")

    env = dict(os.environ)
    if args.torch_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), args.torch_path]))
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--torch-child",
            "--seed",
            str(args.seed),
            "--repeat",
            str(args.repeat),
            "--threads",
            str(session.target.num_cores),
            "--reference",
            str(ref_path),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    torch_info = json.loads(child.stdout.strip().splitlines()[-1]) if child.stdout.strip() else {}
    if "ms" in torch_info:
        values = np.asarray(torch_info["ms"])
        rows.append(
            {
                "build": f"pytorch {torch_info['version']}",
                "median_ms": float(np.median(values)),
                "min_ms": float(values.min()),
                "max_ms": float(values.max()),
                "repeat": int(values.size),
                "max_rel_diff": torch_info["max_rel_diff"],
            }
        )
    else:
        print("PyTorch comparison left out:", torch_info.get("error") or child.stderr[-2000:])
    base = rows[0]["median_ms"]
    for row in rows:
        row["speedup"] = base / row["median_ms"]
    session.close()

    result = {
        "settings": settings,
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": session.target.num_cores,
            "target": session.target.config,
            "load_average_at_end": os.getloadavg(),
        },
        "tasks": len(session.tasks),
        "measured_trials": session.trials,
        "tuning_wall_s": tuning_wall_s,
        "tuning_loop_s_total": tuning_loop_s,
        "compile_s": compile_s,
        "latency": rows,
    }
    (out / "result.json").write_text(json.dumps(result, indent=2, default=str))
    lines = [
        "| build | median ms | min ms | max ms | runs | speedup vs untuned | max rel. output diff |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['build']} | {row['median_ms']:.2f} | {row['min_ms']:.2f} | "
            f"{row['max_ms']:.2f} | {row['repeat']} | {row['speedup']:.2f}x | "
            f"{row['max_rel_diff']:.1e} |"
        )
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(
        f"tuning: {session.trials} trials over {len(session.tasks)} tasks, "
        f"{tuning_wall_s:.0f} s wall in this run ({tuning_loop_s:.0f} s in rounds, all runs)"
    )


if __name__ == "__main__":
    main()
