"""Where each round's time went: search, build, run, update."""

from __future__ import annotations

from typing import Any

from ._source import empty_figure, rounds_of, style

__all__ = ["PHASES", "round_times_data", "plot_round_times"]

#: Phases of a round in loop order (``round["times"]`` keys, besides ``total``).
PHASES = ["search", "build", "run", "update"]


def round_times_data(source: Any):
    """Wall seconds per round and phase.

    Returns
    -------
    pandas.DataFrame
        Long format, columns ``round, phase, seconds``; the known phases first in loop order,
        then any others a round records (never ``total``).
    """
    import pandas as pd

    rows = []
    for rnd in rounds_of(source):
        times = rnd.get("times") or {}
        phases = [p for p in PHASES if p in times] + [
            p for p in times if p not in PHASES and p != "total"
        ]
        rows += [(rnd["round"], p, float(times[p] or 0.0)) for p in phases]
    return pd.DataFrame(rows, columns=["round", "phase", "seconds"])


def plot_round_times(source: Any):
    """Stacked bars of each round's phase times."""
    import plotly.graph_objects as go

    data = round_times_data(source)
    title = "Round time by phase"
    if not len(data):
        return empty_figure(title)
    fig = go.Figure()
    for phase, part in data.groupby("phase", sort=False):
        fig.add_trace(
            go.Bar(x=part["round"].to_numpy(), y=part["seconds"].to_numpy(), name=str(phase))
        )
    fig.update_layout(barmode="stack", title=title, xaxis_title="round", yaxis_title="seconds")
    return style(fig)
