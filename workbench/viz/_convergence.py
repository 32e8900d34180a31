"""Convergence: best GFLOPS so far against trials and against tuning wall time."""

from __future__ import annotations

import warnings
from typing import Any

from ._source import empty_figure, history_of, house_layout, style

__all__ = [
    "convergence_data",
    "plot_convergence",
    "compare_convergence_data",
    "plot_compare_convergence",
]

_X = {"trials": ("trial", "trials"), "time": ("elapsed_s", "tuning seconds")}


def _is_compare(obj: Any) -> bool:
    runs = getattr(obj, "runs", None)
    return runs is not None and hasattr(runs, "columns") and "config" in runs.columns


def convergence_data(runs: Any):
    """Best GFLOPS so far after every trial, one row per trial and run.

    Parameters
    ----------
    runs : Session, run directory, round dicts, history DataFrame, or dict of those
        One run, or ``{name: run}`` for several runs overlaid.

    Returns
    -------
    pandas.DataFrame
        Columns ``run, trial, elapsed_s, gflops, best_gflops``; ``gflops`` is the trial's own
        result (NaN for a failed candidate), ``best_gflops`` the best so far.
    """
    import pandas as pd

    cols = ["run", "trial", "elapsed_s", "gflops", "best_gflops"]
    named = runs if isinstance(runs, dict) else {"run": runs}
    frames = []
    for name, source in named.items():
        h = history_of(source)
        if not len(h):
            continue
        part = h[["trial", "elapsed_s", "gflops", "best_gflops"]].copy()
        part.insert(0, "run", str(name))
        frames.append(part)
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype="object" if c == "run" else "float64") for c in cols}
        )
    out = pd.concat(frames, ignore_index=True)
    for c in cols[1:]:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out.sort_values(["run", "trial"], kind="stable").reset_index(drop=True)


def plot_convergence(runs: Any, x: str | None = None):
    """Best GFLOPS so far against trials and tuning seconds.

    Parameters
    ----------
    runs
        As for :func:`convergence_data`.
    x : {"trials", "time"}, optional
        One axis only; by default two panels side by side (trials, seconds).
    """
    import plotly.graph_objects as go

    if x is not None and x not in _X:
        from ..errors import unknown_choice

        raise unknown_choice("x axis", x, list(_X))
    data = convergence_data(runs)
    title = "Convergence: best GFLOPS so far"
    if not len(data):
        return empty_figure(title)
    axes = [x] if x else ["trials", "time"]
    # Panels laid out by hand: make_subplots costs ~20 ms, paid after every dashboard round.
    gap, n = 0.08, len(axes)
    width = (1 - gap * (n - 1)) / n
    layout: dict[str, Any] = {"title": title, "showlegend": data["run"].nunique() > 1}
    for i, axis in enumerate(axes):
        suffix = "" if i == 0 else str(i + 1)
        layout[f"xaxis{suffix}"] = {
            "domain": [i * (width + gap), i * (width + gap) + width],
            "title": {"text": _X[axis][1]},
            "anchor": f"y{suffix}",
        }
        layout[f"yaxis{suffix}"] = {
            "anchor": f"x{suffix}",
            "title": {"text": "GFLOPS" if i == 0 else ""},
        }
    # Plain dicts, validated once by go.Figure: the dashboard redraws this after every round.
    traces: list[dict[str, Any]] = []
    palette = _palette()
    for i, (name, part) in enumerate(data.groupby("run", sort=False)):
        color = palette[i % len(palette)]
        for col, axis in enumerate(axes):
            suffix = "" if col == 0 else str(col + 1)
            traces.append(
                {
                    "type": "scatter",
                    "x": part[_X[axis][0]].to_numpy(),
                    "y": part["best_gflops"].to_numpy(),
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "mode": "lines+markers",
                    "marker": {"size": 4},
                    "line": {"shape": "hv", "color": color},
                    "name": str(name),
                    "legendgroup": str(name),
                    "showlegend": col == 0,
                    "hovertemplate": "%{y:.2f} GFLOPS at %{x}<extra>" + str(name) + "</extra>",
                }
            )
        traces.append(
            {
                "type": "scatter",
                "x": part[_X[axes[0]][0]].to_numpy(),
                "y": part["gflops"].to_numpy(),
                "mode": "markers",
                "marker": {"size": 4, "color": color, "opacity": 0.25},
                "name": f"{name}: each trial",
                "legendgroup": str(name),
                "showlegend": False,
                "hovertemplate": "trial %{x}: %{y:.2f} GFLOPS<extra></extra>",
            }
        )
    return go.Figure(data=traces, layout=house_layout(layout))


def compare_convergence_data(result: Any, x: str = "trials", band: str = "minmax"):
    """Median best GFLOPS across seeds and a band, per workload and configuration.

    Parameters
    ----------
    result : CompareResult
        From :func:`workbench.compare` (its ``runs`` has ``config, workload, seed`` and the
        history columns).
    x : {"trials", "time"}
        Align seeds on trial count or on tuning seconds.
    band : {"minmax", "iqr"}
        The band: min-max across seeds, or the interquartile range.

    Returns
    -------
    pandas.DataFrame
        Columns ``workload, config, x, median, lo, hi, seeds``; ``seeds`` counts the seeds
        that had a measurement by ``x``.
    """
    import numpy as np
    import pandas as pd

    from ..errors import unknown_choice

    if x not in _X:
        raise unknown_choice("x axis", x, list(_X))
    if band not in ("minmax", "iqr"):
        raise unknown_choice("band", band, ["minmax", "iqr"])
    cols = ["workload", "config", "x", "median", "lo", "hi", "seeds"]
    runs = result.runs if _is_compare(result) else result
    if not len(runs):
        return pd.DataFrame(columns=cols)
    xcol = _X[x][0]
    rows = []
    for (wl, cfg), part in runs.groupby(["workload", "config"], sort=False):
        grid = np.unique(part[xcol].dropna().to_numpy(dtype=float))
        curves = []
        for _, seed_part in part.groupby("seed"):
            s = seed_part.sort_values(xcol)
            best = s["best_gflops"].astype(float).ffill().to_numpy()
            xs = s[xcol].to_numpy(dtype=float)
            idx = np.searchsorted(xs, grid, side="right") - 1
            curves.append(np.where(idx >= 0, best[np.clip(idx, 0, None)], np.nan))
        mat = np.vstack(curves)
        counts = (~np.isnan(mat)).sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # columns no seed has reached yet
            med = np.nanmedian(mat, axis=0)
            if band == "minmax":
                lo, hi = np.nanmin(mat, axis=0), np.nanmax(mat, axis=0)
            else:
                lo, hi = np.nanpercentile(mat, 25, axis=0), np.nanpercentile(mat, 75, axis=0)
        for g, m, a, b, n in zip(grid, med, lo, hi, counts):
            if n:
                rows.append([wl, cfg, g, m, a, b, int(n)])
    return pd.DataFrame(rows, columns=cols)


def plot_compare_convergence(
    result: Any, workload: str | None = None, x: str = "trials", band: str = "minmax"
):
    """Median best GFLOPS across seeds per configuration, with a band (min-max or IQR).

    Parameters
    ----------
    result : CompareResult
        From :func:`workbench.compare`.
    workload : str, optional
        Which workload to show; the first one by default.
    x, band
        As for :func:`compare_convergence_data`.
    """
    import plotly.graph_objects as go

    data = compare_convergence_data(result, x=x, band=band)
    title = "Convergence across seeds: median and " + ("min-max" if band == "minmax" else "IQR")
    if not len(data):
        return empty_figure(title)
    workload = workload if workload is not None else data["workload"].iloc[0]
    data = data[data["workload"] == workload]
    fig = go.Figure()
    palette = _palette()
    for i, (cfg, part) in enumerate(data.groupby("config", sort=False)):
        color = palette[i % len(palette)]
        fig.add_trace(
            go.Scatter(
                x=part["x"].to_numpy(),
                y=part["hi"].to_numpy(),
                mode="lines",
                line={"width": 0, "shape": "hv"},
                legendgroup=str(cfg),
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=part["x"].to_numpy(),
                y=part["lo"].to_numpy(),
                mode="lines",
                line={"width": 0, "shape": "hv"},
                fill="tonexty",
                fillcolor=_fade(color),
                legendgroup=str(cfg),
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=part["x"].to_numpy(),
                y=part["median"].to_numpy(),
                mode="lines",
                name=str(cfg),
                line={"color": color, "shape": "hv"},
                legendgroup=str(cfg),
                hovertemplate="%{y:.2f} GFLOPS at %{x}<extra>" + str(cfg) + "</extra>",
            )
        )
    fig.update_layout(
        title=f"{title}<br><sup>{workload}</sup>", xaxis_title=_X[x][1], yaxis_title="best GFLOPS"
    )
    return style(fig)


def _palette() -> list[str]:
    import plotly.colors

    return list(plotly.colors.qualitative.Plotly)


def _fade(hex_color: str, alpha: float = 0.2) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
