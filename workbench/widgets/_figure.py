"""Keep a live ``FigureWidget`` in step with a freshly rendered figure."""

from __future__ import annotations

from typing import Any


def new_figure_widget(fig: Any, css_class: str):
    """A ``plotly.graph_objects.FigureWidget`` showing ``fig``, tagged with a CSS class."""
    import plotly.graph_objects as go

    widget = go.FigureWidget(fig)
    widget.add_class(css_class)
    return widget


def sync_figure(widget: Any, fig: Any) -> None:
    """Make ``widget`` show ``fig``: traces updated in place where their number and types
    still match (one message to the front end), replaced otherwise."""
    same = len(widget.data) == len(fig.data) and all(
        a.type == b.type for a, b in zip(widget.data, fig.data)
    )
    if same:
        with widget.batch_update():
            for old, new in zip(widget.data, fig.data):
                old.update(new.to_plotly_json(), overwrite=True)
            widget.layout = fig.layout
    else:
        with widget.batch_update():
            widget.layout = fig.layout
        widget.data = ()
        if fig.data:
            widget.add_traces(list(fig.data))
