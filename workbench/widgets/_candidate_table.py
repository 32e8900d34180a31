"""A sortable table of candidates: decisions, predicted score, measured result, pruned-by."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

__all__ = ["CandidateTable"]


def _cell(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if column in ("trial", "round", "sketch", "measured") and isinstance(value, float):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}" if "gflops" in column or "latency" in column else f"{value:.4g}"
    text = str(value)
    if column == "error" and len(text) > 80:
        text = text[:77] + "..."
    return html.escape(text)


def table_html(frame: Any) -> str:
    """An HTML table of ``frame`` (one ``<tr>`` per row in ``<tbody>``)."""
    cols = list(frame.columns)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for row in frame.itertuples(index=False):
        pruned = bool(row[cols.index("pruned_by")]) if "pruned_by" in cols else False
        style = ' style="color:#999"' if pruned else ""
        body.append(
            f"<tr{style}>" + "".join(f"<td>{_cell(v, c)}</td>" for v, c in zip(row, cols)) + "</tr>"
        )
    return (
        '<table class="wb-table" style="font-size:12px;border-collapse:collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


class CandidateTable(w.VBox):
    """Measured and pruned candidates of a session, sortable by any column.

    Parameters
    ----------
    session : Session
        What to show (its ``history`` and, when present, its ``pruned`` sample).
    rows : int
        How many rows to show after sorting.
    """

    def __init__(self, session: Any, rows: int = 50):
        from ..viz import CANDIDATE_COLUMNS

        self.session = session
        self.data = None
        self.sort_by = w.Dropdown(
            options=CANDIDATE_COLUMNS,
            value="gflops",
            description="sort by",
            layout=w.Layout(width="220px"),
        )
        self.ascending = w.Checkbox(value=False, description="ascending", indent=False)
        self.include_pruned = w.Checkbox(value=True, description="show pruned", indent=False)
        self.rows = w.BoundedIntText(
            value=rows, min=1, max=10_000, description="rows", layout=w.Layout(width="150px")
        )
        self.summary = w.HTML()
        self.table = w.HTML()
        self.table.add_class("wb-candidates")
        for control in (self.sort_by, self.ascending, self.include_pruned, self.rows):
            control.observe(lambda _change: self.refresh(), names="value")
        super().__init__(
            [
                w.HBox([self.sort_by, self.ascending, self.include_pruned, self.rows]),
                self.summary,
                w.Box([self.table], layout=w.Layout(max_height="420px", overflow="auto")),
            ]
        )
        self.refresh()

    def sort(self, column: str, ascending: bool = False) -> None:
        """Sort by ``column`` (as choosing it in the drop-down does)."""
        with self.sort_by.hold_trait_notifications():
            self.ascending.value = ascending
            self.sort_by.value = column

    def refresh(self, history: Any = None, pruned: Any = None) -> None:
        """Re-read the session and redraw (``history``/``pruned``: what the caller already
        read from the session, to avoid reading it twice)."""
        from ..viz import candidate_table_data

        if history is None:
            history = self.session.history
            pruned = getattr(self.session, "pruned", None)
        full = candidate_table_data(
            history,
            pruned=pruned,
            sort_by=self.sort_by.value,
            ascending=self.ascending.value,
            include_pruned=self.include_pruned.value,
        )
        self.data = full.head(self.rows.value)
        measured = int(full["pruned_by"].isna().sum()) if len(full) else 0
        self.summary.value = (
            f"<small>{measured} measured, {len(full) - measured} pruned shown; "
            f"top {len(self.data)} by {html.escape(self.sort_by.value)}</small>"
        )
        self.table.value = table_html(self.data)
