"""Search policies against plain MetaSchedule, with the compare harness.

Configurations (all with the same seeds, interleaved by the harness):

- ``baseline``: XGBoost, no pruning, uniform sketches, default mutators (plain MetaSchedule);
- ``+pruning``: the default CPU rule set below;
- ``+bandit``: UCB sketch selection;
- ``+learned``: learned mutation choice;
- ``all``: all three, with ``--all-cost-model`` (the best cost model).

Reports trials-to-quality, seconds-to-quality and final best per workload (reference: the
baseline's median final best), and per rule its pruning rate and audit precision (the ``all``
and ``+pruning`` runs measure 2 pruned candidates per round).

    python benchmarks/search_policies.py --trials 128 --seeds 3 --out benchmarks/results/search_policies
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import workbench as wb

WORKLOADS = [
    "matmul:M=512,N=512,K=512",
    "conv2d:N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1",
    "depthwise_conv2d:N=1,C=96,H=112,W=112,R=3,S=3,stride=2,pad=1",
    "dense:M=16,N=1024,K=1024",
]

#: The default CPU rule set for the measurement.
RULES = [
    "enough-parallelism",
    "vector-aligned-inner-tile",
    "register-tile-fits",
    "l1-output-tile-fits",
    "pointless-unroll",
]


def pruning_table(out: Path) -> pd.DataFrame:
    """Pruning rate and audit precision per rule, over every run that pruned."""
    rows = []
    for manifest in sorted(out.glob("runs/*/*/seed*/workbench.json")):
        session = wb.Session.open(manifest.parent)
        try:
            rep = session.pruning_report()
            if not len(rep):
                continue
            rep.insert(0, "config", manifest.parent.parent.name)
            rep.insert(0, "workload", session.task.spec)
            rows.append(rep)
        finally:
            session.close()
    if not rows:
        return pd.DataFrame()
    table = pd.concat(rows, ignore_index=True)
    agg = table.groupby("rule").agg(
        pruned=("pruned", "sum"), sampled=("sampled", "sum"), audited=("audited", "sum")
    )
    judged = table[table["audited"] > 0]
    agg["pruning_rate"] = agg["pruned"] / agg["sampled"].where(agg["sampled"] > 0)
    agg["audit_precision"] = (judged["precision"] * judged["audited"]).groupby(
        judged["rule"]
    ).sum() / judged.groupby("rule")["audited"].sum()
    return agg.reset_index()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=128)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument(
        "--workload", action="append", help="workload spec (default: four CPU workloads)"
    )
    p.add_argument("--all-cost-model", default="xgboost", help="cost model of the 'all' config")
    p.add_argument("--min-repeat-ms", type=int, default=40)
    p.add_argument("--out", default="benchmarks/results/search_policies")
    args = p.parse_args()
    configs = {
        "baseline": {"cost_model": "xgboost"},
        "+pruning": {"cost_model": "xgboost", "pruning": RULES, "audit": 2},
        "+bandit": {"cost_model": "xgboost", "sketch_policy": "bandit"},
        "+learned": {"cost_model": "xgboost", "mutation_policy": "learned"},
        "all": {
            "cost_model": args.all_cost_model,
            "pruning": RULES,
            "audit": 2,
            "sketch_policy": "bandit",
            "mutation_policy": "learned",
        },
    }
    result = wb.compare(
        configs,
        workloads=args.workload or WORKLOADS,
        seeds=list(range(args.seeds)),
        trials=args.trials,
        out_dir=args.out,
        measure={"min_repeat_ms": args.min_repeat_ms},
        progress=True,
    )
    print(result.markdown())
    table = pruning_table(Path(args.out))
    if len(table):
        table.to_csv(Path(args.out) / "pruning.csv", index=False)
        print()
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
