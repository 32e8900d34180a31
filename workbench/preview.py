"""Records of earlier runs as cost model training data (for predict-only sessions)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import WorkbenchError

__all__ = ["load_records"]

_RECORDS = "database_tuning_record.json"


def load_records(run_dirs: Iterable[str | Path], target_kind: str) -> tuple[list[Any], list[Any]]:
    """Read the measured records of run directories as MetaSchedule training data.

    Parameters
    ----------
    run_dirs : iterable of str or Path
        Run directories; each is searched recursively for TVM databases, so a model run's
        task folders count too.
    target_kind : str
        Keep only records measured on this kind of target (``llvm``, ``rocm``, ``cuda``).

    Returns
    -------
    (list of MeasureCandidate, list of RunnerResult)
        One pair per record; a record without timings is a failed candidate.

    Raises
    ------
    WorkbenchError
        When a directory holds no database, or no record is for ``target_kind``.
    """
    import tvm.s_tir.meta_schedule as ms
    from tvm.s_tir import Schedule

    run_dirs = [run_dirs] if isinstance(run_dirs, (str, Path)) else list(run_dirs)
    candidates: list[Any] = []
    results: list[Any] = []
    other_kinds: set[str] = set()
    for run_dir in run_dirs:
        root = Path(run_dir)
        files = sorted(root.rglob(_RECORDS)) if root.is_dir() else []
        if not files:
            raise WorkbenchError(f"{root} holds no TVM database ({_RECORDS}) to learn from")
        for path in files:
            db = ms.database.JSONDatabase(work_dir=str(path.parent))
            for rec in db.get_all_tuning_records():
                kind = str(rec.target.kind.name) if rec.target is not None else "?"
                if kind != target_kind:
                    other_kinds.add(kind)
                    continue
                sch = Schedule(rec.workload.mod)
                rec.trace.apply_to_schedule(sch, remove_postproc=False)
                candidates.append(ms.MeasureCandidate(sch, rec.args_info))
                secs = list(rec.run_secs) if rec.run_secs else None
                results.append(
                    ms.runner.RunnerResult(
                        run_secs=secs, error_msg=None if secs else "recorded error"
                    )
                )
    if not candidates:
        found = ", ".join(sorted(other_kinds)) or "none"
        raise WorkbenchError(
            f"no record measured on a {target_kind!r} target in {', '.join(map(str, run_dirs))} "
            f"(target kinds found: {found})"
        )
    return candidates, results
