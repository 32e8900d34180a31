"""Our Session loop against upstream ``tune_tir`` at equal settings.

Same workload, trials, trials per round, cost model (XGBoost), search settings, search threads
and seed. Every run is a fresh subprocess (so each side pays its own imports and start-up), and
the three variants run interleaved per seed:

- ``tune_tir``: MetaSchedule's one-shot entry point (its ``LocalBuilder`` restarts its process
  pool and imports every tensor intrinsic on each round);
- ``session-upstream-builder``: our loop with that same ``LocalBuilder`` (isolates the cost of
  our loop: predictions, records, run log);
- ``session``: our loop with its persistent builder (what users get).

Reported: wall seconds and final best GFLOPS per run, and per variant the median over seeds of
the ratio to ``tune_tir`` run with the same seed.

    python benchmarks/loop_vs_tune_tir.py --workload matmul:M=512,N=512,K=512 --trials 64 --seeds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VARIANTS = ["tune_tir", "session-upstream-builder", "session"]


def _child(args: argparse.Namespace) -> None:
    """Run one variant in this (fresh) process and print a JSON line."""
    import tvm  # noqa: F401 - imported before the clock starts, for both sides alike

    import workbench as wb

    task = wb.workload(args.workload)
    target = wb.resolve_target("cpu")
    work = tempfile.mkdtemp(prefix=f"bench-{args.variant}-")
    start = time.perf_counter()
    if args.variant == "tune_tir":
        import tvm.s_tir.meta_schedule as ms

        db = ms.tune_tir(
            task.mod,
            target.tvm(),
            work,
            max_trials_global=args.trials,
            num_trials_per_iter=args.per_round,
            cost_model="xgb",
            seed=args.seed,
            num_tuning_cores=args.threads,
        )
        wall = time.perf_counter() - start
        workload = db.commit_workload(task.mod)
        top = db.get_top_k(workload, 1)
        secs = [float(x) for x in top[0].run_secs]
        best = task.flops / (sum(secs) / len(secs)) / 1e9
        trials = len(db.get_all_tuning_records())
    else:
        builder = "upstream" if args.variant == "session-upstream-builder" else "local"
        with wb.Session(
            task,
            target=target,
            cost_model="xgboost",
            work_dir=work,
            seed=args.seed,
            trials_per_round=args.per_round,
            search_threads=args.threads,
            measure={"builder": builder},
        ) as s:
            s.run(args.trials)
            wall = time.perf_counter() - start
            best = s.best.gflops
            trials = s.trials
    print(
        json.dumps(
            {
                "variant": args.variant,
                "seed": args.seed,
                "wall_s": wall,
                "best_gflops": best,
                "trials": trials,
            }
        )
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="matmul:M=512,N=512,K=512")
    p.add_argument("--trials", type=int, default=64)
    p.add_argument("--per-round", type=int, default=64)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2, help="search threads, both sides")
    p.add_argument("--out", default="benchmarks/results/loop_vs_tune_tir.json")
    p.add_argument("--variant", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.variant:
        _child(args)
        return
    rows = []
    for seed in range(args.seeds):
        order = VARIANTS[seed % 3 :] + VARIANTS[: seed % 3]
        for variant in order:
            cmd = [
                sys.executable,
                __file__,
                "--variant",
                variant,
                "--seed",
                str(seed),
                "--workload",
                args.workload,
                "--trials",
                str(args.trials),
                "--per-round",
                str(args.per_round),
                "--threads",
                str(args.threads),
            ]
            for attempt in range(2):
                proc = subprocess.run(cmd, capture_output=True, text=True)
                if proc.returncode == 0:
                    break
                print(
                    f"seed {seed} {variant}: failed (attempt {attempt + 1}):\n{proc.stderr[-2000:]}",
                    flush=True,
                )
            else:
                raise SystemExit(f"{variant} seed {seed} failed twice")
            row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(
                f"seed {seed} {variant:<26} {row['wall_s']:7.1f} s  {row['best_gflops']:7.1f} GFLOPS",
                flush=True,
            )
    summary = {}
    for variant in VARIANTS:
        wall_ratio, best_ratio = [], []
        for seed in range(args.seeds):
            base = next(r for r in rows if r["variant"] == "tune_tir" and r["seed"] == seed)
            mine = next(r for r in rows if r["variant"] == variant and r["seed"] == seed)
            wall_ratio.append(mine["wall_s"] / base["wall_s"])
            best_ratio.append(mine["best_gflops"] / base["best_gflops"])
        summary[variant] = {
            "median_wall_s": statistics.median(
                r["wall_s"] for r in rows if r["variant"] == variant
            ),
            "median_best_gflops": statistics.median(
                r["best_gflops"] for r in rows if r["variant"] == variant
            ),
            "median_wall_ratio": statistics.median(wall_ratio),
            "median_best_ratio": statistics.median(best_ratio),
        }
    print()
    print(
        "| variant | median wall s | median best GFLOPS | wall ratio vs tune_tir | best ratio vs tune_tir |"
    )
    print("|---|---|---|---|---|")
    for variant, s in summary.items():
        print(
            f"| {variant} | {s['median_wall_s']:.1f} | {s['median_best_gflops']:.1f} | "
            f"{s['median_wall_ratio']:.3f} | {s['median_best_ratio']:.3f} |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "runs": rows, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
