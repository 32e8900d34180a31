"""Feature importance of the cost model."""

from __future__ import annotations

from typing import Any

from ._source import empty_figure, style

__all__ = ["feature_importance_data", "plot_feature_importance"]


def feature_importance_data(source: Any, top: int | None = 20):
    """The most important features, largest first.

    Parameters
    ----------
    source : pandas.DataFrame, Session or None
        A frame with columns ``feature`` and ``importance`` (or ``gain``, as
        ``Session.feature_importance()`` returns), or a session to ask; ``None`` or a session without the method gives an empty
        frame.
    top : int, optional
        Keep this many features (all when ``None``).

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, importance, share`` (share of the total importance), sorted.
    """
    import pandas as pd

    cols = ["feature", "importance", "share"]
    frame = source
    if not isinstance(source, pd.DataFrame):
        fn = getattr(source, "feature_importance", None)
        frame = fn() if callable(fn) else None
    if frame is None or not len(frame):
        return pd.DataFrame(columns=cols)
    value = "importance" if "importance" in frame.columns else "gain"
    out = frame[["feature", value]].rename(columns={value: "importance"})
    out["feature"] = out["feature"].astype(str)
    out["importance"] = pd.to_numeric(out["importance"], errors="coerce").fillna(0.0)
    total = out["importance"].abs().sum()
    out["share"] = out["importance"] / total if total else 0.0
    out = out.sort_values("importance", ascending=False, kind="stable")
    if top is not None:
        out = out.head(top)
    return out.reset_index(drop=True)


def plot_feature_importance(source: Any, top: int = 20):
    """Horizontal bars of the ``top`` most important features."""
    import plotly.graph_objects as go

    from ..errors import WorkbenchError

    title = f"Cost model feature importance (top {top})"
    try:
        data = feature_importance_data(source, top=top)
    except WorkbenchError as err:  # e.g. a model without importances, or not trained yet
        return empty_figure(title, str(err))
    if not len(data):
        return empty_figure(title, "no feature importance available")
    data = data.iloc[::-1]
    fig = go.Figure(
        go.Bar(x=data["importance"].to_numpy(), y=data["feature"].to_numpy(), orientation="h")
    )
    fig.update_layout(title=title, xaxis_title="importance")
    fig = style(fig)
    fig.update_layout(height=max(340, 18 * len(data) + 120), margin={"l": 180})
    return fig
