"""Browse the sketches: rules, loop nest, sampled decisions and highlighted TVMScript."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

__all__ = ["SketchBrowser"]


class SketchBrowser(w.VBox):
    """One sketch at a time, with the decisions of the current best when it comes from it.

    Parameters
    ----------
    session : Session
        Its ``sketches``, ``history`` and ``best_schedule()`` are shown.
    """

    def __init__(self, session: Any):
        self.session = session
        sketches = session.sketches
        self.select = w.Dropdown(
            options=[(f"sketch {sk.id}: {', '.join(sk.rules)}", sk.id) for sk in sketches],
            value=sketches[0].id if sketches else None,
            description="sketch",
            layout=w.Layout(width="640px"),
        )
        self.summary = w.HTML()
        self.view = w.HTML()
        self.view.add_class("wb-sketch-view")
        self.select.observe(lambda _change: self._render(), names="value")
        super().__init__([self.summary, self.select, self.view])
        self._best_trial: Any = object()
        self._best: dict[str, Any] | None = None
        self._best_schedule = None
        self.refresh()

    def refresh(self, history: Any = None) -> None:
        """Re-read the session: the per-sketch summary always, the view when the best changed
        (``history``: the session's history when the caller already has it)."""
        from ..viz import sketch_summary_data
        from ._candidate_table import table_html

        hist = history if history is not None else self.session.history
        self.summary.value = table_html(sketch_summary_data(self.session, hist))
        ok = hist[hist["gflops"].notna()] if len(hist) else hist
        best = ok.loc[ok["gflops"].astype(float).idxmax()].to_dict() if len(ok) else None
        trial = best["trial"] if best else None
        if trial != self._best_trial:
            self._best_trial = trial
            self._best = best
            self._best_schedule = self.session.best_schedule() if best else None
            self._render()

    def _render(self) -> None:
        from ..viz import sketch_view_html

        sketches = {sk.id: sk for sk in self.session.sketches}
        sketch = sketches.get(self.select.value)
        if sketch is None:
            self.view.value = "<i>no sketches</i>"
            return
        self.view.value = sketch_view_html(sketch, self._best, self._best_schedule)
