"""Keep a live ``FigureWidget`` in step with a freshly rendered figure."""

from __future__ import annotations

from typing import Any


def new_figure_widget(fig: Any, css_class: str):
    """A ``plotly.graph_objects.FigureWidget`` showing ``fig``, tagged with a CSS class."""
    import plotly.graph_objects as go

    widget = go.FigureWidget(fig)
    widget.add_class(css_class)
    return widget


def _leaves(layout: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten a layout dict into plotly's dotted property paths (lists stay whole)."""
    out: dict[str, Any] = {}
    for key, value in layout.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_leaves(value, path + "."))
        else:
            out[path] = value
    return out


def sync_figure(widget: Any, fig: Any) -> None:
    """Make ``widget`` show ``fig``.

    Traces are updated in place where their number and types still match (one message to the
    front end), replaced otherwise. plotly.js merges a layout update into what it has, so
    every layout property the new figure no longer sets (an empty figure's hidden axes, a
    note) is reset by its dotted path first. The template is never re-sent, and an unchanged
    layout is not sent at all.
    """
    new_layout = fig.layout.to_plotly_json()
    new_layout.pop("template", None)
    last = getattr(widget, "_wb_last_layout", None)
    if last is None:
        last = widget.layout.to_plotly_json()
        last.pop("template", None)
    same = len(widget.data) == len(fig.data) and all(
        a.type == b.type for a, b in zip(widget.data, fig.data)
    )
    if not same:
        widget.data = ()
    if new_layout != last:
        kept = _leaves(new_layout)
        stale = {path: None for path in _leaves(last) if path not in kept}
        if stale:
            widget.plotly_relayout(stale)
    with widget.batch_update():
        if same:
            for old, new in zip(widget.data, fig.data):
                old.update(new.to_plotly_json(), overwrite=True)
        if new_layout != last:
            widget.layout.update(new_layout)
    widget._wb_last_layout = new_layout
    if not same and fig.data:
        widget.add_traces(list(fig.data))
