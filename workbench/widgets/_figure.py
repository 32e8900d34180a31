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
    """Make ``widget`` show ``fig``.

    Traces are updated in place where their number and types still match (one message to the
    front end), replaced otherwise. Top-level layout keys the new figure does not set are
    reset, since plotly.js keeps what an update does not mention. (plotly.py turns a reset
    list such as ``annotations`` into ``[]``, which plotly.js ignores: that is why empty
    figures carry their note in the title.) The template is never re-sent.
    """
    new_layout = fig.layout.to_plotly_json()
    new_layout.pop("template", None)
    # the layout this widget was last given: an update that leaves it as it was sends none
    last = getattr(widget, "_wb_last_layout", None)
    if last is None:
        last = widget.layout.to_plotly_json()
        last.pop("template", None)
    stale = [k for k in last if k not in new_layout]
    same = len(widget.data) == len(fig.data) and all(
        a.type == b.type for a, b in zip(widget.data, fig.data)
    )
    if not same:
        widget.data = ()
    with widget.batch_update():
        if same:
            for old, new in zip(widget.data, fig.data):
                old.update(new.to_plotly_json(), overwrite=True)
        if new_layout != last:  # after the first round the layout rarely changes
            for key in stale:
                widget.layout[key] = None
            widget.layout.update(new_layout)
    widget._wb_last_layout = new_layout
    if not same and fig.data:
        widget.add_traces(list(fig.data))
