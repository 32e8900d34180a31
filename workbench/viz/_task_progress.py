"""Per-task progress of a multi-task (model) run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from ._source import empty_figure, rounds_of, style

__all__ = ["task_progress_data", "plot_task_progress"]

COLUMNS = ["task", "weight", "round", "trials", "elapsed_s", "best_gflops"]


def _tasks_of(source: Any) -> list[tuple[str, float, list[dict[str, Any]]]]:
    from ..records import RunLog

    if isinstance(source, str | Path):
        log = RunLog(source)
        if not log.exists():
            raise WorkbenchError(f"{source} holds no workbench run (no {log.manifest_path.name})")
        man = log.read_manifest()
        if man.get("kind") != "model":
            return [(str(man.get("workload", Path(source).name)), 1.0, log.read_rounds())]
        out = []
        for t in man.get("tasks", []):
            task_log = RunLog(Path(source) / t["dir"])
            rounds = task_log.read_rounds() if task_log.rounds_path.exists() else []
            out.append((str(t["name"]), float(t.get("weight", 1.0)), rounds))
        return out
    if isinstance(source, dict):
        source = list(source.items())
    tasks = []
    for item in source:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise WorkbenchError(
                "task progress takes a model run directory or a list of (task name, rounds)"
            )
        name, rounds = item
        tasks.append((str(name), 1.0, rounds_of(rounds)))
    return tasks


def task_progress_data(source: Any):
    """Best GFLOPS and trials of every task after each of its rounds.

    Parameters
    ----------
    source : str, Path, dict or list of (str, rounds)
        A model run directory (``workbench.json`` with ``"kind": "model"`` and its ``tasks``),
        a single-task run directory, or ``[(task name, rounds), ...]`` where rounds are round
        dicts, a session or a run directory.

    Returns
    -------
    pandas.DataFrame
        Columns ``task, weight, round, trials, elapsed_s, best_gflops``, one row per task and
        round (cumulative trials of that task).
    """
    import pandas as pd

    rows = []
    for name, weight, rounds in _tasks_of(source):
        trials = 0
        for rnd in rounds:
            trials += len(rnd.get("candidates", []))
            rows.append(
                (
                    name,
                    weight,
                    rnd["round"],
                    rnd.get("trials", trials),
                    rnd.get("elapsed_s"),
                    rnd.get("best_gflops"),
                )
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def plot_task_progress(source: Any):
    """Best GFLOPS against trials per task, and the trials spent on each task."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    data = task_progress_data(source)
    title = "Per-task progress"
    if not len(data):
        return empty_figure(title)
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.65, 0.35],
        subplot_titles=("best GFLOPS per task", "trials per task"),
        horizontal_spacing=0.12,
    )
    last = data.groupby("task", sort=False).tail(1)
    for task, part in data.groupby("task", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["trials"].to_numpy(),
                y=part["best_gflops"].to_numpy(),
                mode="lines+markers",
                name=str(task),
                line={"shape": "hv"},
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Bar(
            x=last["task"].to_numpy(),
            y=last["trials"].to_numpy(),
            showlegend=False,
            marker_color="#888",
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="trials of the task", row=1, col=1)
    fig.update_yaxes(title_text="best GFLOPS", row=1, col=1)
    fig.update_layout(title=title)
    return style(fig)
