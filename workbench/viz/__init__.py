"""Figures: one module per figure, each a pure data function and a plotly plot function.

Every ``*_data`` function takes a run (a :class:`~workbench.Session`, a run directory, the
round dicts, or a history DataFrame, as documented) and returns plain pandas data; every
``plot_*`` function renders that data as a plotly ``Figure``. Tests compare the data; the
dashboard and reports use the figures. Optional round keys (``pruned``, ``sketch_allocation``,
``mutation_probs``, ``model``) may be missing: the figure is then empty but valid.

pandas and plotly load when a function is called, not on import.
"""

from __future__ import annotations

from ._candidates import CANDIDATE_COLUMNS, candidate_table_data
from ._convergence import (
    compare_convergence_data,
    convergence_data,
    plot_compare_convergence,
    plot_convergence,
)
from ._feature_importance import feature_importance_data, plot_feature_importance
from ._policies import (
    mutation_probs_data,
    plot_mutation_probs,
    plot_sketch_allocation,
    sketch_allocation_data,
)
from ._predicted import (
    PredictedVsMeasured,
    plot_predicted_vs_measured,
    predicted_vs_measured_data,
)
from ._pruned import plot_pruned, pruned_counts_data, pruned_sample_data
from ._round_times import PHASES, plot_round_times, round_times_data
from ._sketch_view import (
    highlight_tvmscript,
    loop_nest_data,
    loop_nest_html,
    loop_nest_text,
    sketch_decisions_data,
    sketch_summary_data,
    sketch_view_html,
)
from ._source import history_of, rounds_of
from ._task_progress import plot_task_progress, task_progress_data

__all__ = [
    "CANDIDATE_COLUMNS",
    "candidate_table_data",
    "PHASES",
    "PredictedVsMeasured",
    "compare_convergence_data",
    "convergence_data",
    "feature_importance_data",
    "highlight_tvmscript",
    "history_of",
    "loop_nest_data",
    "loop_nest_html",
    "loop_nest_text",
    "mutation_probs_data",
    "plot_compare_convergence",
    "plot_convergence",
    "plot_feature_importance",
    "plot_mutation_probs",
    "plot_predicted_vs_measured",
    "plot_pruned",
    "plot_round_times",
    "plot_sketch_allocation",
    "plot_task_progress",
    "predicted_vs_measured_data",
    "pruned_counts_data",
    "pruned_sample_data",
    "round_times_data",
    "rounds_of",
    "sketch_allocation_data",
    "sketch_decisions_data",
    "sketch_summary_data",
    "sketch_view_html",
    "task_progress_data",
]
