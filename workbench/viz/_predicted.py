"""Predicted vs measured: how well the cost model ranked each round's batch."""

from __future__ import annotations

from typing import Any, NamedTuple

from ._source import empty_figure, rounds_of, style

__all__ = ["PredictedVsMeasured", "predicted_vs_measured_data", "plot_predicted_vs_measured"]

METRICS = ["spearman", "pairwise_accuracy", "topk_recall"]


class PredictedVsMeasured(NamedTuple):
    """Data of the predicted-vs-measured figure.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per measured candidate: ``round, trial, predicted, gflops``.
    metrics : pandas.DataFrame
        One row per round: ``round, spearman, pairwise_accuracy, topk_recall`` (the model as
        scored on the batch before training on it; NaN where a round lacks them).
    """

    points: Any
    metrics: Any


def predicted_vs_measured_data(source: Any) -> PredictedVsMeasured:
    """Predicted scores against measured GFLOPS, and the ranking metrics per round.

    Parameters
    ----------
    source : Session, run directory or round dicts
    """
    import pandas as pd

    points, metrics = [], []
    for rnd in rounds_of(source):
        for c in rnd.get("candidates", []):
            points.append(
                {
                    "round": rnd["round"],
                    "trial": c.get("trial"),
                    "predicted": c.get("predicted"),
                    "gflops": c.get("gflops"),
                }
            )
        model = rnd.get("model") or {}
        metrics.append({"round": rnd["round"], **{m: model.get(m) for m in METRICS}})
    pts = pd.DataFrame(points, columns=["round", "trial", "predicted", "gflops"])
    met = pd.DataFrame(metrics, columns=["round", *METRICS])
    for frame, cols in ((pts, ["predicted", "gflops"]), (met, METRICS)):
        for c in cols:
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
    return PredictedVsMeasured(pts, met)


def plot_predicted_vs_measured(source: Any, last: int = 4):
    """Scatter of predicted score vs measured GFLOPS (recent rounds) and Spearman per round.

    Parameters
    ----------
    source : Session, run directory or round dicts
    last : int
        How many of the latest rounds the scatter shows.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    data = predicted_vs_measured_data(source)
    title = "Predicted vs measured"
    if not len(data.points):
        return empty_figure(title)
    rho = dict(zip(data.metrics["round"], data.metrics["spearman"]))
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        subplot_titles=("recent rounds", "Spearman rank correlation per round"),
        horizontal_spacing=0.12,
    )
    shown = sorted(data.points["round"].unique())[-last:]
    for r in shown:
        part = data.points[data.points["round"] == r]
        label = f"round {r} (ρ={rho[r]:.2f})" if rho.get(r) == rho.get(r) else f"round {r}"
        fig.add_trace(
            go.Scatter(
                x=part["predicted"].to_numpy(),
                y=part["gflops"].to_numpy(),
                mode="markers",
                name=label,
                marker={"size": 6, "opacity": 0.4 if r != shown[-1] else 0.9},
                hovertemplate="trial %{text}<br>predicted %{x:.3g}<br>%{y:.2f} GFLOPS<extra></extra>",
                text=part["trial"].to_numpy(),
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=data.metrics["round"].to_numpy(),
            y=data.metrics["spearman"].to_numpy(),
            mode="lines+markers",
            name="Spearman ρ",
            line={"color": "#444"},
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    fig.update_xaxes(title_text="predicted score", row=1, col=1)
    fig.update_yaxes(title_text="measured GFLOPS", row=1, col=1)
    fig.update_xaxes(title_text="round", row=1, col=2)
    fig.update_yaxes(range=[-1.05, 1.05], row=1, col=2)
    latest = data.metrics["spearman"].dropna()
    sub = f" (latest ρ = {latest.iloc[-1]:.2f})" if len(latest) else ""
    fig.update_layout(title=title + sub)
    return style(fig)
