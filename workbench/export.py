"""Export the best schedule of a session: TVMScript, trace, database records, library."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import WorkbenchError

if TYPE_CHECKING:
    from .session import Session

__all__ = ["export_session", "LIBRARY", "SCRIPT", "TRACE"]

SCRIPT = "best_schedule.py"
TRACE = "best_trace.py"
LIBRARY = "best_kernel.so"
DATABASE = "database"
SUMMARY = "summary.json"


def export_session(session: Session, out_dir: Path) -> dict[str, Path]:
    """Write the best schedule of ``session`` into ``out_dir``.

    Files: ``best_schedule.py`` (TVMScript), ``best_trace.py`` (an ``apply_trace(sch)``
    function that replays the schedule), ``database/`` (a TVM JSON database holding the
    workload and the best record), ``best_kernel.so`` (the compiled kernel, loadable with
    ``tvm.runtime.load_module``) and ``summary.json``.
    """
    import tvm
    import tvm.s_tir.meta_schedule as ms

    best = session.best
    sch = session.best_schedule()
    if best is None or sch is None:
        raise WorkbenchError("nothing to export yet: no candidate has been measured successfully")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "script": out_dir / SCRIPT,
        "trace": out_dir / TRACE,
        "database": out_dir / DATABASE,
        "library": out_dir / LIBRARY,
        "summary": out_dir / SUMMARY,
    }
    header = (
        f"# Best schedule of {session.task.spec} on {session.target.name}\n"
        f"# {best.gflops:.2f} GFLOPS, {best.latency_us:.2f} us "
        f"(candidate {best.candidate}, round {best.round})\n"
    )
    paths["script"].write_text(header + sch.mod.script() + "\n")
    trace_lines = [str(x) for x in sch.trace.as_python()]
    paths["trace"].write_text(
        header
        + "# Replay: sch = tvm.s_tir.Schedule(mod); apply_trace(sch); tvm.compile(sch.mod, target)\n"
        + "from tvm import s_tir\n\n\n"
        + "def apply_trace(sch: s_tir.Schedule) -> None:\n"
        + "".join(f"    {line}\n" for line in trace_lines)
    )
    top = session.database.get_top_k(session._workload, 1)
    db_dir = paths["database"]
    db_dir.mkdir(exist_ok=True)
    for name in ("database_workload.json", "database_tuning_record.json"):
        (db_dir / name).unlink(missing_ok=True)
    db = ms.database.JSONDatabase(work_dir=str(db_dir))
    workload = db.commit_workload(session.task.mod)
    rec = top[0]
    db.commit_tuning_record(
        ms.database.TuningRecord(rec.trace, workload, rec.run_secs, rec.target, rec.args_info)
    )
    lib = tvm.compile(sch.mod, target=session.target.tvm())
    lib.export_library(str(paths["library"]))
    paths["summary"].write_text(
        json.dumps(
            {
                "workload": session.task.spec,
                "target": session.target.config,
                "latency_us": best.latency_us,
                "gflops": best.gflops,
                "candidate": best.candidate,
                "round": best.round,
                "trials": session.trials,
                "files": {k: str(v.name) for k, v in paths.items()},
            },
            indent=2,
        )
    )
    return paths
