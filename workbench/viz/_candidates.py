"""The candidate table: measured candidates and the pruned sample, sortable."""

from __future__ import annotations

from typing import Any

from ._pruned import pruned_sample_data
from ._source import history_of

__all__ = ["CANDIDATE_COLUMNS", "candidate_table_data"]

#: Columns of :func:`candidate_table_data`, in order.
CANDIDATE_COLUMNS = [
    "trial",
    "round",
    "sketch",
    "decisions",
    "predicted",
    "gflops",
    "latency_us",
    "error",
    "pruned_by",
]


def candidate_table_data(
    source: Any,
    sort_by: str = "gflops",
    ascending: bool = False,
    include_pruned: bool = True,
    limit: int | None = None,
    pruned: Any = None,
):
    """Measured candidates (and pruned ones) as one sortable table.

    Parameters
    ----------
    source : Session, run directory, round dicts or history DataFrame
        The measured candidates; a session's ``pruned`` sample is added when it has one.
    sort_by : str
        A column of :data:`CANDIDATE_COLUMNS`; missing values sort last.
    ascending : bool
        Sort order.
    include_pruned : bool
        Add the pruned sample (no ``trial``; ``pruned_by`` names the rule; ``gflops`` only
        for samples that were measured anyway to audit the rule).
    limit : int, optional
        Keep the first ``limit`` rows after sorting.
    pruned : pandas.DataFrame, optional
        The pruned sample to add (default: ``source.pruned`` when ``source`` has one).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CANDIDATE_COLUMNS`.
    """
    import pandas as pd

    from ..errors import unknown_choice

    if sort_by not in CANDIDATE_COLUMNS:
        raise unknown_choice("column", sort_by, CANDIDATE_COLUMNS)
    hist = history_of(source)
    measured = hist.reindex(columns=CANDIDATE_COLUMNS[:-1]).copy()
    measured["pruned_by"] = None
    frames = [measured]
    if include_pruned:
        if pruned is None and not isinstance(source, pd.DataFrame):
            pruned = source  # a session: its ``pruned`` sample, if it has one
        pruned = pruned_sample_data(pruned)
        if len(pruned):
            part = pd.DataFrame(
                {
                    "round": pruned["round"],
                    "sketch": pruned["sketch"],
                    "decisions": pruned["decisions"],
                    "pruned_by": pruned["rule"],
                }
            )
            if "gflops" in pruned.columns:  # audited samples were measured after all
                part["gflops"] = pd.to_numeric(pruned["gflops"], errors="coerce")
            if "error" in pruned.columns:
                part["error"] = pruned["error"]
            part = part.reindex(columns=CANDIDATE_COLUMNS)
            frames.append(part)
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=CANDIDATE_COLUMNS)
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    key = table[sort_by]
    if sort_by in ("decisions",):
        key = key.astype(str)
    order = key.sort_values(ascending=ascending, na_position="last", kind="stable").index
    table = table.loc[order]
    if limit is not None:
        table = table.head(limit)
    return table.reset_index(drop=True)
