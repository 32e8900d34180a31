"""Turn what a figure is given (a session, a run directory, round dicts, a DataFrame) into data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import WorkbenchError


def rounds_of(source: Any) -> list[dict[str, Any]]:
    """The round dicts of ``source``.

    Parameters
    ----------
    source : Session, str, Path, RunLog or list of dict
        Anything with a ``rounds`` attribute (a :class:`~workbench.Session`), a run directory,
        a :class:`~workbench.records.RunLog`, or the round dicts themselves.
    """
    from ..records import RunLog

    if source is None:
        return []
    if isinstance(source, list | tuple):
        return list(source)
    if isinstance(source, str | Path):
        log = RunLog(source)
        if not log.exists():
            raise WorkbenchError(f"{source} holds no workbench run (no {log.manifest_path.name})")
        return log.read_rounds()
    if isinstance(source, RunLog):
        return source.read_rounds()
    rounds = getattr(source, "rounds", None)
    if isinstance(rounds, list):
        return rounds
    raise WorkbenchError(
        f"cannot read rounds from a {type(source).__name__}; pass a Session, a run directory "
        "or a list of round dicts"
    )


def history_of(source: Any):
    """One row per measured candidate of ``source`` (a DataFrame is returned as it is)."""
    import pandas as pd

    from ..records import history_frame

    if isinstance(source, pd.DataFrame):
        return source
    return history_frame(rounds_of(source))


def empty_figure(title: str, message: str = "no data yet"):
    """A valid, empty plotly figure; the note goes under the title.

    (Not an annotation: a live ``FigureWidget`` updated with data later could not drop it,
    since plotly.js keeps layout entries an update does not mention.)
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        title={"text": f"{title}<br><sup>{message}</sup>"},
        xaxis={"visible": False},
        yaxis={"visible": False},
    )
    return style(fig)


_AXIS = {"gridcolor": "#eaeaea", "zerolinecolor": "#dddddd", "linecolor": "#bbbbbb"}
_LAYOUT = {
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
    "height": 340,
    "legend": {"font": {"size": 10}},
    "font": {"size": 12},
}


def house_layout(layout: dict) -> dict:
    """``layout`` (a plain dict) with the house look of :func:`style` merged in.

    Building a figure from plain dicts in one go is several times faster than styling it
    afterwards, which matters for the figures the dashboard redraws after every round.
    """
    out = {**_LAYOUT, **layout}
    for key in {"xaxis", "yaxis"} | {k for k in out if k.startswith(("xaxis", "yaxis"))}:
        out[key] = {**_AXIS, **out.get(key, {})}
    return out


def style(fig):
    """The house look: white background, light grid, compact margins.

    Colours are set directly rather than through a named plotly template: validating a
    template costs about 10 ms per figure, which the dashboard would pay after every round.
    """
    fig.update_layout(
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        height=340,
        legend={"font": {"size": 10}},
        font={"size": 12},
    )
    fig.update_xaxes(gridcolor="#eaeaea", zerolinecolor="#dddddd", linecolor="#bbbbbb")
    fig.update_yaxes(gridcolor="#eaeaea", zerolinecolor="#dddddd", linecolor="#bbbbbb")
    return fig
