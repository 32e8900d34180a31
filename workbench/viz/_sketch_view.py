"""Sketch view: highlighted TVMScript, a compact loop-nest tree, and the sampled decisions.

The loop nest is read from the TIR itself (``tvm.tirx.For`` loops and their kinds), so it
shows the same structure for a design space (loops still serial, with the parallel/vectorize/
unroll choices as block annotations) and for a post-processed candidate (parallel, vectorized
and unrolled loops).
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..errors import WorkbenchError

__all__ = [
    "loop_nest_data",
    "loop_nest_text",
    "loop_nest_html",
    "highlight_tvmscript",
    "sketch_decisions_data",
    "sketch_summary_data",
    "sketch_view_html",
]

LOOP_COLUMNS = [
    "depth",
    "node",
    "name",
    "extent",
    "kind",
    "annotations",
    "children",
    "axis",
    "level",
    "iter_types",
    "tiling",
]
_KINDS = {0: "serial", 1: "parallel", 2: "vectorized", 3: "unrolled", 4: "thread_binding"}
_LEVEL = re.compile(r"^(?P<axis>[A-Za-z][A-Za-z0-9]*)_(?P<level>\d+)(?:_fused)?(?:_init)?$")
_ITER = {0: "S", 2: "R"}


def _prim_func(source: Any):
    import tvm

    if isinstance(source, str):
        try:
            source = tvm.script.from_source(source)
        except Exception as err:  # the parser raises several error types
            raise WorkbenchError(f"could not parse the TVMScript: {err}") from None
    source = getattr(source, "mod", source)  # a Schedule
    if isinstance(source, tvm.IRModule):
        funcs = [f for _, f in source.functions.items() if isinstance(f, tvm.tirx.PrimFunc)]
        if not funcs:
            raise WorkbenchError("the module holds no TIR function")
        source = funcs[0]
    if not isinstance(source, tvm.tirx.PrimFunc):
        raise WorkbenchError(
            f"loop nests come from a TVMScript string, an IRModule, a Schedule or a PrimFunc, "
            f"not a {type(source).__name__}"
        )
    return source


def _plain_annotations(ann: Any) -> dict[str, Any]:
    out = {}
    for k, v in dict(ann).items():
        try:
            out[str(k)] = int(v)
        except (TypeError, ValueError):
            out[str(k)] = str(v)
    return out


def _children(node: Any) -> list[Any]:
    import tvm

    if isinstance(node, tvm.tirx.SeqStmt):
        out = []
        for x in node.seq:
            out += _children(x) if not _is_item(x) else [x]
        return out
    if _is_item(node):
        return [node]
    kids = []
    for attr in ("body", "then_case", "else_case"):
        sub = getattr(node, attr, None)
        if sub is not None:
            kids += _children(sub)
    return kids


def _is_item(node: Any) -> bool:
    import tvm

    return isinstance(node, tvm.tirx.For) or type(node).__name__ == "SBlockRealize"


def _body_items(node: Any) -> list[Any]:
    if type(node).__name__ == "SBlockRealize":
        block = node.block
        items = _children(block.init) if block.init is not None else []
        return items + _children(block.body)
    return _children(node.body)


def loop_nest_data(source: Any):
    """The loops and blocks of a schedule, outermost first (depth-first order).

    Parameters
    ----------
    source : str, IRModule, Schedule or PrimFunc
        A TVMScript string (e.g. ``sketch.script``), a module, a ``tvm.s_tir.Schedule`` (e.g.
        ``session.best_schedule()``) or a TIR function.

    Returns
    -------
    pandas.DataFrame
        One row per loop or block: ``depth``; ``node`` (``"loop"`` or ``"block"``); ``name``;
        ``extent`` (loops); ``kind`` (``serial``, ``parallel``, ``vectorized``, ``unrolled``,
        ``thread_binding``); ``annotations`` (dict); ``children`` (direct loops/blocks
        inside); ``axis`` and ``level`` of a tiled loop (``i_2`` is level 2 of axis ``i``);
        ``iter_types`` of a block (``S`` spatial, ``R`` reduction); ``tiling`` (the block's
        ``meta_schedule.tiling_structure``, e.g. ``SSRSRS``).
    """
    import pandas as pd

    func = _prim_func(source)
    rows: list[dict[str, Any]] = []

    def visit(node: Any, depth: int) -> None:
        items = _body_items(node)
        if type(node).__name__ == "SBlockRealize":
            block = node.block
            ann = _plain_annotations(block.annotations)
            rows.append(
                {
                    "depth": depth,
                    "node": "block",
                    "name": str(block.name_hint),
                    "extent": None,
                    "kind": None,
                    "annotations": ann,
                    "children": len(items),
                    "axis": None,
                    "level": None,
                    "iter_types": "".join(
                        _ITER.get(int(iv.iter_type), "O") for iv in block.iter_vars
                    ),
                    "tiling": ann.get("meta_schedule.tiling_structure"),
                }
            )
        else:
            name = str(node.loop_var.name)
            m = _LEVEL.match(name)
            kind = _KINDS.get(int(node.kind), str(node.kind))
            ann = _plain_annotations(node.annotations)
            if node.thread_binding is not None:
                ann["thread"] = str(node.thread_binding.thread_tag)
            try:
                extent = int(node.extent)
            except (TypeError, ValueError):
                extent = str(node.extent)
            rows.append(
                {
                    "depth": depth,
                    "node": "loop",
                    "name": name,
                    "extent": extent,
                    "kind": kind,
                    "annotations": ann,
                    "children": len(items),
                    "axis": m.group("axis") if m else None,
                    "level": int(m.group("level")) if m else None,
                    "iter_types": None,
                    "tiling": None,
                }
            )
        for item in items:
            visit(item, depth + 1)

    for item in _children(func.body):
        visit(item, 0)
    return pd.DataFrame(rows, columns=LOOP_COLUMNS, dtype=object)


_SHORT = {
    "pragma_auto_unroll_max_step": "auto-unroll≤",
    "pragma_unroll_explicit": "explicit-unroll=",
    "meta_schedule.parallel": "parallel≤",
    "meta_schedule.vectorize": "vectorize≤",
    "meta_schedule.unroll_explicit": "unroll-explicit≤",
    "meta_schedule.unroll_implicit": "unroll-implicit≤",
}


def _ann_text(ann: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    parts = []
    for k, v in ann.items():
        if k in skip:
            continue
        parts.append(f"{_SHORT[k]}{v}" if k in _SHORT else f"{k}={v}")
    return ", ".join(parts)


def _lines(data) -> list[tuple[int, str, str, str]]:
    """(depth, kind, label, note) per printed line, chains of plain loops merged."""
    rows = [
        {k: (None if _missing(v) else v) for k, v in r.items()} for r in data.to_dict("records")
    ]
    tiles_of = {i: _block_tiles(rows, i) for i, r in enumerate(rows) if r["node"] == "block"}
    out = []
    i = 0
    while i < len(rows):
        row = rows[i]
        if row["node"] == "block":
            tiles = tiles_of[i]
            note = []
            if row["tiling"]:
                note.append(f"tiling {row['tiling']}")
            if tiles:
                note.append("tiles " + " | ".join(f"{a} {'·'.join(map(str, t))}" for a, t in tiles))
            rest = _ann_text(row["annotations"], skip=("meta_schedule.tiling_structure",))
            if rest:
                note.append(rest)
            out.append(
                (
                    row["depth"],
                    "block",
                    f'block "{row["name"]}"'
                    + (f" [{row['iter_types']}]" if row["iter_types"] else ""),
                    "; ".join(note),
                )
            )
            i += 1
            continue
        chain = [row]
        while (
            chain[-1]["children"] == 1
            and not chain[-1]["annotations"]
            and i + len(chain) < len(rows)
            and rows[i + len(chain)]["node"] == "loop"
            and rows[i + len(chain)]["kind"] == row["kind"]
            and not rows[i + len(chain)]["annotations"]
            and rows[i + len(chain)]["depth"] == chain[-1]["depth"] + 1
        ):
            chain.append(rows[i + len(chain)])
        names = ", ".join(r["name"] for r in chain)
        extents = " × ".join(str(r["extent"]) for r in chain)
        out.append(
            (
                row["depth"],
                row["kind"],
                f"for {names} in {extents}",
                _ann_text(chain[-1]["annotations"]),
            )
        )
        # children of the merged chain sit one level below its first loop
        shift = len(chain) - 1
        j = i + len(chain)
        base = chain[-1]["depth"]
        while j < len(rows) and rows[j]["depth"] > base:
            rows[j] = {**rows[j], "depth": rows[j]["depth"] - shift}
            j += 1
        i += len(chain)
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _block_tiles(rows: list[dict[str, Any]], index: int) -> list[tuple[str, list[Any]]]:
    """Tile extents per axis of the loops enclosing block ``rows[index]``, outer to inner."""
    depth = rows[index]["depth"]
    enclosing = []
    for r in reversed(rows[:index]):
        if r["depth"] < depth:
            enclosing.append(r)
            depth = r["depth"]
    tiles: dict[str, list[Any]] = {}
    for r in reversed(enclosing):
        if r["node"] == "loop" and r["axis"] is not None:
            tiles.setdefault(r["axis"], []).append(r["extent"])
    return [(a, t) for a, t in tiles.items() if len(t) > 1]


def loop_nest_text(data: Any) -> str:
    """A compact, indented loop-nest tree (chains of plain loops of one kind on one line).

    Parameters
    ----------
    data : pandas.DataFrame or schedule
        What :func:`loop_nest_data` returns, or anything it accepts.
    """
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        data = loop_nest_data(data)
    lines = []
    for depth, kind, label, note in _lines(data):
        tag = "" if kind in ("serial", "block") else f"  [{kind}]"
        lines.append("  " * depth + label + tag + (f"  # {note}" if note else ""))
    return "\n".join(lines)


_COLORS = {
    "parallel": "#1f77b4",
    "vectorized": "#2ca02c",
    "unrolled": "#d62728",
    "thread_binding": "#9467bd",
    "serial": "#555",
    "block": "#8c564b",
}


def loop_nest_html(data: Any) -> str:
    """The loop-nest tree as HTML, loop kinds colour-coded (see :func:`loop_nest_text`)."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        data = loop_nest_data(data)
    out = ['<pre class="wb-loop-nest" style="font-size:12px;line-height:1.35">']
    for depth, kind, label, note in _lines(data):
        color = _COLORS.get(kind, "#555")
        badge = (
            ""
            if kind in ("serial", "block")
            else f' <span style="background:{color};color:white;border-radius:3px;'
            f'padding:0 4px">{kind}</span>'
        )
        weight = "bold" if kind == "block" else "normal"
        note_html = f' <span style="color:#888"># {html.escape(note)}</span>' if note else ""
        out.append(
            "  " * depth
            + f'<span style="color:{color};font-weight:{weight}">{html.escape(label)}</span>'
            + badge
            + note_html
        )
    out.append("</pre>")
    return "\n".join(out)


def highlight_tvmscript(script: str) -> str:
    """TVMScript (or any Python) as syntax-highlighted HTML with inline styles."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    formatter = HtmlFormatter(noclasses=True, style="default", cssclass="wb-tvmscript")
    return highlight(script, PythonLexer(), formatter)


_SAMPLE = re.compile(
    r"^(?P<out>.*?) = sch\.(?P<inst>sample_\w+)\((?P<args>.*?)(?:, )?decision=(?P<dec>.*)\)$"
)


def sketch_decisions_data(trace: str, decisions: list[Any] | None = None):
    """The sampling instructions of a sketch, with the sketch's and a candidate's decisions.

    Parameters
    ----------
    trace : str
        A sketch's trace (``sketch.trace``: Python lines of ``sch.*`` calls).
    decisions : list, optional
        A candidate's decisions from this sketch in trace order (a ``decisions`` cell of the
        history), e.g. the current best's.

    Returns
    -------
    pandas.DataFrame
        Columns ``instruction, outputs, args, sketch_decision, decision``.
    """
    import json

    import pandas as pd

    rows = []
    for line in trace.splitlines():
        m = _SAMPLE.match(line.strip())
        if not m:
            continue
        try:
            dec = json.loads(m.group("dec"))
        except ValueError:
            dec = m.group("dec")
        rows.append(
            {
                "instruction": m.group("inst"),
                "outputs": m.group("out"),
                "args": m.group("args"),
                "sketch_decision": dec,
                "decision": None,
            }
        )
    if decisions is not None and len(decisions) == len(rows):
        for row, dec in zip(rows, decisions):
            row["decision"] = dec
    return pd.DataFrame(
        rows, columns=["instruction", "outputs", "args", "sketch_decision", "decision"]
    )


def sketch_summary_data(session: Any, history: Any = None):
    """One row per sketch: id, schedule rules, candidates measured, best GFLOPS from it.

    Parameters
    ----------
    session : Session
        Anything with ``sketches`` and ``history``.
    history : pandas.DataFrame, optional
        The session's history, when the caller already has it.
    """
    import pandas as pd

    hist = history if history is not None else session.history
    rows = []
    for sk in session.sketches:
        part = hist[hist["sketch"] == sk.id] if len(hist) else hist
        ok = part["gflops"].dropna() if len(part) else part
        rows.append(
            {
                "sketch": sk.id,
                "rules": ", ".join(sk.rules),
                "measured": int(len(part)),
                "best_gflops": float(ok.max()) if len(ok) else None,
            }
        )
    return pd.DataFrame(rows, columns=["sketch", "rules", "measured", "best_gflops"])


def sketch_view_html(
    sketch: Any, best: dict[str, Any] | None = None, best_schedule: Any = None
) -> str:
    """One sketch as HTML: rules, loop-nest tree, sampled decisions, highlighted TVMScript.

    Parameters
    ----------
    sketch : Sketch
        From ``session.sketches``.
    best : dict, optional
        The best candidate's history row (``trial``, ``sketch``, ``gflops``, ``decisions``);
        its decisions are shown when it comes from this sketch.
    best_schedule : Schedule, optional
        The best schedule (``session.best_schedule()``); its post-processed loop nest is shown
        when the best comes from this sketch.
    """
    from_this = best is not None and best.get("sketch") == sketch.id
    dec = sketch_decisions_data(sketch.trace, best.get("decisions") if from_this else None)
    parts = [
        f'<div class="wb-sketch" data-sketch="{sketch.id}">',
        f"<h4 style='margin:4px 0'>Sketch {sketch.id}</h4>",
        f"<div><b>rules:</b> {html.escape(', '.join(sketch.rules))}</div>",
        "<div><b>loop nest of the sketch</b></div>",
        loop_nest_html(loop_nest_data(sketch.script)),
    ]
    if from_this:
        parts.append(
            f"<div><b>current best</b> (trial {best.get('trial')}, "
            f"{float(best.get('gflops') or 0):.2f} GFLOPS) comes from this sketch</div>"
        )
        if best_schedule is not None:
            parts.append("<div><b>loop nest of the best (post-processed)</b></div>")
            parts.append(loop_nest_html(loop_nest_data(best_schedule)))
    if len(dec):
        head = "<tr><th>instruction</th><th>outputs</th><th>sketch's decision</th>"
        head += "<th>best's decision</th></tr>" if from_this else "</tr>"
        body = []
        for r in dec.itertuples(index=False):
            cells = [r.instruction, r.outputs, r.sketch_decision] + (
                [r.decision] if from_this else []
            )
            body.append(
                "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"
            )
        parts.append(
            "<div><b>sampled decisions</b></div><table class='wb-decisions' "
            "style='font-size:12px'>" + head + "".join(body) + "</table>"
        )
    parts.append("<details><summary>TVMScript</summary>")
    parts.append(highlight_tvmscript(sketch.script))
    parts.append("</details></div>")
    return "\n".join(parts)
