"""Search policies against plain MetaSchedule, with the compare harness.

Configurations (all with the same seeds, interleaved by the harness):

- ``xgboost``: the baseline: XGBoost, no pruning, uniform sketches, default mutators (plain
  MetaSchedule);
- ``+pruning``: the default CPU rule set below (audit: 2 pruned candidates measured per round,
  kept out of the search; their cost is part of this config's wall time);
- ``+bandit``: UCB sketch selection;
- ``+learned``: learned mutation choice;
- ``all``: all three, with ``--all-cost-model`` (the best cost model), no audit, the rules of
  ``ALL_RULES`` (those whose audit precision in ``+pruning`` was at least 0.8), a cold start
  (``Session(cold_start=True)``: no genetic iterations while the model cannot rank yet) and
  ``LEAN_SEARCH`` (2 genetic iterations a round instead of MetaSchedule's 4).

With ``--with-cost-models`` the ``lightgbm`` and ``fi-reduced`` configurations of
``benchmarks/cost_models.py`` run in the same interleaved comparison (same workloads, seeds,
trials and round size), so both measurements share one baseline and one machine state, and so
does ``lightgbm-lean`` (``lightgbm`` with ``LEAN_SEARCH`` alone: what the search setting gives
without the policies) and ``lightgbm-lean+learned`` (``lightgbm-lean`` with the learned
mutation choice).

Reports trials-to-quality, seconds-to-quality and final best per workload (reference: the
baseline's median final best), and per rule its pruning rate and audit precision::

    nohup python benchmarks/search_policies.py run --with-cost-models \
        --out benchmarks/results/tuning > benchmarks/results/tuning.log 2>&1 &
    python benchmarks/search_policies.py summarize --out benchmarks/results/tuning

``run --configs NAME ...`` runs only those configurations (``summarize`` then tabulates those
that ran). ``summarize`` also writes ``all_report.md``: ``all`` against ``xgboost``, ``lightgbm``,
``lightgbm-lean`` and ``lightgbm-lean+learned`` over every seed they all finished (``run --seeds
5`` for five).

``ablate`` runs ``all`` with one part left out at a time (``all-no-rule``, ``all-no-cold``,
``all-no-bandit``, ``all-no-learned``) on the given workloads (default: matmul, the workload
where ``all`` fell furthest behind ``lightgbm-lean``); ``summarize`` then also writes
``ablations_report.md`` over the workloads and seeds they finished::

    python benchmarks/search_policies.py ablate --seeds 5 --out benchmarks/results/tuning

``audit`` measures the default rules' audit precision on its own (4 pruned candidates per round,
the rules taking turns)::

    python benchmarks/search_policies.py audit --trials 64 --out benchmarks/results/audit
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cost_models  # noqa: E402  (same directory: the shared workloads and tables)

WORKLOADS = cost_models.WORKLOADS
POLICY_CONFIGS = ["xgboost", "+pruning", "+bandit", "+learned", "all"]

#: The default CPU rule set for the measurement. ``l1-output-tile-fits`` left it after its
#: audit (precision 0.42; it discarded a schedule 1.28x faster than its run's best).
RULES = [
    "enough-parallelism",
    "vector-aligned-inner-tile",
    "register-tile-fits",
    "pointless-unroll",
]

#: The rules of ``all``: those of ``RULES`` that, audited in ``+pruning`` (2 per round, 4
#: workloads x 3 seeds), removed slower-than-median candidates at least 80% of the time:
#: ``register-tile-fits`` 0.89; ``enough-parallelism`` (0.61) and ``vector-aligned-inner-tile``
#: (0.58) were barely better than chance, ``pointless-unroll`` never fired.
ALL_RULES = ["register-tile-fits"]

#: The search setting of ``all`` (and ``lightgbm-lean``): 2 genetic iterations a round instead
#: of 4. Once a trained model scores the population, each iteration costs a round of mutation,
#: postprocessing and feature extraction; on matmul and dense (5 seeds) ``lightgbm`` with 2
#: iterations reached the baseline's best in 0.53x of its trials (0.54x with 4) and 0.41x of
#: its time (0.59x).
LEAN_SEARCH = {"genetic_num_iters": 2}


#: The configurations of ``all_report.md`` (every seed all of them finished).
ALL_REPORT_CONFIGS = ["xgboost", "lightgbm", "lightgbm-lean", "lightgbm-lean+learned", "all"]

#: ``all`` with one part left out at a time (``ablate``), and what each leaves out.
ABLATIONS = {
    "all-no-rule": "pruning",
    "all-no-cold": "cold_start",
    "all-no-bandit": "sketch_policy",
    "all-no-learned": "mutation_policy",
}
ABLATION_REPORT_CONFIGS = ["xgboost", "lightgbm-lean", "lightgbm-lean+learned", "all", *ABLATIONS]


def pruning_table(out: Path) -> pd.DataFrame:
    """Pruning rate and audit precision per rule, over every run that pruned."""
    rows = []
    for manifest in sorted(out.glob("runs/*/*/seed*/workbench.json")):
        if not json.loads(manifest.read_text()).get("pruning"):
            continue
        session = wb.Session.open(manifest.parent)
        try:
            rep = session.pruning_report()
            if not len(rep):
                continue
            rep.insert(0, "config", manifest.parent.parent.name)
            rep.insert(0, "workload", session.task.spec)
            best = session.best
            rep["audited_over_best"] = rep["best_audited_gflops"] / (best.gflops if best else 1)
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
    # the fastest audited candidate against its run's best: did a rule throw away a winner?
    agg["max_audited_over_run_best"] = table.groupby("rule")["audited_over_best"].max()
    return agg.reset_index()


def configs(all_cost_model: str, with_cost_models: bool) -> dict[str, dict]:
    """Session settings of every configuration (the first is the baseline)."""
    out = {
        "xgboost": {"cost_model": "xgboost"},
        "+pruning": {"cost_model": "xgboost", "pruning": RULES, "audit": 2},
        "+bandit": {"cost_model": "xgboost", "sketch_policy": "bandit"},
        "+learned": {"cost_model": "xgboost", "mutation_policy": "learned"},
        "all": {
            "cost_model": all_cost_model,
            "pruning": ALL_RULES,
            "sketch_policy": "bandit",
            "mutation_policy": "learned",
            "cold_start": True,
            "search": LEAN_SEARCH,
        },
    }
    if with_cost_models:
        out["lightgbm"] = {"cost_model": "lightgbm"}
        out["fi-reduced"] = {"cost_model": "fi-reduced"}
        out["lightgbm-lean"] = {"cost_model": "lightgbm", "search": LEAN_SEARCH}
        # the learned mutation choice alone on top of ``lightgbm-lean``
        out["lightgbm-lean+learned"] = {**out["lightgbm-lean"], "mutation_policy": "learned"}
    return out


def run(args: argparse.Namespace) -> None:
    settings = configs(args.all_cost_model, args.with_cost_models)
    if args.configs:
        unknown = [c for c in args.configs if c not in settings]
        if unknown:
            raise SystemExit(
                f"unknown configuration(s) {', '.join(unknown)}; choose from {', '.join(settings)}"
            )
        settings = {k: v for k, v in settings.items() if k in args.configs}
    args.wall_min = cost_models.compare(settings, args, list(range(args.seeds)))
    summarize(args)


def _finished(out: Path, names: list[str]) -> list[str]:
    """``names`` that have run directories under ``out`` (a ``run --configs`` may leave some
    out), in their order."""
    return [n for n in names if any(out.glob(f"runs/*/{n}/seed*/workbench.json"))]


def summarize(args: argparse.Namespace) -> None:
    """Tables of the policy comparison (and of the cost models, when they ran too); each table
    over the configurations that ran, and the (workload, seed) pairs all of them finished."""
    out = Path(args.out)
    common = {k: getattr(args, k) for k in ("out", "trials", "per_round", "min_repeat_ms")}
    common["wall_min"] = getattr(args, "wall_min", None)
    tables = [
        (POLICY_CONFIGS, "policies_", False),
        (cost_models.CONFIGS, "cost_models_", True),
        # ``all`` against the baseline and its cost model alone, over every seed all of them
        # finished (the other policy configurations may have run fewer seeds)
        (ALL_REPORT_CONFIGS, "all_", False),
        (ABLATION_REPORT_CONFIGS, "ablations_", False),
    ]
    for names, prefix, noise in tables:
        present = _finished(out, names)
        if len(present) < 2 or present[0] != names[0]:
            continue  # no baseline, or nothing to compare with it
        if {"all_": "all", "ablations_": "all-no-rule"}.get(prefix, names[0]) not in present:
            continue  # the table's subject did not run
        print()
        cost_models.summarize(
            argparse.Namespace(**common, configs=present, prefix=prefix, noise=noise)
        )
    table = pruning_table(out)
    if len(table):
        table.to_csv(out / "pruning.csv", index=False)
        print()
        print(cost_models._markdown(table))


def ablate(args: argparse.Namespace) -> None:
    """``all`` with one part left out at a time, on ``args.workloads``."""
    full = configs("lightgbm", False)["all"]
    settings = {
        name: {k: v for k, v in full.items() if k != part} for name, part in ABLATIONS.items()
    }
    cost_models.compare(settings, args, list(range(args.seeds)))
    summarize(args)


def audit(args: argparse.Namespace) -> None:
    """Audit precision of every default rule: tuning runs that measure ``--audit`` pruned
    candidates per round (the rules that fired take turns)."""
    out = Path(args.out)
    settings = {"audit": {"cost_model": "xgboost", "pruning": RULES, "audit": args.audit}}
    cost_models.compare(settings, args, list(range(args.seeds)))
    table = pruning_table(out)
    table.to_csv(out / "pruning.csv", index=False)
    print(cost_models._markdown(table))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="the comparison on real tuning runs")
    r.add_argument("--workloads", nargs="+", default=WORKLOADS)
    r.add_argument("--seeds", type=int, default=3)
    r.add_argument("--all-cost-model", default="lightgbm", help="cost model of 'all'")
    r.add_argument("--with-cost-models", action="store_true", help="add lightgbm, fi-reduced")
    r.add_argument("--configs", nargs="+", help="run only these configurations (default: all)")
    m = sub.add_parser("summarize", help="tables from the finished runs of an earlier `run`")
    b = sub.add_parser("ablate", help="'all' with one part left out at a time")
    b.add_argument("--workloads", nargs="+", default=WORKLOADS[:1])
    b.add_argument("--seeds", type=int, default=5)
    a = sub.add_parser("audit", help="audit precision of the default rules")
    a.add_argument("--workloads", nargs="+", default=WORKLOADS)
    a.add_argument("--seeds", type=int, default=1)
    a.add_argument("--audit", type=int, default=4, help="pruned candidates measured per round")
    for q in (r, m, b, a):
        q.add_argument("--out", default="benchmarks/results/tuning")
        q.add_argument("--trials", type=int, default=128)
        q.add_argument("--per-round", type=int, default=32)
        q.add_argument("--min-repeat-ms", type=int, default=40)
    args = p.parse_args()
    {"run": run, "summarize": summarize, "ablate": ablate, "audit": audit}[args.cmd](args)


if __name__ == "__main__":
    main()
