"""The run log: a manifest, a JSON-lines round log and MetaSchedule's JSON database.

A run directory holds::

    workbench.json                 manifest: workload, target, settings (rewritten on change)
    rounds.jsonl                   one JSON object per round, with every measured candidate
    database_workload.json         TVM JSONDatabase, appended per round
    database_tuning_record.json    (plain TVM can apply it with compile_tir)

Every write is flushed and fsynced at the end of its round, so a killed process loses at most
the round in flight.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["RunLog", "MANIFEST", "ROUNDS", "history_frame", "rounds_frame", "HISTORY_COLUMNS"]

MANIFEST = "workbench.json"
ROUNDS = "rounds.jsonl"
FORMAT_VERSION = 1

#: Columns of ``Session.history`` (one row per measured candidate), in order.
HISTORY_COLUMNS = [
    "trial",
    "round",
    "candidate",
    "sketch",
    "decisions",
    "predicted",
    "latency_us",
    "gflops",
    "best_gflops",
    "error",
    "cost_model",
    "elapsed_s",
    "measured_at",
]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN -> null
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


class RunLog:
    """Reads and appends a run directory's manifest and round log."""

    def __init__(self, work_dir: str | os.PathLike[str]):
        self.dir = Path(work_dir)

    @property
    def manifest_path(self) -> Path:
        return self.dir / MANIFEST

    @property
    def rounds_path(self) -> Path:
        return self.dir / ROUNDS

    def exists(self) -> bool:
        """Whether the directory already holds a run."""
        return self.manifest_path.exists()

    def read_manifest(self) -> dict[str, Any]:
        with open(self.manifest_path) as f:
            return json.load(f)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump({"format": FORMAT_VERSION, **_jsonable(manifest)}, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.manifest_path)

    def read_rounds(self) -> list[dict[str, Any]]:
        """All complete rounds; a torn last line (a killed writer) is ignored."""
        if not self.rounds_path.exists():
            return []
        rounds = []
        with open(self.rounds_path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    rounds.append(json.loads(line))
                except json.JSONDecodeError:
                    break
        return rounds

    def append_round(self, record: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._drop_torn_tail()
        with open(self.rounds_path, "a") as f:
            f.write(json.dumps(_jsonable(record)) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _drop_torn_tail(self) -> None:
        """Cut a partial last line left by a killed writer, so appends stay parseable."""
        path = self.rounds_path
        if not path.exists() or path.stat().st_size == 0:
            return
        with open(path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) == b"\n":
                return
            data = path.read_bytes()
            f.truncate(data.rfind(b"\n") + 1)


def history_frame(rounds: list[dict[str, Any]]):
    """One row per measured candidate of ``rounds`` (see :data:`HISTORY_COLUMNS`)."""
    import pandas as pd

    rows = []
    for rnd in rounds:
        for cand in rnd.get("candidates", []):
            rows.append({**cand, "round": rnd["round"], "cost_model": rnd.get("cost_model")})
    frame = pd.DataFrame(rows)
    extra = [c for c in frame.columns if c not in HISTORY_COLUMNS]
    for col in HISTORY_COLUMNS:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="float64")
    return frame[HISTORY_COLUMNS + extra].reset_index(drop=True)


def rounds_frame(rounds: list[dict[str, Any]]):
    """One row per round: counts, best so far, phase times (``*_s``) and ``model_*`` metrics."""
    import pandas as pd

    rows = []
    for rnd in rounds:
        cands = rnd.get("candidates", [])
        row = {
            "round": rnd["round"],
            "cost_model": rnd.get("cost_model"),
            "search_mode": rnd.get("search_mode", "evolve"),
            "sampled": rnd.get("sampled"),
            "proposed": rnd.get("proposed"),
            "duplicates": rnd.get("duplicates"),
            "measured": len(cands),
            "errors": sum(1 for c in cands if c.get("error")),
            "trials": rnd.get("trials"),
            "best_gflops": rnd.get("best_gflops"),
            "elapsed_s": rnd.get("elapsed_s"),
        }
        row.update({f"{k}_s": v for k, v in rnd.get("times", {}).items()})
        row.update({f"model_{k}": v for k, v in (rnd.get("model") or {}).items()})
        rows.append(row)
    return pd.DataFrame(rows)
