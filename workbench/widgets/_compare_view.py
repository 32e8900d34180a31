"""A view of a comparison: convergence across seeds and the time-to-quality table."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ._figure import new_figure_widget, sync_figure

__all__ = ["CompareView"]


class CompareView(w.VBox):
    """Median convergence with a band across seeds, per configuration, and the summary.

    Parameters
    ----------
    result : CompareResult
        What :func:`workbench.compare` returned.
    """

    def __init__(self, result: Any):
        self.result = result
        workloads = list(dict.fromkeys(result.runs["workload"])) if len(result.runs) else []
        self.workload = w.Dropdown(
            options=workloads, description="workload", layout=w.Layout(width="420px")
        )
        self.x_axis = w.ToggleButtons(options=[("trials", "trials"), ("seconds", "time")])
        self.band = w.ToggleButtons(options=[("min-max", "minmax"), ("IQR", "iqr")])
        self.figure = new_figure_widget(self._render(), "wb-fig-compare")
        self.summary = w.HTML(self._summary_html())
        self.summary.add_class("wb-compare-summary")
        for control in (self.workload, self.x_axis, self.band):
            control.observe(lambda _c: self.refresh(), names="value")
        super().__init__(
            [w.HBox([self.workload, self.x_axis, self.band]), self.figure, self.summary]
        )

    def _render(self):
        from ..viz import plot_compare_convergence

        return plot_compare_convergence(
            self.result,
            workload=self.workload.value or None,
            x=self.x_axis.value,
            band=self.band.value,
        )

    def _summary_html(self) -> str:
        summary = self.result.summary
        if not len(summary):
            return "<i>no runs</i>"
        return summary.to_html(index=False, float_format=lambda v: f"{v:.3g}", border=0)

    def refresh(self) -> None:
        """Redraw the figure for the chosen workload, axis and band."""
        sync_figure(self.figure, self._render())
