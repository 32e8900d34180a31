"""Pruned candidates: how many each rule removed per round, and a sample of them."""

from __future__ import annotations

from typing import Any

from ._source import empty_figure, rounds_of, style

__all__ = ["pruned_counts_data", "pruned_sample_data", "plot_pruned"]

SAMPLE_COLUMNS = ["round", "rule", "sketch", "decisions"]


def pruned_counts_data(source: Any):
    """Candidates each pruning rule removed, per round.

    Parameters
    ----------
    source : Session, run directory or round dicts
        Rounds without a ``"pruned"`` entry count as pruning nothing.

    Returns
    -------
    pandas.DataFrame
        Long format, columns ``round, rule, count``: one row per round and rule that pruned
        at least one candidate in the run.
    """
    import pandas as pd

    rounds = rounds_of(source)
    rules: list[str] = []
    for rnd in rounds:
        for rule in rnd.get("pruned") or {}:
            if rule not in rules:
                rules.append(rule)
    rows = [
        (rnd["round"], rule, int((rnd.get("pruned") or {}).get(rule, 0)))
        for rnd in rounds
        for rule in rules
    ]
    out = pd.DataFrame(rows, columns=["round", "rule", "count"])
    return out.astype({"round": "int64", "count": "int64"})


def pruned_sample_data(source: Any):
    """The kept sample of pruned candidates: ``round, rule, sketch, decisions``.

    Parameters
    ----------
    source : Session or pandas.DataFrame
        A session with a ``pruned`` DataFrame, or that DataFrame. Anything else (a session
        without pruning, ``None``) gives an empty frame.
    """
    import pandas as pd

    frame = source if isinstance(source, pd.DataFrame) else getattr(source, "pruned", None)
    if not isinstance(frame, pd.DataFrame) or not len(frame):
        return pd.DataFrame(columns=SAMPLE_COLUMNS)
    out = frame.copy()
    for col in SAMPLE_COLUMNS:
        if col not in out.columns:
            out[col] = None
    return out[SAMPLE_COLUMNS + [c for c in out.columns if c not in SAMPLE_COLUMNS]]


def plot_pruned(source: Any):
    """Stacked bars: candidates pruned per round, by rule."""
    import plotly.graph_objects as go

    data = pruned_counts_data(source)
    title = "Pruned candidates per round, by rule"
    if not len(data) or not data["count"].sum():
        return empty_figure(title, "nothing pruned")
    fig = go.Figure()
    for rule, part in data.groupby("rule", sort=False):
        fig.add_trace(
            go.Bar(x=part["round"].to_numpy(), y=part["count"].to_numpy(), name=str(rule))
        )
    fig.update_layout(barmode="stack", title=title, xaxis_title="round", yaxis_title="candidates")
    return style(fig)
