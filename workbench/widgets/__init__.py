"""Widgets for JupyterLab (ipywidgets 8): the dashboard and its parts, and the compare view.

Widgets only display and send commands: they call the session and the figure functions of
:mod:`workbench.viz`.
"""

from __future__ import annotations

from ._candidate_table import CandidateTable
from ._compare_view import CompareView
from ._dashboard import FIGURES, Dashboard
from ._sketch_browser import SketchBrowser

__all__ = ["Dashboard", "CompareView", "CandidateTable", "SketchBrowser", "FIGURES"]
