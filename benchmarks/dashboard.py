"""Dashboard overhead: the per-round update path, and tuning throughput with the dashboard.

1. Update latency: a real session (tiny workload, nothing measured) is given a synthetic
   state of 1,000 history rows (20 rounds x 50 candidates with every optional round key:
   pruned counts, sketch allocation, mutation probabilities, model metrics), and the
   dashboard's per-round update (``Dashboard.refresh()``: the shown figure, the candidate
   table, the sketch browser, the status line) is timed. Redrawing every figure at once
   (``refresh(all_figures=True)``, what showing all tabs in turn costs) is reported too.
2. Throughput: trials per minute of a session driven headless (``session.run`` on the main
   thread), headless on a worker thread, and by the dashboard (``Dashboard.run`` in its
   background thread, updating after every round), side by side: same workload, seed and
   settings, interleaved (the order rotates per repetition), median over the repetitions,
   after an untimed warm-up round of each. Session construction is outside the clock. Each
   run's summed phase times (search, build, run, update, and the cost model's share of the
   update) are kept, to explain differences.

    python benchmarks/dashboard.py                      # both parts
    python benchmarks/dashboard.py --part update --rows 1000
    python benchmarks/dashboard.py --part throughput --workload matmul:M=128,N=128,K=128 --trials 48 --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TVM_NUM_THREADS", "2")

#: headless: ``session.run`` on the calling (main) thread; headless-thread: the same on a plain
#: worker thread (what the dashboard does, without the dashboard); dashboard: ``Dashboard.run``.
VARIANTS = ["headless", "headless-thread", "dashboard"]
SMALL_SEARCH = {"population_size": 64, "init_min_unmeasured": 16, "genetic_num_iters": 2}
SMALL_MEASURE = {"min_repeat_ms": 5}


def synthetic_rounds(rows: int, per_round: int = 50, sketches: int = 3, seed: int = 0):
    """Round dicts shaped like ``Session.rounds``, with every optional key."""
    rng = random.Random(seed)
    rounds: list[dict[str, Any]] = []
    trial, elapsed, best = 0, 0.0, 0.0
    for r in range((rows + per_round - 1) // per_round):
        cands = []
        for _ in range(min(per_round, rows - trial)):
            trial += 1
            g = rng.uniform(5.0, 150.0)
            best = max(best, g)
            elapsed += 0.4
            cands.append(
                {
                    "trial": trial,
                    "candidate": trial - 1,
                    "sketch": rng.randrange(sketches),
                    "decisions": [[rng.choice([1, 2, 4, 8]) for _ in range(4)], rng.randrange(4)],
                    "predicted": rng.random(),
                    "latency_us": 2 * 64**3 / (g * 1e3),
                    "gflops": g,
                    "best_gflops": best,
                    "error": None,
                    "elapsed_s": round(elapsed, 4),
                    "measured_at": 0.0,
                }
            )
        weights = [rng.random() + 0.1 for _ in range(sketches)]
        rounds.append(
            {
                "round": r,
                "sampled": 200,
                "proposed": len(cands),
                "duplicates": 0,
                "candidates": cands,
                "best_gflops": best,
                "best_latency_us": 2 * 64**3 / (best * 1e3),
                "times": {"search": 1.0, "build": 10.0, "run": 4.0, "update": 0.5, "total": 15.5},
                "trials": trial,
                "elapsed_s": round(elapsed, 4),
                "cost_model": "xgboost",
                "started_at": 0.0,
                "model": {"spearman": rng.uniform(-1, 1), "pairwise_accuracy": 0.6},
                "pruned": {"rule-a": rng.randrange(20), "rule-b": rng.randrange(10)},
                "sketch_allocation": {str(k): w / sum(weights) for k, w in enumerate(weights)},
                "mutation_probs": {
                    "MutateTileSize": 0.9,
                    "MutateUnroll": 0.05,
                    "MutateParallel": 0.05,
                },
            }
        )
    return rounds


def bench_update(rows: int, repeats: int) -> dict[str, Any]:
    import workbench as wb

    session = wb.Session(
        "matmul:M=64,N=64,K=64", trials_per_round=8, search=SMALL_SEARCH, measure=SMALL_MEASURE
    )
    # Benchmark only: give the session a recorded state without measuring 1,000 candidates.
    session._rounds = synthetic_rounds(rows)
    assert len(session.history) == rows
    dash = wb.Dashboard(session)
    dash.refresh(all_figures=True)  # warm-up: first renders, imports
    per_round = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        dash.refresh()
        per_round.append(time.perf_counter() - t0)
    every = []
    for _ in range(max(3, repeats // 4)):
        t0 = time.perf_counter()
        dash.refresh(all_figures=True)
        every.append(time.perf_counter() - t0)
    session.close()
    ms = sorted(1000 * x for x in per_round)
    return {
        "rows": rows,
        "repeats": repeats,
        "update_ms_median": statistics.median(ms),
        "update_ms_p90": ms[int(0.9 * (len(ms) - 1))],
        "update_ms_max": ms[-1],
        "all_figures_ms_median": 1000 * statistics.median(every),
    }


def _one_run(variant: str, workload: str, trials: int, per_round: int, seed: int) -> dict[str, Any]:
    import workbench as wb

    session = wb.Session(
        workload, trials_per_round=per_round, seed=seed, search=SMALL_SEARCH, measure=SMALL_MEASURE
    )
    refresh_s = 0.0
    try:
        if variant == "headless":
            t0 = time.perf_counter()
            session.run(trials)
            wall = time.perf_counter() - t0
        elif variant == "headless-thread":
            worker = threading.Thread(target=session.run, args=(trials,))
            t0 = time.perf_counter()
            worker.start()
            worker.join()
            wall = time.perf_counter() - t0
        else:
            dash = wb.Dashboard(session, budget=trials)
            dash.update_seconds.clear()
            t0 = time.perf_counter()
            dash.run(trials)
            dash.wait()
            wall = time.perf_counter() - t0
            refresh_s = sum(dash.update_seconds)
        done = session.trials
        rounds = session.rounds
        phases = {
            k: round(sum(r["times"].get(k, 0.0) for r in session.rounds), 3)
            for k in ("search", "build", "run", "update")
        }
        phases["model_update"] = round(
            sum((r.get("model") or {}).get("update_s", 0.0) for r in session.rounds), 3
        )
    finally:
        session.close()
    return {
        "variant": variant,
        "trials": done,
        "wall_s": wall,
        "trials_per_min": 60 * done / wall,
        "phase_s": phases,
        # wall time outside the rounds' own phases: the driver's overhead (thread start,
        # callbacks, the dashboard's redraws), largely immune to the machine's load
        "outside_rounds_s": round(wall - sum(r["times"]["total"] for r in rounds), 3),
        "dashboard_refresh_s": round(refresh_s, 3),
    }


def bench_throughput(workload: str, trials: int, per_round: int, reps: int) -> dict[str, Any]:
    # Untimed warm-up of both variants: the first run in a process pays one-time costs
    # (imports, LLVM initialisation) that would otherwise fall on whichever runs first.
    for variant in VARIANTS:
        _one_run(variant, workload, per_round, per_round, seed=0)
    runs = []
    for rep in range(reps):
        order = VARIANTS[rep % 3 :] + VARIANTS[: rep % 3]  # rotate who goes first
        for variant in order:
            row = _one_run(variant, workload, trials, per_round, seed=0)
            row["rep"] = rep
            runs.append(row)
            print(
                f"rep {rep} {variant:<15} {row['trials']} trials in {row['wall_s']:6.1f} s "
                f"= {row['trials_per_min']:6.1f} trials/min  outside rounds "
                f"{row['outside_rounds_s']:.2f} s (dashboard redraws {row['dashboard_refresh_s']:.2f} s)"
                f"  phases {row['phase_s']}",
                flush=True,
            )
    med = {
        v: statistics.median(r["trials_per_min"] for r in runs if r["variant"] == v)
        for v in VARIANTS
    }
    # paired within each repetition (they ran back to back): robust to slow load drifts
    paired: dict[str, list[float]] = {"headless": [], "headless-thread": []}
    for rep in range(reps):
        by = {r["variant"]: r["trials_per_min"] for r in runs if r["rep"] == rep}
        for base in paired:
            paired[base].append(by["dashboard"] / by[base])
    return {
        "workload": workload,
        "trials": trials,
        "per_round": per_round,
        "reps": reps,
        "runs": runs,
        "trials_per_min_median": med,
        "ratio_vs_headless": med["dashboard"] / med["headless"],
        "ratio_vs_headless_thread": med["dashboard"] / med["headless-thread"],
        "paired_ratios": paired,
        "outside_rounds_s_median": {
            v: statistics.median(r["outside_rounds_s"] for r in runs if r["variant"] == v)
            for v in VARIANTS
        },
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", choices=["update", "throughput", "both"], default="both")
    p.add_argument("--rows", type=int, default=1000, help="history rows for the update timing")
    p.add_argument("--repeats", type=int, default=30, help="timed updates")
    p.add_argument("--workload", default="matmul:M=128,N=128,K=128")
    p.add_argument("--trials", type=int, default=48, help="trials per throughput run")
    p.add_argument("--per-round", type=int, default=16)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--out", default="benchmarks/results/dashboard.json")
    args = p.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    result: dict[str, Any] = {"cpu_count": os.cpu_count()}
    if args.part in ("update", "both"):
        up = bench_update(args.rows, args.repeats)
        result["update"] = up
        print(
            f"update after a round, {up['rows']} history rows: median {up['update_ms_median']:.1f} ms, "
            f"p90 {up['update_ms_p90']:.1f} ms, max {up['update_ms_max']:.1f} ms; "
            f"all figures: {up['all_figures_ms_median']:.1f} ms",
            flush=True,
        )
    if args.part in ("throughput", "both"):
        tp = bench_throughput(args.workload, args.trials, args.per_round, args.reps)
        result["throughput"] = tp
        med = tp["trials_per_min_median"]
        print(
            f"trials/min (median of {tp['reps']}): "
            + ", ".join(f"{v} {med[v]:.1f}" for v in VARIANTS)
            + f"; dashboard / headless {tp['ratio_vs_headless']:.3f}, "
            f"dashboard / headless-thread {tp['ratio_vs_headless_thread']:.3f}; "
            "wall time outside the rounds (median): "
            + ", ".join(f"{v} {tp['outside_rounds_s_median'][v]:.2f} s" for v in VARIANTS)
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
