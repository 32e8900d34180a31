"""Cost models compared: XGBoost (MetaSchedule's baseline) vs LightGBM vs fi-reduced.

Two parts:

``run`` (the measurement): with :func:`workbench.compare` on four CPU workloads, three seeds and
128 trials each, every configuration with the same search and measurement settings. Writes the
harness' tables (``cost_models_summary.csv``, ``_runs.csv``, ``_rounds.csv``) plus
``cost_models_model_times.csv`` (per-round model update and predict seconds) and
``cost_models_report.md`` under ``--out``::

    nohup python benchmarks/cost_models.py run > benchmarks/results/cost_models.log 2>&1 &

The committed tables come from ``benchmarks/search_policies.py run --with-cost-models``, which
runs these three configurations in the same interleaved comparison as the search policies
(same run directories under ``benchmarks/results/tuning/runs``; either script resumes them).

``run --configs`` also takes the benchmark-only variants of :data:`EXTRA_CONFIGS`, registered as
cost models of their own for the run (``lightgbm-logistic``: ``lightgbm`` with
``score_map="logistic"``)::

    python benchmarks/cost_models.py run --seeds 3 --first-seed 19 --trials 256 \
        --configs xgboost lightgbm-logistic --out benchmarks/results/logistic256

``summarize``: the same tables from the run directories alone (only workload/seed pairs that
every configuration finished), e.g. while or after ``run`` was interrupted.

``study`` (how the LightGBM objective and fi-reduced's label transform were chosen): on
recorded data sets (``benchmarks/record_cost_model_data.py``), trains each variant on a random
3/4 of the candidates and scores the held-out quarter (Spearman, top-8 recall), averaged over
splits; also reports the training time::

    python benchmarks/cost_models.py study tests/data/cost_model_matmul128.npz other.npz
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

WORKLOADS = [
    "matmul:M=512,N=512,K=512",
    "conv2d:N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1",
    "depthwise_conv2d:N=1,C=96,H=112,W=112,R=3,S=3,stride=2,pad=1",
    "dense:M=16,N=1000,K=2048",
]
CONFIGS = ["xgboost", "lightgbm", "fi-reduced"]

#: Benchmark-only variants of the registered models, registered under these names when a
#: ``run`` asks for them (``--configs xgboost lightgbm-logistic``).
EXTRA_CONFIGS = {
    # ``lightgbm`` with its ranking logits mapped to (0, 1) before the search sees them
    "lightgbm-logistic": ("workbench.cost_models.lightgbm", {"score_map": "logistic"}),
}


def register_extra(names) -> None:
    """Register the :data:`EXTRA_CONFIGS` among ``names`` as cost models of their own."""
    import functools
    import importlib

    import workbench.cost_models as cm

    for name in names:
        if name not in EXTRA_CONFIGS or name in cm.available():
            continue
        module, kwargs = EXTRA_CONFIGS[name]
        make = importlib.import_module(module).make
        cm.register(name, functools.partial(make, **kwargs), f"{module}.make(**{kwargs})")


def compare(configs: dict, args: argparse.Namespace, seeds: list[int]) -> float:
    """``wb.compare`` with the benchmarks' shared settings from ``args``; wall minutes taken."""
    import workbench as wb

    started = time.time()
    wb.compare(
        configs,
        args.workloads,
        seeds=seeds,
        trials=args.trials,
        out_dir=args.out,
        trials_per_round=args.per_round,
        measure={"min_repeat_ms": args.min_repeat_ms},
        progress=True,
    )
    return (time.time() - started) / 60


def run(args: argparse.Namespace) -> None:
    register_extra(args.configs)
    configs = {name: {"cost_model": name} for name in args.configs}
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    args.wall_min = compare(configs, args, seeds)
    summarize(args)


def run_dirs(root: Path):
    """``(run_dir, config, seed)`` of every run directory under ``root/runs`` (finished or not)."""
    for man in sorted(root.glob("runs/*/*/seed*/workbench.json")):
        run_dir = man.parent
        yield run_dir, run_dir.parent.name, int(run_dir.name[len("seed") :])


def complete_pairs(frame, configs: list[str]):
    """The rows of ``frame`` whose (workload, seed) pair every one of ``configs`` finished."""
    done = frame.groupby(["workload", "seed"])["config"].nunique()
    complete = {k for k, v in done.items() if v == len(configs)}
    return frame[[(w, s) in complete for w, s in zip(frame.workload, frame.seed)]]


def _load_runs(root: Path, configs: list[str], trials: int):
    """Histories and round tables of the finished runs under ``root/runs``."""
    import pandas as pd

    from workbench.records import RunLog, history_frame, rounds_frame

    hist, rnds = [], []
    for run_dir, config, seed in run_dirs(root):
        if config not in configs:
            continue
        log = RunLog(run_dir)
        rounds = log.read_rounds()
        if sum(len(r["candidates"]) for r in rounds) < trials:
            continue  # unfinished
        spec = log.read_manifest()["workload"]
        h = history_frame(rounds).head(trials)
        h.insert(0, "seed", seed)
        h.insert(0, "config", config)
        h.insert(0, "workload", spec)
        hist.append(h)
        r = rounds_frame(rounds)
        r.insert(0, "seed", seed)
        r.insert(0, "config", config)
        r.insert(0, "workload", spec)
        rnds.append(r)
    return pd.concat(hist, ignore_index=True), pd.concat(rnds, ignore_index=True)


def summarize(args: argparse.Namespace) -> None:
    """Tables from the run directories: only (workload, seed) pairs every config finished."""
    from workbench.comparison import SUMMARY_COLUMNS, _summarize

    out = Path(args.out)
    prefix = getattr(args, "prefix", "cost_models_")
    runs, rounds = _load_runs(out, args.configs, args.trials)
    runs = complete_pairs(runs, args.configs)
    rounds = complete_pairs(rounds, args.configs)
    complete = set(zip(runs.workload, runs.seed))
    summary, _ = _summarize(runs, list(args.configs), None)
    summary.to_csv(out / f"{prefix}summary.csv", index=False)
    runs.to_csv(out / f"{prefix}runs.csv", index=False)
    rounds.to_csv(out / f"{prefix}rounds.csv", index=False)

    cols = ["model_update_s", "model_predict_s", "search_s", "build_s", "total_s"]
    # The search's own calls to the model (recorded since 2026-12-02): its real predict cost.
    cols[2:2] = [c for c in ("model_search_predict_s", "model_search_scored") if c in rounds]
    times = rounds.groupby(["workload", "config"], sort=False)[cols].median().reset_index()
    later = rounds[rounds["round"] > 0]  # round 0 is scored before any model saw data
    quality = (
        later.groupby(["workload", "config"], sort=False)[
            ["model_spearman", "model_pairwise_accuracy", "model_topk_recall"]
        ]
        .mean()
        .reset_index()
    )
    times = times.merge(quality, on=["workload", "config"])
    times.to_csv(out / f"{prefix}model_times.csv", index=False)
    noise = _round0_noise(runs)
    seeds = sorted({s for _, s in complete})
    wall = getattr(args, "wall_min", None)
    summary_cols = [*SUMMARY_COLUMNS[:2], "seeds", *SUMMARY_COLUMNS[2:]]
    report = [
        f"Workloads: {runs.workload.nunique()}, seeds: {seeds} (pairs finished by every config: "
        f"{len(complete)}), trials: {args.trials}, trials per round: {args.per_round}, "
        f"min_repeat_ms: {args.min_repeat_ms}"
        + (f"; benchmark wall time {wall:.1f} min." if wall else "."),
        "",
        "### Time and trials to the baseline's median final best (medians over seeds)",
        "",
        _markdown(summary[summary_cols]),
        "",
        "### Per-round model cost (median seconds) and ranking quality (mean over rounds >= 1)",
        "",
        _markdown(times),
        "",
        f"### Ratios to {args.configs[0]}, median over workloads",
        "",
        _markdown(_overall(summary)),
    ]
    if getattr(args, "noise", True):
        report += [
            "",
            "### Measurement noise: the same round-0 candidates measured once per config",
            "",
            "Round 0 is identical for every config of a seed (same search seed, same random "
            "scores before any training), so its best measured GFLOPS differs only by noise.",
            "",
            _markdown(noise),
        ]
    (out / f"{prefix}report.md").write_text("\n".join(report) + "\n")
    print("\n".join(report))


def _round0_noise(runs):
    import pandas as pd

    r0 = runs[runs["round"] == 0]
    best = r0.groupby(["workload", "seed", "config"])["gflops"].max().reset_index()
    rows = []
    for (wl, seed), g in best.groupby(["workload", "seed"]):
        vals = g["gflops"].to_numpy()
        rows.append(
            {
                "workload": wl,
                "seed": seed,
                "round0_best_min": float(vals.min()),
                "round0_best_max": float(vals.max()),
                "max_over_min": float(vals.max() / vals.min()),
            }
        )
    return pd.DataFrame(rows)


def _overall(summary):
    import pandas as pd

    rows = []
    for cfg, g in summary.groupby("config", sort=False):
        rows.append(
            {
                "config": cfg,
                "seconds_ratio": float(g["seconds_ratio"].median()),
                "trials_ratio": float(g["trials_ratio"].median()),
                "final_best_ratio": float(g["final_best_ratio"].median()),
                "reached": ", ".join(g["reached"]),
            }
        )
    return pd.DataFrame(rows)


def _markdown(df) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("inf" if math.isinf(v) else "nan" if v != v else f"{v:.3g}")
            else:
                cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------- the objective study
VARIANTS = {
    "xgboost": ("xgboost", {}),
    "lightgbm/regression": ("lightgbm", {"objective": "regression"}),
    "lightgbm/rank": ("lightgbm", {"objective": "rank"}),
    "lightgbm/lambdarank": ("lightgbm", {"objective": "lambdarank"}),
    "fi-reduced/regression+quantile": (
        "fi-reduced",
        {"objective": "regression", "labels": "quantile"},
    ),
    "fi-reduced/regression+power": ("fi-reduced", {"objective": "regression", "labels": "power"}),
    "fi-reduced/rank+quantile": ("fi-reduced", {"objective": "rank", "labels": "quantile"}),
    "fi-reduced/rank+power": ("fi-reduced", {"objective": "rank", "labels": "power"}),
    "fi-reduced/rank+none": ("fi-reduced", {"objective": "rank", "labels": "none"}),
    "random": ("random", {}),
}

PROXY_VARIANTS = [v for v in VARIANTS if v.startswith(("lightgbm/r", "fi-reduced/"))] + ["random"]


def _make(name: str, kwargs: dict, seed: int):
    import importlib

    import workbench.cost_models as cm

    if not kwargs:
        return cm.create(name, seed=seed, num_threads=1)
    mod = importlib.import_module(
        {
            "lightgbm": "workbench.cost_models.lightgbm",
            "fi-reduced": "workbench.cost_models.fi_reduced",
        }[name]
    )
    return mod.make(seed=seed, **kwargs)


def _run_candidates(path: Path):
    """Per-store features and costs, in measurement order, that a run's saved cost model
    holds: a workbench model's ``.npz`` or ``XGBModel``'s ``.tar`` (its ``data.npy``)."""
    import io
    import tarfile

    import numpy as np

    if path.suffix == ".npz":
        z = np.load(path)
        feats = [z["features"][a:b] for a, b in zip(z["offsets"][:-1], z["offsets"][1:])]
        return feats, np.asarray(z["costs"], dtype=float)
    with tarfile.open(path) as tar:
        raw = tar.extractfile("data.npy").read()
    feats, costs = [], []
    for _, group_feats, group_costs in np.load(io.BytesIO(raw), allow_pickle=True):
        feats.extend(np.asarray(f, dtype=np.float32) for f in group_feats)
        costs.extend(float(c) for c in group_costs)
    return feats, np.asarray(costs, dtype=float)


def study(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd
    from scipy.stats import spearmanr

    import workbench.cost_models as cm

    rows = []
    for path in args.data:
        feats, costs = _run_candidates(Path(path))
        for variant, (name, kwargs) in VARIANTS.items():
            for split in range(args.splits):
                rng = np.random.default_rng(split)
                perm = rng.permutation(len(feats))
                cut = len(feats) * 3 // 4
                tr, te = perm[:cut], perm[cut:]
                model = _make(name, kwargs, split)
                t0 = time.perf_counter()
                cm.fit_features(model, "g", [feats[i] for i in tr], costs[tr])
                fit_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                pred = cm.predict_features(model, [feats[i] for i in te])
                pred_s = time.perf_counter() - t0
                thr = 1.0 / costs[te]
                top_true = set(np.argsort(-thr)[:8])
                top_pred = set(np.argsort(-pred)[:8])
                rows.append(
                    {
                        "data": Path(path).stem,
                        "variant": variant,
                        "spearman": float(spearmanr(pred, thr)[0]),
                        "top8_recall": len(top_true & top_pred) / 8,
                        "best_pred_rank_pct": float((thr > thr[int(np.argmax(pred))]).mean() * 100),
                        "fit_s": fit_s,
                        "predict_s": pred_s,
                    }
                )
    df = pd.DataFrame(rows)
    table = df.groupby(["data", "variant"], sort=False).mean(numeric_only=True).reset_index()
    text = _markdown(table)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


def proxy(args: argparse.Namespace) -> None:
    """The search's question, offline: trained on the first ``n`` candidates a tuning run
    measured (its random round 0, then its guided rounds), which of the candidates other
    runs of the workload measured does each variant put on top? Reports the true normalized
    throughput (pool best / cost) of its best pick, the best of its top 8 and the mean of its
    top 32, medians over the training runs per workload, then means over workloads.

    ``--pool`` names the configurations whose runs take part (each trains once per ``n``); the
    candidates of every run with another seed, of any of them, form its test pool (runs of one
    seed share their random first round, so they never test each other)."""
    import numpy as np
    import pandas as pd
    from scipy.stats import spearmanr

    import workbench.cost_models as cm

    rows = []
    for wl_dir in sorted(Path(args.out).glob("runs/*")):
        runs = {}
        for config in args.pool:
            for path in sorted(wl_dir.glob(f"{config}/seed*/cost_model.*")):
                if path.suffix in (".npz", ".tar"):
                    runs[path] = _run_candidates(path)
        # Each seed's test pool: the measured candidates of every run of another seed.
        pools = {}
        for seed in {p.parent.name for p in runs}:
            test = [(f, c) for p, r in runs.items() if p.parent.name != seed for f, c in zip(*r)]
            test = [(f, c) for f, c in test if c < 1e9]
            if test:
                pools[seed] = (test, min(c for _, c in test) / np.array([c for _, c in test]))
        for n in args.train:
            for train_path, (feats, costs) in runs.items():
                if len(feats) < n or train_path.parent.name not in pools:
                    continue
                test, y = pools[train_path.parent.name]
                for variant in args.variants:
                    name, kwargs = VARIANTS[variant]
                    model = _make(name, kwargs, 0)
                    cm.fit_features(model, "g", feats[:n], costs[:n])
                    pred = cm.predict_features(model, [f for f, _ in test])
                    order = np.argsort(-pred)
                    rows.append(
                        {
                            "n": n,
                            "workload": wl_dir.name,
                            "variant": variant,
                            "top1": y[order[0]],
                            "best_of_top8": y[order[:8]].max(),
                            "mean_top32": y[order[:32]].mean(),
                            "spearman": spearmanr(pred, y)[0],
                        }
                    )
    if not rows:
        found = sorted({d.name for d in Path(args.out).glob("runs/*/*") if d.is_dir()})
        sys.exit(
            f"proxy: no two seeds of {', '.join(args.pool)} with saved cost models under "
            f"{args.out}/runs (configurations there: {', '.join(found) or 'none'})"
        )
    df = pd.DataFrame(rows)
    per_wl = df.groupby(["n", "workload", "variant"], sort=False).median().reset_index()
    overall = per_wl.groupby(["n", "variant"], sort=False).mean(numeric_only=True).reset_index()
    text = _markdown(overall) + "\n\nPer workload (median over training runs):\n\n"
    text += _markdown(per_wl)
    print(text)
    if args.report:
        Path(args.report).write_text(text + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="the comparison on real tuning runs")
    r.add_argument("--out", default="benchmarks/results/tuning")
    r.add_argument("--workloads", nargs="+", default=WORKLOADS)
    r.add_argument("--configs", nargs="+", default=CONFIGS)
    r.add_argument("--seeds", type=int, default=3)
    r.add_argument(
        "--first-seed", type=int, default=0, help="seeds are first-seed .. first-seed+seeds-1"
    )
    r.add_argument("--trials", type=int, default=128)
    r.add_argument("--per-round", type=int, default=32)
    r.add_argument("--min-repeat-ms", type=int, default=40)
    m = sub.add_parser("summarize", help="tables from the finished runs of an earlier `run`")
    m.add_argument("--out", default="benchmarks/results/tuning")
    m.add_argument("--configs", nargs="+", default=CONFIGS)
    m.add_argument("--trials", type=int, default=128)
    m.add_argument("--per-round", type=int, default=32)
    m.add_argument("--min-repeat-ms", type=int, default=40)
    s = sub.add_parser("study", help="objective / label-transform study on recorded data")
    s.add_argument("data", nargs="+")
    s.add_argument("--splits", type=int, default=10)
    s.add_argument("--out", default=None)
    x = sub.add_parser("proxy", help="which variant picks the best candidates of other runs")
    x.add_argument("--out", default="benchmarks/results/tuning", help="the tuning runs' folder")
    x.add_argument(
        "--pool", nargs="+", default=["lightgbm"], help="configurations whose runs take part"
    )
    x.add_argument("--train", type=int, nargs="+", default=[32, 64])
    x.add_argument("--variants", nargs="+", default=PROXY_VARIANTS)
    x.add_argument("--report", default="benchmarks/results/tuning/proxy_report.md")
    a = p.parse_args()
    print(json.dumps({k: v for k, v in vars(a).items()}), file=sys.stderr)
    {"run": run, "summarize": summarize, "study": study, "proxy": proxy}[a.cmd](a)


if __name__ == "__main__":
    main()
