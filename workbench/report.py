"""Run reports: a terminal summary table, and markdown + HTML reports of a run directory."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .records import RunLog, history_frame

__all__ = ["summary_table", "write_report", "convergence_svg"]


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _summary(log: RunLog) -> tuple[dict[str, Any], list[dict[str, Any]], Any]:
    man = log.read_manifest()
    rounds = log.read_rounds()
    return man, rounds, history_frame(rounds)


def _markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def _overview(man: dict[str, Any], rounds: list[dict[str, Any]], hist: Any) -> list[list[Any]]:
    ok = hist[hist["error"].isna()] if len(hist) else hist
    best = ok.loc[ok["latency_us"].idxmin()] if len(ok) else None
    return [
        ["workload", man["workload"]],
        ["target", man.get("target_name", man["target"])],
        ["cost model", man["cost_model"]],
        ["seed", man["seed"]],
        ["rounds", len(rounds)],
        ["trials", len(hist)],
        ["errors", int(hist["error"].notna().sum()) if len(hist) else 0],
        ["tuning time (s)", rounds[-1]["elapsed_s"] if rounds else 0.0],
        ["best GFLOPS", None if best is None else float(best["gflops"])],
        ["best latency (us)", None if best is None else float(best["latency_us"])],
        ["best candidate", None if best is None else int(best["candidate"])],
    ]


def summary_table(log: RunLog) -> str:
    """A plain-text summary of a run: overview and one line per round."""
    man, rounds, hist = _summary(log)
    lines = [f"{k:<18} {_fmt(v)}" for k, v in _overview(man, rounds, hist)]
    lines.append("")
    lines.append(
        f"{'round':>5} {'measured':>8} {'errors':>6} {'best GFLOPS':>11} "
        f"{'search s':>8} {'build s':>8} {'run s':>8} {'update s':>8}"
    )
    for r in rounds:
        t = r["times"]
        errors = sum(1 for c in r["candidates"] if c.get("error"))
        lines.append(
            f"{r['round']:>5} {len(r['candidates']):>8} {errors:>6} {r['best_gflops']:>11.2f} "
            f"{t['search']:>8.2f} {t['build']:>8.2f} {t['run']:>8.2f} {t['update']:>8.2f}"
        )
    return "\n".join(lines)


def convergence_svg(
    trials: list[int], best: list[float], width: int = 640, height: int = 280
) -> str:
    """A dependency-free SVG line chart of best GFLOPS against trials."""
    pad = 44
    if not trials:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>'
    xmax = max(trials) or 1
    ymax = max(best) * 1.1 or 1.0

    def xy(t: float, g: float) -> str:
        x = pad + (width - 2 * pad) * t / xmax
        y = height - pad - (height - 2 * pad) * g / ymax
        return f"{x:.1f},{y:.1f}"

    points = " ".join(xy(t, g) for t, g in zip(trials, best))
    ticks = "".join(
        f'<text x="{pad - 6}" y="{height - pad - (height - 2 * pad) * f:.1f}" '
        f'text-anchor="end" font-size="11">{ymax * f:.0f}</text>'
        for f in (0, 0.5, 1.0)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="best GFLOPS against trials">'
        f'<rect width="100%" height="100%" fill="white"/>'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>'
        f"{ticks}"
        f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle" font-size="12">trials</text>'
        f'<text x="12" y="{height / 2}" font-size="12" transform="rotate(-90 12 {height / 2})" '
        f'text-anchor="middle">best GFLOPS</text>'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>'
        f"</svg>"
    )


def write_report(work_dir: Path, out_dir: Path, top: int = 10) -> list[Path]:
    """Write ``report.md`` and ``report.html`` for the run in ``work_dir``.

    Returns
    -------
    list of Path
        The two written files.
    """
    log = RunLog(work_dir)
    man, rounds, hist = _summary(log)
    out_dir.mkdir(parents=True, exist_ok=True)
    overview = _overview(man, rounds, hist)
    ok = hist[hist["error"].isna()].sort_values("latency_us").head(top) if len(hist) else hist
    top_rows = [
        [
            int(r.candidate),
            int(r.round),
            r.sketch,
            float(r.gflops),
            float(r.latency_us),
            float(r.predicted),
        ]
        for r in ok.itertuples()
    ]
    round_rows = [
        [
            r["round"],
            len(r["candidates"]),
            sum(1 for c in r["candidates"] if c.get("error")),
            r["best_gflops"],
            r["times"]["search"],
            r["times"]["build"],
            r["times"]["run"],
            r["times"]["update"],
        ]
        for r in rounds
    ]
    top_header = ["candidate", "round", "sketch", "GFLOPS", "latency (us)", "predicted"]
    round_header = [
        "round",
        "measured",
        "errors",
        "best GFLOPS",
        "search s",
        "build s",
        "run s",
        "update s",
    ]
    md = "\n\n".join(
        [
            f"# Tuning report: {man['workload']}",
            _markdown_table(["", ""], overview),
            "## Best candidates",
            _markdown_table(top_header, top_rows),
            "## Rounds",
            _markdown_table(round_header, round_rows),
        ]
    )
    md_path = out_dir / "report.md"
    md_path.write_text(md + "\n")

    def table(header: list[str], rows: list[list[Any]]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_fmt(x))}</td>" for x in row) + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    svg = convergence_svg(
        [int(x) for x in hist["trial"]] if len(hist) else [],
        [float(x or 0.0) for x in hist["best_gflops"].fillna(0.0)] if len(hist) else [],
    )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Tuning report: {html.escape(man["workload"])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:60em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}</style>
</head><body>
<h1>Tuning report: {html.escape(man["workload"])}</h1>
{table(["", ""], overview)}
<h2>Convergence</h2>
{svg}
<h2>Best candidates</h2>
{table(top_header, top_rows)}
<h2>Rounds</h2>
{table(round_header, round_rows)}
</body></html>
"""
    html_path = out_dir / "report.html"
    html_path.write_text(page)
    return [md_path, html_path]
