"""Search policies over rounds: the sketch allocation and the mutation probabilities."""

from __future__ import annotations

from typing import Any

from ._source import empty_figure, rounds_of, style

__all__ = [
    "sketch_allocation_data",
    "plot_sketch_allocation",
    "mutation_probs_data",
    "plot_mutation_probs",
]


def sketch_allocation_data(source: Any):
    """Each sketch's share of the search per round.

    Where a round records the policy's ``"sketch_allocation"`` that is used
    (``source="policy"``); otherwise the share of the round's measured candidates that came
    from each sketch (``source="measured"``).

    Parameters
    ----------
    source : Session, run directory or round dicts

    Returns
    -------
    pandas.DataFrame
        Columns ``round, sketch, share, source``; ``sketch`` is the sketch id as a string
        (``"?"`` for candidates no sketch matched).
    """
    import pandas as pd

    rows = []
    for rnd in rounds_of(source):
        alloc = rnd.get("sketch_allocation")
        if alloc:
            total = float(sum(alloc.values())) or 1.0
            rows += [(rnd["round"], str(k), float(v) / total, "policy") for k, v in alloc.items()]
            continue
        counts: dict[str, int] = {}
        for c in rnd.get("candidates", []):
            key = "?" if c.get("sketch") is None else str(c["sketch"])
            counts[key] = counts.get(key, 0) + 1
        n = sum(counts.values())
        rows += [(rnd["round"], k, v / n, "measured") for k, v in counts.items()]
    out = pd.DataFrame(rows, columns=["round", "sketch", "share", "source"])
    return out.sort_values(["round", "sketch"], kind="stable").reset_index(drop=True)


def mutation_probs_data(source: Any):
    """Mutator probabilities per round (rounds without ``"mutation_probs"`` are left out).

    Returns
    -------
    pandas.DataFrame
        Columns ``round, mutator, prob``.
    """
    import pandas as pd

    rows = [
        (rnd["round"], str(name), float(p))
        for rnd in rounds_of(source)
        for name, p in (rnd.get("mutation_probs") or {}).items()
    ]
    return pd.DataFrame(rows, columns=["round", "mutator", "prob"])


def _stacked(data, key: str, value: str, title: str, ytitle: str):
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, part in data.groupby(key, sort=True):
        fig.add_trace(
            go.Scatter(
                x=part["round"].to_numpy(),
                y=part[value].to_numpy(),
                name=str(name),
                mode="lines+markers",
                stackgroup="one",
            )
        )
    fig.update_layout(title=title, xaxis_title="round", yaxis_title=ytitle, yaxis_range=[0, 1])
    return style(fig)


def plot_sketch_allocation(source: Any):
    """Stacked shares of each sketch per round."""
    data = sketch_allocation_data(source)
    title = "Sketch allocation per round"
    if not len(data):
        return empty_figure(title)
    if (data["source"] == "measured").all():
        title += " (share of measured candidates)"
    data = data.assign(sketch="sketch " + data["sketch"])
    return _stacked(data, "sketch", "share", title, "share")


def plot_mutation_probs(source: Any):
    """Stacked mutator probabilities per round."""
    data = mutation_probs_data(source)
    title = "Mutation probabilities per round"
    if not len(data):
        return empty_figure(title, "no mutation probabilities recorded")
    return _stacked(data, "mutator", "prob", title, "probability")
