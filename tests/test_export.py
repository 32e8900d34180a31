from __future__ import annotations

import json

import workbench as wb

from .conftest import TINY


def test_export_writes_a_correct_library_and_replayable_trace(tuned_run, tmp_path):
    import tvm
    import tvm.s_tir.meta_schedule as ms

    out = tmp_path / "export"
    with wb.Session.open(tuned_run) as s:
        paths = s.export(out)
        best = s.best
    task = wb.workload(TINY)

    # the compiled library loads in plain TVM and computes the right numbers
    lib = tvm.runtime.load_module(str(paths["library"]))
    task.check(lib)

    # TVMScript parses back into an IRModule
    script = paths["script"].read_text()
    mod = tvm.script.from_source(script)
    assert isinstance(mod, tvm.IRModule)

    # the trace file defines apply_trace that reproduces the schedule
    namespace: dict = {}
    exec(paths["trace"].read_text(), namespace)
    sch = tvm.s_tir.Schedule(task.mod)
    namespace["apply_trace"](sch)
    task.check(tvm.compile(sch.mod, target="llvm"))

    # the exported database holds exactly the best record and plain TVM applies it
    db = ms.database.JSONDatabase(work_dir=str(paths["database"]))
    records = db.get_all_tuning_records()
    assert len(records) == 1
    assert 1e6 * sum(float(x) for x in records[0].run_secs) / len(records[0].run_secs) == (
        __import__("pytest").approx(best.latency_us, rel=1e-5)
    )
    summary = json.loads(paths["summary"].read_text())
    assert summary["gflops"] == best.gflops and summary["trials"] == 16
