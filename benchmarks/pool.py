"""Pool several side-by-side comparisons without mixing their machine speeds.

Each comparison folder (``search_policies.py run`` / ``cost_models.py run`` ``--out``) was
measured in one sitting, but the machine's speed drifts between sittings (``drift.py``), so their
GFLOPS and seconds are not comparable across folders. Ratios to the baseline measured in the same
sitting are. For every folder and workload this script takes the baseline's median final best as
the reference, gives each run its trials and seconds to reach it (infinite if it never does)
divided by the baseline's median of the same sitting, and then pools those per-run ratios over
the folders: the median over all pooled runs of a workload, then the median over workloads (the
harness's summary, with more runs behind each workload). Final bests pool the same way, as
ratios to the same sitting's reference::

    python benchmarks/pool.py --baseline xgboost \\
        benchmarks/results/tuning:lightgbm,fi-reduced \\
        benchmarks/results/one_sitting:lightgbm,fi-reduced \\
        benchmarks/results/sitting2:fi-reduced \\
        benchmarks/results/sitting3:lightgbm,fi-reduced \\
        benchmarks/results/sitting4:lightgbm,fi-reduced \\
        benchmarks/results/sitting5:lightgbm,fi-reduced \\
        benchmarks/results/sitting6:lightgbm,fi-reduced

The run directories are not committed; where they are gone the script reads the tables the
harness committed in each folder (see :func:`load_folder`).

Only (workload, seed) pairs every listed configuration of a folder finished are used, as in the
harness. A folder's workload is skipped (and said so) when the baseline's own median time to its
median final best is infinite: with an even number of seeds, half of them can end below it.
It also gives each run's median seconds per round (search, and whole round) over the same
sitting's baseline: what a trained model adds to a round, and ``seconds_ratio_base_search``:
the seconds ratio had each of the run's rounds spent the baseline's median search seconds of
that round instead of its own (what the model's cost in the search takes from the ratio).

How sure the pooled figures are: a bootstrap that resamples the sittings (folders) with
replacement, and within each drawn sitting its runs of each workload, then recomputes the median
over workloads of the per-workload medians. Resampling whole sittings first carries the noise
between sittings (which is larger than that within one) into the interval. It reports the 5th
and 95th percentiles (a 90% interval) and, for ``--goal CONFIG=RATIO``, the share of resamples
whose seconds ratio meets the goal. Writes ``--out`` (default
``benchmarks/results/pooled_cost_models.md``).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import cost_models  # noqa: E402  (the harness next to this script: its loaders and tables)


def load_folder(folder: Path, names: list[str], trials: int):
    """``(history, rounds, exact_trials)`` of ``names``' runs in ``folder``.

    From the run directories where they are still on disk; otherwise from the tables the
    harness committed: ``cost_models_runs.csv`` (one row per measured candidate) and
    ``cost_models_rounds.csv``. A folder with only the rounds table (the oldest one) gets one
    history row per round, at the round's end: its seconds and final bests are exact (a result
    is known when its round ends, and the rounds table keeps each round's end and best so far),
    but the trial within the round is not, so ``exact_trials`` is False and its trials ratios
    are left out.
    """
    import pandas as pd

    if any(cost_models.run_dirs(folder)):
        hist, rounds = cost_models._load_runs(folder, names, trials)
        return hist, rounds, True
    runs_csv, rounds_csv = folder / "cost_models_runs.csv", folder / "cost_models_rounds.csv"
    if not rounds_csv.exists():
        raise SystemExit(f"{folder}: no run directories and no cost_models_rounds.csv")
    rounds = pd.read_csv(rounds_csv)
    rounds = rounds[rounds.config.isin(names)]
    if runs_csv.exists():
        hist = pd.read_csv(runs_csv)
        return hist[hist.config.isin(names)], rounds, True
    rows = []
    for _, run in rounds.groupby(["workload", "config", "seed"]):
        run = run.sort_values("round")
        done = run["measured"].cumsum()
        # The rounds up to the one that holds the run's last counted trial.
        run = run[(done - run["measured"]) < trials].assign(trial=done.clip(upper=trials))
        rows.append(
            run[["workload", "config", "seed", "round", "trial", "elapsed_s", "best_gflops"]]
        )
    return pd.concat(rows, ignore_index=True), rounds, False


def pool(folders: list[tuple[Path, list[str]]], baseline: str, trials: int):
    """Per-run ratios to the same sitting's baseline, and the round each run reached it in.

    Returns two DataFrames: one row per non-baseline run (its ratios), and one row per run,
    baselines included (``config``, ``round``: "round N" or "never").
    """
    import pandas as pd

    from workbench.comparison import time_to_quality

    rows, rounds_seen = [], []
    for folder, configs in folders:
        names = [baseline, *configs]
        hist, rounds, exact_trials = load_folder(folder, names, trials)
        hist = cost_models.complete_pairs(hist, names)
        rounds = cost_models.complete_pairs(rounds, names)
        # Per-round seconds after round 0 (identical for every config of a seed): what a
        # trained model adds to a round, mostly feature extraction in the search.
        later = rounds[rounds["round"] >= 1]
        per_run = later.groupby(["workload", "config", "seed"])[["search_s", "total_s"]].median()
        for workload, runs in hist.groupby("workload"):
            base = runs[runs.config == baseline]
            ref = base.groupby("seed").best_gflops.max().median()
            reached = {}  # (config, seed) -> (trials, seconds, round) to the reference
            for key, run in runs.groupby(["config", "seed"], sort=True):
                t, sec = time_to_quality(run.sort_values("trial"), ref)
                at = (
                    "never" if math.isinf(t) else f"round {run.loc[run.trial == t, 'round'].iat[0]}"
                )
                reached[key] = (t, sec, at)
            base_t = statistics.median(v[0] for (c, _), v in reached.items() if c == baseline)
            base_s = statistics.median(v[1] for (c, _), v in reached.items() if c == baseline)
            if math.isinf(base_s):
                # The baseline's own median never reached its median final best (an even number
                # of seeds, half below it): no finite ratio exists in this sitting.
                print(f"skipped {folder.name} {workload}: the baseline's median time is infinite")
                continue
            finals = runs.groupby(["config", "seed"]).best_gflops.max()
            times = per_run.loc[workload]
            base_times = times.loc[baseline].median()
            wl_rounds = rounds[rounds.workload == workload]
            base_search = wl_rounds[wl_rounds.config == baseline].groupby("round").search_s.median()
            for (config, seed), (t, sec, at) in reached.items():
                rounds_seen.append({"config": config, "round": at})
                if config == baseline:
                    continue
                rows.append(
                    {
                        "folder": folder.name,
                        "workload": str(workload).split(":")[0],
                        "config": config,
                        "seed": seed,
                        "trials_ratio": t / base_t if exact_trials else math.nan,
                        "seconds_ratio": sec / base_s,
                        "seconds_ratio_base_search": _seconds_at_search(
                            wl_rounds[(wl_rounds.config == config) & (wl_rounds.seed == seed)],
                            base_search,
                            ref,
                            trials,
                        )
                        / base_s,
                        "final_best_ratio": finals[(config, seed)] / ref,
                        "search_s_ratio": times.loc[(config, seed), "search_s"]
                        / base_times["search_s"],
                        "round_s_ratio": times.loc[(config, seed), "total_s"]
                        / base_times["total_s"],
                    }
                )
    return pd.DataFrame(rows), pd.DataFrame(rounds_seen)


def _seconds_at_search(run, search_s, ref: float, trials: int) -> float:
    """Seconds for ``run`` (its rounds) to reach ``ref`` had each round's search taken
    ``search_s[round]`` (the baseline's median) instead of its own; infinite if it never does.

    What the run's seconds ratio would be if its model cost no more in the search than the
    baseline's: the rest of each round (build, run, update) and the rounds themselves are the
    run's own."""
    run = run.sort_values("round")
    spent = (run.total_s - run.search_s + run["round"].map(search_s).to_numpy()).cumsum()
    counted = (run.measured.cumsum() - run.measured) < trials
    hit = counted & (run.best_gflops >= ref)
    return float(spent[hit].iloc[0]) if hit.any() else math.inf


def bootstrap(df, columns: list[str], n: int = 2000, seed: int = 0):
    """Resampled medians over workloads: one DataFrame per config, ``n`` rows of ``columns``.

    Each resample draws the config's sittings with replacement, then the runs of every
    (sitting, workload) with replacement, and takes the median over workloads of each
    workload's median over the drawn runs.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    out = {}
    for config, cdf in df.groupby("config"):
        folders = sorted(cdf.folder.unique())
        workloads = sorted(cdf.workload.unique())
        cells = {
            (f, w): g[columns].to_numpy(float) for (f, w), g in cdf.groupby(["folder", "workload"])
        }
        stats = np.empty((n, len(columns)))
        for b in range(n):
            drawn = rng.choice(len(folders), len(folders), replace=True)
            per_wl = []
            for w in workloads:
                parts = []
                for i in drawn:
                    cell = cells.get((folders[i], w))
                    if cell is not None:
                        parts.append(cell[rng.integers(0, len(cell), len(cell))])
                if parts:
                    per_wl.append(np.nanmedian(np.concatenate(parts), axis=0))
            stats[b] = np.nanmedian(np.stack(per_wl), axis=0)
        out[config] = pd.DataFrame(stats, columns=columns)
    return out


_NEVER = 1e12


def interval_table(samples, goals: dict[str, float]):
    """90% bootstrap intervals per config, and the share of resamples meeting each goal."""
    import pandas as pd

    rows = []
    for config, s in samples.items():
        row = {"config": config}
        for col in (
            "seconds_ratio",
            "seconds_ratio_base_search",
            "trials_ratio",
            "final_best_ratio",
        ):
            # "never" (inf) as a huge finite ratio, so that interpolating between two of them
            # gives "never" again, not nan
            lo, hi = s[col].replace(math.inf, _NEVER).quantile([0.05, 0.95])
            lo, hi = (math.inf if v >= _NEVER / 2 else v for v in (lo, hi))
            row[f"{col} 90%"] = f"{lo:.3g}-{hi:.3g}"
        if config in goals:
            row["goal (seconds)"] = f"<= {goals[config]:g}"
            row["resamples meeting it"] = f"{(s.seconds_ratio <= goals[config]).mean():.1%}"
            row["meeting it at the baseline's search seconds"] = (
                f"{(s.seconds_ratio_base_search <= goals[config]).mean():.1%}"
            )
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folders", nargs="+", help="FOLDER:CONFIG[,CONFIG...] (measured side by side)")
    p.add_argument("--baseline", default="xgboost")
    p.add_argument("--trials", type=int, default=128)
    p.add_argument("--out", default="benchmarks/results/pooled_cost_models.md")
    p.add_argument(
        "--goal",
        action="append",
        default=["lightgbm=0.65", "fi-reduced=0.85"],
        metavar="CONFIG=RATIO",
        help="a seconds-ratio goal to test against the bootstrap (lightgbm=0.65, fi-reduced=0.85)",
    )
    p.add_argument("--resamples", type=int, default=2000)
    args = p.parse_args(argv)
    goals = {}
    for spec in args.goal:
        config, _, value = spec.partition("=")
        try:
            goals[config] = float(value)
        except ValueError:
            p.error(f"--goal {spec!r}: expected CONFIG=RATIO, e.g. lightgbm=0.65")
    folders = []
    for spec in args.folders:
        folder, _, configs = spec.rpartition(":")
        if not folder or not configs:
            p.error(f"{spec!r}: expected FOLDER:CONFIG[,CONFIG...]")
        folders.append((Path(folder), configs.split(",")))
    df, reached_in = pool(folders, args.baseline, args.trials)
    inexact = sorted(set(df.folder[df.trials_ratio.isna()]))

    columns = [
        "trials_ratio",
        "seconds_ratio",
        "seconds_ratio_base_search",
        "final_best_ratio",
        "search_s_ratio",
        "round_s_ratio",
    ]
    per_wl = df.groupby(["config", "workload"])[columns].median()
    runs = df.groupby(["config", "workload"]).size().rename("runs")
    per_wl = per_wl.join(runs).reset_index()
    overall = per_wl.groupby("config")[columns].median().reset_index()
    sources = ", ".join(f"{f.name} ({', '.join(c)})" for f, c in folders)
    lines = [
        f"Pooled over: {sources}; baseline {args.baseline}, each run against its own sitting's "
        "baseline.",
        "",
        "`search_s_ratio` and `round_s_ratio`: a run's median seconds per round (rounds >= 1) "
        "in the search, and in all, over the same sitting's baseline median.",
        "",
        "`seconds_ratio_base_search`: the seconds ratio had each of the run's rounds spent the "
        "same sitting's baseline median search seconds of that round instead of its own (the "
        "rest of the round, and the round it reached the reference in, are the run's own): "
        "what the model's extra cost in the search, its feature extraction, takes from the "
        "seconds ratio.",
        "",
        *(
            [
                f"`trials_ratio` leaves out {', '.join(inexact)}: only its rounds table is "
                "committed, which gives exact seconds and final bests but not the trial within "
                "a round (`runs` counts every run).",
                "",
            ]
            if inexact
            else []
        ),
        "### Per workload (median over the pooled runs)",
        "",
        cost_models._markdown(per_wl.round(3)),
        "",
        "### Median over workloads",
        "",
        cost_models._markdown(overall.round(3)),
        "",
        f"### How sure: 90% bootstrap intervals ({args.resamples} resamples of sittings, then "
        "of runs)",
        "",
        "Each resample draws the sittings with replacement, then each drawn sitting's runs of "
        "every workload, and recomputes the median over workloads above.",
        "",
        cost_models._markdown(interval_table(bootstrap(df, columns, args.resamples), goals)),
        "",
        "### The round in which each run first reached its sitting's reference (number of runs)",
        "",
        "A result is known when its round ends, so seconds to quality move in whole rounds.",
        "",
        cost_models._markdown(
            reached_in.groupby(["config", "round"]).size().unstack(fill_value=0).reset_index()
        ),
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
