"""The A/B harness: configurations x workloads x seeds -> time-to-quality tables.

Every configuration runs on every workload with the same seeds. Runs are interleaved: for each
seed and workload all configurations run one after another, in an order rotated by the seed
index, so slow drifts of the machine (thermal, background load) fall on every configuration
alike. Each run keeps its own run directory, so the raw per-round data stays on disk and an
interrupted comparison resumes where it stopped.

Time-to-quality of a run is the number of trials (and tuning wall seconds) until its best
first reaches the reference quality: by default the median final best of the first
configuration (the baseline) on that workload. A run that never reaches it counts as infinite,
and medians are taken over all seeds.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import WorkbenchError

__all__ = ["compare", "CompareResult", "parse_config", "time_to_quality"]

_SESSION_KEYS = {
    "cost_model",
    "trials_per_round",
    "search",
    "search_threads",
    "measure",
    "pruning",
    "sketch_policy",
    "mutation_policy",
    "audit",
    "cold_start",
}


#: The columns of the summary table, in the order reports show them.
SUMMARY_COLUMNS = [
    "workload",
    "config",
    "final_best_gflops",
    "final_best_ratio",
    "trials_to_quality",
    "trials_ratio",
    "seconds_to_quality",
    "seconds_ratio",
    "reached",
    "total_seconds",
]


def parse_config(text: str) -> tuple[str, dict[str, Any]]:
    """Parse ``NAME=key=value;key=value`` (the CLI's ``--config``) into ``(name, settings)``.

    ``NAME`` alone means MetaSchedule's defaults. Values are parsed as JSON when they can be,
    otherwise kept as strings.
    """
    import json

    name, _, rest = text.partition("=")
    name = name.strip()
    if not name:
        raise WorkbenchError(f"a --config is NAME=key=value;..., got {text!r}")
    settings: dict[str, Any] = {}
    for item in filter(None, (x.strip() for x in rest.split(";"))):
        key, eq, raw = item.partition("=")
        if not eq:
            raise WorkbenchError(f"config {name}: expected key=value, got {item!r}")
        try:
            settings[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            settings[key.strip()] = raw.strip()
    return name, settings


def time_to_quality(history: Any, reference: float) -> tuple[float, float]:
    """Trials and wall seconds until ``history``'s best first reaches ``reference`` GFLOPS.

    Returns ``(inf, inf)`` when it never does.
    """
    reached = history[history["best_gflops"].fillna(0.0) >= reference * (1 - 1e-9)]
    if not len(reached):
        return math.inf, math.inf
    first = reached.iloc[0]
    return float(first["trial"]), float(first["elapsed_s"])


def _median(values: Iterable[float]) -> float:
    vals = sorted(values)
    if not vals:
        return math.nan
    mid = len(vals) // 2
    if len(vals) % 2:
        return vals[mid]
    lo, hi = vals[mid - 1], vals[mid]
    return math.inf if math.isinf(lo) or math.isinf(hi) else (lo + hi) / 2


@dataclass
class CompareResult:
    """The outcome of :func:`compare`.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per measured candidate of every run (config, workload, seed + history columns).
    rounds : pandas.DataFrame
        One row per round of every run, with its phase times.
    summary : pandas.DataFrame
        One row per (workload, config): median final best, time-to-quality and ratios to the
        baseline.
    configs : dict
        The configurations, baseline first.
    """

    runs: Any
    rounds: Any
    summary: Any
    configs: dict[str, dict[str, Any]]
    reference: dict[str, float]

    def markdown(self) -> str:
        """The summary as a markdown table."""
        cols = SUMMARY_COLUMNS
        header = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols)
        lines = [header]
        for row in self.summary[cols].itertuples(index=False):
            cells = []
            for v in row:
                if isinstance(v, float):
                    cells.append("inf" if math.isinf(v) else f"{v:.3g}" if v < 100 else f"{v:.1f}")
                else:
                    cells.append(str(v))
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write ``summary.csv``, ``summary.md``, ``runs.csv`` and ``rounds.csv``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "summary.csv", out / "summary.md", out / "runs.csv", out / "rounds.csv"]
        self.summary.to_csv(paths[0], index=False)
        paths[1].write_text(self.markdown() + "\n")
        self.runs.to_csv(paths[2], index=False)
        self.rounds.to_csv(paths[3], index=False)
        return paths


def _summarize(runs: Any, configs: Sequence[str], reference: dict[str, float] | None):
    import pandas as pd

    finals = (
        runs.groupby(["workload", "config", "seed"])["best_gflops"].max().reset_index()
        if len(runs)
        else pd.DataFrame(columns=["workload", "config", "seed", "best_gflops"])
    )
    baseline = configs[0]
    refs: dict[str, float] = {}
    for wl in runs["workload"].unique():
        if reference and wl in reference:
            refs[wl] = reference[wl]
        else:
            base = finals[(finals.workload == wl) & (finals.config == baseline)]["best_gflops"]
            refs[wl] = float(base.median()) if len(base) else math.nan
    rows = []
    for wl in runs["workload"].unique():
        for cfg in configs:
            sel = runs[(runs.workload == wl) & (runs.config == cfg)]
            if not len(sel):
                continue
            ttq = [
                time_to_quality(g.sort_values("trial"), refs[wl]) for _, g in sel.groupby("seed")
            ]
            fin = finals[(finals.workload == wl) & (finals.config == cfg)]["best_gflops"]
            total = sel.groupby("seed")["elapsed_s"].max()
            rows.append(
                {
                    "workload": wl,
                    "config": cfg,
                    "seeds": int(sel["seed"].nunique()),
                    "reference_gflops": refs[wl],
                    "final_best_gflops": float(fin.median()),
                    "trials_to_quality": _median(t for t, _ in ttq),
                    "seconds_to_quality": _median(s for _, s in ttq),
                    "reached": f"{sum(1 for t, _ in ttq if not math.isinf(t))}/{len(ttq)}",
                    "total_seconds": float(total.median()),
                }
            )
    summary = pd.DataFrame(rows)
    if len(summary):
        for col, ratio in [
            ("final_best_gflops", "final_best_ratio"),
            ("trials_to_quality", "trials_ratio"),
            ("seconds_to_quality", "seconds_ratio"),
        ]:
            base = summary[summary.config == baseline].set_index("workload")[col]
            summary[ratio] = [
                (v / base[w]) if w in base and base[w] not in (0, math.inf) else math.nan
                for w, v in zip(summary.workload, summary[col])
            ]
    return summary, refs


def compare(
    configs: dict[str, dict[str, Any]] | Sequence[str],
    workloads: Sequence[str],
    seeds: Sequence[int] = (0, 1, 2),
    trials: int = 128,
    out_dir: str | Path | None = None,
    target: Any = "cpu",
    trials_per_round: int = 64,
    search: dict[str, Any] | None = None,
    measure: dict[str, Any] | None = None,
    reference: dict[str, float] | None = None,
    progress: bool = False,
) -> CompareResult:
    """Run every configuration on every workload for every seed, interleaved.

    Parameters
    ----------
    configs : dict or list
        ``{name: session settings}`` (``cost_model``, ``trials_per_round``, ``search``, ...);
        a list of cost-model names is shorthand for ``{name: {"cost_model": name}}``. The first
        is the baseline.
    workloads : list of str
        Workload specs.
    seeds : list of int
        The same seeds are used for every configuration.
    trials : int
        Trials per run.
    out_dir : str, optional
        Where run directories and tables go; a temporary folder when ``None``. Existing runs
        in it are resumed, not repeated.
    reference : dict, optional
        ``{workload spec: GFLOPS}`` to use instead of the baseline's median final best.
    progress : bool
        Print one line per finished run.
    """
    import tempfile

    import pandas as pd

    from .session import Session
    from .workloads import workload

    if not isinstance(configs, dict):
        configs = {name: {"cost_model": name} for name in configs}
    if not configs:
        raise WorkbenchError("compare needs at least one configuration")
    for name, cfg in configs.items():
        bad = set(cfg) - _SESSION_KEYS
        if bad:
            raise WorkbenchError(
                f"config {name}: unknown setting(s) {sorted(bad)}; valid: {sorted(_SESSION_KEYS)}"
            )
    if not workloads:
        raise WorkbenchError("compare needs at least one workload")
    if not seeds:
        raise WorkbenchError("compare needs at least one seed")
    tasks = [workload(w) for w in workloads]
    root = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="wb-compare-"))
    names = list(configs)
    run_frames, round_frames = [], []
    total_runs = len(seeds) * len(tasks) * len(names)
    done = 0
    for si, seed in enumerate(seeds):
        for task in tasks:
            order = names[si % len(names) :] + names[: si % len(names)]
            for name in order:
                cfg = {"trials_per_round": trials_per_round, **configs[name]}
                if search is not None:
                    cfg["search"] = {**search, **cfg.get("search", {})}
                if measure is not None:
                    cfg.setdefault("measure", measure)
                run_dir = root / "runs" / task.name / name / f"seed{seed}"
                session = Session(task, target=target, work_dir=run_dir, seed=seed, **cfg)
                try:
                    if session.trials < trials:
                        session.run(trials - session.trials)
                finally:
                    session.close()
                hist = session.history.head(trials)
                hist.insert(0, "seed", seed)
                hist.insert(0, "config", name)
                hist.insert(0, "workload", task.spec)
                run_frames.append(hist)
                rounds = pd.DataFrame(
                    [
                        {
                            "workload": task.spec,
                            "config": name,
                            "seed": seed,
                            "round": r["round"],
                            "measured": len(r["candidates"]),
                            "best_gflops": r["best_gflops"],
                            "elapsed_s": r["elapsed_s"],
                            **{f"{k}_s": v for k, v in r["times"].items()},
                            **{f"model_{k}": v for k, v in (r.get("model") or {}).items()},
                        }
                        for r in session.rounds
                    ]
                )
                round_frames.append(rounds)
                done += 1
                if progress:
                    best = session.best
                    print(
                        f"[{done}/{total_runs}] {task.spec} {name} seed {seed}: "
                        f"best {best.gflops if best else 0:.2f} GFLOPS, "
                        f"{session.elapsed_s:.1f} s",
                        file=sys.stdout,
                        flush=True,
                    )
    runs = pd.concat(run_frames, ignore_index=True)
    rounds_df = pd.concat(round_frames, ignore_index=True)
    summary, refs = _summarize(runs, names, reference)
    result = CompareResult(
        runs=runs, rounds=rounds_df, summary=summary, configs=dict(configs), reference=refs
    )
    result.save(root)
    return result
