"""How much faster or slower this machine runs the same kernels now than when runs were tuned.

A comparison is only fair when its configurations were measured side by side: a run resumed or
added hours later may have met a slower or faster machine (other tenants of a virtual machine,
frequency limits). This script re-measures, now and in one sitting, the ``--top`` fastest
schedules each finished run recorded, and reports per run the median of now / then over those
schedules. Runs whose ratios differ were measured under different machine speeds; their GFLOPS
are not comparable without that factor::

    python benchmarks/drift.py --out benchmarks/results/tuning --configs xgboost all \\
        --workloads matmul --seeds 0 1 --top 4

Writes ``drift.csv`` under ``--out`` (one row per run: workload, config, seed, when it started,
now / then median and quartiles).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def _runs(out: Path, configs: list[str] | None, workloads: list[str] | None, seeds: list[int]):
    from cost_models import run_dirs

    for run_dir, config, seed in run_dirs(out):
        if configs and config not in configs:
            continue
        if seeds and seed not in seeds:
            continue
        if workloads and not any(run_dir.parent.parent.name.startswith(w) for w in workloads):
            continue
        yield run_dir, config, seed


def remeasure(run_dir: Path, top: int) -> dict:
    """Re-measure the ``top`` fastest recorded schedules of one run; now / then per schedule."""
    import workbench as wb

    session = wb.Session.open(run_dir)
    try:
        candidates, results = session._measured_candidates()
        timed = [
            (statistics.mean(float(x) for x in r.run_secs), c)
            for c, r in zip(candidates, results)
            if r.run_secs
        ]
        timed.sort(key=lambda x: x[0])
        picked = timed[:top]
        session.check_runner()
        _, now, _, _ = session._measure([c.sch for _, c in picked])
        ratios = [
            then / statistics.mean(float(x) for x in r.run_secs)
            for (then, _), r in zip(picked, now)
            if r.error_msg is None and r.run_secs
        ]
        rounds = session.rounds
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [float("nan")] * 3
        return {
            "workload": session.task.spec,
            "started": time.strftime(
                "%Y-%m-%d %H:%M", time.gmtime(rounds[0]["started_at"] if rounds else 0)
            ),
            "schedules": len(ratios),
            # speed now / then: above 1 the machine is faster now than during the run
            "now_over_then": float(statistics.median(ratios)) if ratios else float("nan"),
            "q25": quartiles[0],
            "q75": quartiles[2],
        }
    finally:
        session.close()


def main() -> None:
    import pandas as pd

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="benchmarks/results/tuning", help="a compare output folder")
    p.add_argument("--configs", nargs="+", help="only these configurations (default: every one)")
    p.add_argument("--workloads", nargs="+", help="workload prefixes, e.g. matmul conv2d")
    p.add_argument("--seeds", nargs="+", type=int, default=[])
    p.add_argument("--top", type=int, default=4, help="fastest schedules re-measured per run")
    args = p.parse_args()
    out = Path(args.out)
    if not out.is_dir():
        sys.exit(f"no such folder: {out}")
    if args.top < 1:
        sys.exit(f"--top must be at least 1, got {args.top}")
    runs = list(_runs(out, args.configs, args.workloads, args.seeds))
    if not runs:
        sys.exit(f"no finished run under {out}/runs matches the selection")
    rows = []
    for i, (run_dir, config, seed) in enumerate(runs, 1):
        row = {"config": config, "seed": seed, **remeasure(run_dir, args.top)}
        rows.append(row)
        print(
            f"[{i}/{len(runs)}] {row['workload']} {config} seed {seed} (started "
            f"{row['started']}): now/then {row['now_over_then']:.3f}",
            flush=True,
        )
    table = pd.DataFrame(rows)
    cols = ["workload", "config", "seed", "started", "schedules", "now_over_then", "q25", "q75"]
    table = table[cols]
    table.to_csv(out / "drift.csv", index=False)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
