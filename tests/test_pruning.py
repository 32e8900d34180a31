"""Pruning rules on hand-built schedules, and inside a real tuning session."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pytest

import workbench as wb
from workbench.errors import WorkbenchError
from workbench.pruning import RULES, Candidate, Rule, TargetFacts, available, get

from .conftest import FAST, TINY

CPU = TargetFacts(kind="cpu", cores=2, simd_lanes=16)
GPU = TargetFacts(
    kind="gpu",
    warp_size=64,
    max_threads_per_block=1024,
    max_shared_memory_per_block=65536,
    compute_units=8,
)


def matmul_schedule(
    i=(2, 2, 4, 4), j=(2, 2, 2, 8), k=(16, 4), parallel=True, vector=True, unroll=None
):
    """A hand-built SSRSRS tiling of a 64^3 matmul with chosen decisions."""
    import tvm

    sch = tvm.s_tir.Schedule(wb.workload(TINY).mod)
    block = sch.get_sblock("C")
    sch.annotate(block, "meta_schedule.tiling_structure", "SSRSRS")
    li, lj, lk = sch.get_loops(block)
    i0, i1, i2, i3 = sch.split(li, sch.sample_perfect_tile(li, n=4, decision=list(i)))
    j0, j1, j2, j3 = sch.split(lj, sch.sample_perfect_tile(lj, n=4, decision=list(j)))
    k0, k1 = sch.split(lk, sch.sample_perfect_tile(lk, n=2, decision=list(k)))
    sch.reorder(i0, j0, i1, j1, k0, i2, j2, k1, i3, j3)
    outer = sch.fuse(i0, j0)
    if parallel:
        sch.parallel(outer)
    if vector:
        sch.vectorize(j3)
    if unroll is not None:
        options = [0, 16, 64, 512]
        sch.sample_categorical(options, [0.25] * 4, decision=options.index(unroll))
        sch.annotate(i2, "pragma_auto_unroll_max_step", unroll)
    return Candidate(sch)


def gpu_schedule(threads=(64,), blocks=(64,), shared=False):
    import tvm

    sch = tvm.s_tir.Schedule(wb.workload(TINY).mod)
    block = sch.get_sblock("C")
    if shared:
        sch.cache_read(block, 0, "shared")
    li, lj, _ = sch.get_loops(block)
    fused = sch.fuse(li, lj)
    total_threads = 1
    for t in threads:
        total_threads *= t
    nb = 4096 // total_threads
    bx, *tx = sch.split(fused, [nb, *threads])
    sch.bind(bx, "blockIdx.x")
    for loop, tag in zip(tx, ["threadIdx.x", "threadIdx.y"]):
        sch.bind(loop, tag)
    return Candidate(sch)


CASES = {
    # rule: (candidate it must prune, candidate it must keep, facts)
    "enough-parallelism": (
        lambda: matmul_schedule(parallel=False),
        lambda: matmul_schedule(),
        CPU,
    ),
    "balanced-parallelism": (
        lambda: matmul_schedule(i=(1, 4, 4, 4), j=(1, 4, 2, 8)),
        lambda: matmul_schedule(i=(4, 1, 4, 4), j=(4, 1, 2, 8)),
        TargetFacts(kind="cpu", cores=3, simd_lanes=16),
    ),
    "vector-aligned-inner-tile": (
        lambda: matmul_schedule(j=(2, 2, 4, 4)),
        lambda: matmul_schedule(j=(2, 2, 1, 16)),
        CPU,
    ),
    "register-tile-fits": (
        lambda: matmul_schedule(i=(1, 1, 2, 32), j=(1, 1, 1, 64)),
        lambda: matmul_schedule(i=(2, 2, 4, 4), j=(2, 2, 1, 16)),
        CPU,
    ),
    "l1-output-tile-fits": (
        lambda: matmul_schedule(i=(1, 1, 64, 1), j=(1, 1, 1, 64), k=(8, 8)),
        lambda: matmul_schedule(i=(4, 4, 4, 1), j=(4, 1, 1, 16)),
        CPU,
        {"l1_bytes": 8 * 1024},  # the 64x64 float output tile is 16 KiB
    ),
    "reduction-inner-tile-range": (
        lambda: matmul_schedule(k=(64, 1)),
        lambda: matmul_schedule(k=(4, 16)),
        CPU,
    ),
    "pointless-unroll": (
        # the nest under the annotated loop i2 is j2*k1*i3*j3 = 1*2*1*8 = 16 iterations:
        # a limit of 512 unrolls exactly what 16 (and 64) already do
        lambda: matmul_schedule(i=(4, 4, 4, 1), j=(2, 4, 1, 8), k=(32, 2), unroll=512),
        lambda: matmul_schedule(i=(4, 4, 4, 1), j=(2, 4, 1, 8), k=(32, 2), unroll=16),
        CPU,
    ),
    "threads-multiple-of-warp": (
        lambda: gpu_schedule(threads=(32,)),
        lambda: gpu_schedule(threads=(128,)),
        GPU,
    ),
    "threads-within-limit": (
        lambda: gpu_schedule(threads=(2048,)),
        lambda: gpu_schedule(threads=(256,)),
        GPU,
    ),
    "shared-memory-limit": (
        lambda: gpu_schedule(shared=True),
        lambda: gpu_schedule(shared=False),
        TargetFacts(kind="gpu", max_shared_memory_per_block=8192),
    ),
    "enough-blocks": (
        lambda: gpu_schedule(threads=(1024,)),
        lambda: gpu_schedule(threads=(64,)),
        TargetFacts(kind="gpu", warp_size=64, compute_units=16),
    ),
}


def test_every_rule_has_cases_and_enough_rules_per_target():
    assert set(CASES) == set(RULES)
    assert len(available("cpu")) >= 6 and len(available("gpu")) >= 3


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_prunes_and_keeps(name):
    bad, good, facts, *params = CASES[name]
    rule = get(name, **(params[0] if params else {}))
    assert rule.rationale and rule.name == name
    assert rule.prunes(bad(), facts), f"{name} kept a candidate it must prune"
    assert not rule.prunes(good(), facts), f"{name} pruned a candidate it must keep"


def test_rule_parameters_and_errors():
    assert not get("vector-aligned-inner-tile", lanes=4).prunes(
        matmul_schedule(j=(2, 2, 4, 4)), CPU
    )
    # 4 of 8 lanes idle is a waste of 0.5: pruned by default, kept when up to half may idle
    assert get("vector-aligned-inner-tile").prunes(matmul_schedule(j=(2, 2, 4, 4)), CPU)
    assert not get("vector-aligned-inner-tile", max_waste=0.5).prunes(
        matmul_schedule(j=(2, 2, 4, 4)), CPU
    )
    with pytest.raises(WorkbenchError, match="unknown parameter"):
        get("vector-aligned-inner-tile", width=4)
    with pytest.raises(WorkbenchError, match="unknown pruning rule 'nope'"):
        get("nope")


def test_session_prunes_inside_the_search_and_records_it():
    rules = ["vector-aligned-inner-tile", "reduction-inner-tile-range"]
    with wb.Session("matmul:M=128,N=128,K=128", pruning=rules, **FAST) as s:
        assert s.pruning.enabled == sorted(rules)
        r = s.step()
        assert r.pruned and set(r.pruned) <= set(rules)
        assert sum(r.pruned.values()) == sum(sum(v.values()) for v in r.pruned_by_sketch.values())
        assert r.sampled >= r.proposed + sum(r.pruned.values())
        # a bounded sample of pruned candidates with the rule that fired
        assert 0 < len(r.pruned_samples) <= len(rules) * s.pruning.sample_size
        assert set(s.pruned["rule"]) <= set(rules)
        # no measured candidate breaks an enabled rule
        sch_rules = [get(n) for n in rules]
        facts = s.pruning.facts
        import tvm

        for rec in s.database.get_all_tuning_records():
            sch = tvm.s_tir.Schedule(s.task.mod)
            rec.trace.apply_to_schedule(sch, remove_postproc=False)
            assert not any(rule.prunes(Candidate(sch), facts) for rule in sch_rules)


def test_toggling_takes_effect_from_the_next_round():
    with wb.Session("matmul:M=128,N=128,K=128", **FAST) as s:
        assert s.step().pruned == {}
        s.pruning.enable("vector-aligned-inner-tile")
        assert s.step().pruned.get("vector-aligned-inner-tile", 0) > 0
        s.pruning.disable("vector-aligned-inner-tile")
        r = s.step()
        assert r.pruned == {} and r.pruning_enabled == []
        with pytest.raises(WorkbenchError, match="applies to gpu targets"):
            s.pruning.enable("threads-multiple-of-warp")
        with pytest.raises(WorkbenchError, match="unknown pruning rule"):
            s.pruning.disable("no-such-rule")


@dataclass
class PruneEverything(Rule):
    name = "prune-everything"
    rationale = "test rule"
    targets = ("cpu",)

    def prunes(self, cand, facts):
        return True


def test_rules_that_leave_nothing_are_relaxed_with_a_warning():
    with wb.Session(TINY, **FAST) as s:
        s.pruning.enable(PruneEverything())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = s.step()
        assert r.relaxed == ["prune-everything"]
        assert r.measured > 0
        assert any("left no candidate" in str(w.message) for w in caught)
        assert "prune-everything" not in s.pruning.enabled


def test_audit_measures_pruned_candidates():
    with wb.Session(
        "matmul:M=128,N=128,K=128", pruning=["vector-aligned-inner-tile"], audit=2, **FAST
    ) as s:
        s.run(16)
        audited = s.pruned[s.pruned["audited"] == True]  # noqa: E712
        assert 1 <= len(audited) <= 4
        assert audited["gflops"].notna().all()
        report = s.pruning_report().set_index("rule")
        assert report.loc["vector-aligned-inner-tile", "audited"] == len(audited)
        assert 0.0 <= report.loc["vector-aligned-inner-tile", "precision"] <= 1.0
        # audited candidates are neither in the history nor in the database
        assert len(s.history) == s.trials == len(s.database.get_all_tuning_records())


@dataclass
class AlsoPruneEverything(PruneEverything):
    name = "also-prune-everything"


def test_audit_samples_take_turns_over_the_rules():
    from workbench.pruning import Pruning

    p = Pruning(CPU, enabled=[PruneEverything()], audit=2)
    for _ in range(3):
        assert not p.check(matmul_schedule().sch)
    p.disable("prune-everything")
    p.enable(AlsoPruneEverything())
    for _ in range(3):
        assert not p.check(matmul_schedule().sch)
    assert [r for r, _, _ in p.audit_samples(2)] == ["also-prune-everything", "prune-everything"]
    assert [r for r, _, _ in p.audit_samples(3, start=1)] == [
        "prune-everything",
        "also-prune-everything",
        "prune-everything",
    ]
    assert len(p.audit_samples(100)) == 6 and p.audit_samples(0) == []


def test_pruning_settings_persist_and_resume(tmp_path):
    with wb.Session(TINY, work_dir=tmp_path, pruning=["pointless-unroll"], **FAST) as s:
        s.step()
    with wb.Session.open(tmp_path) as s:
        assert s.pruning.enabled == ["pointless-unroll"]


def test_vector_rule_judges_idle_lanes():
    """7 of 8 lanes busy is kept (a multiple-of-8 test pruned it); a narrow vectorized stage
    is pruned wherever it is, a wide one with a short tail is kept."""
    import tvm

    rule = get("vector-aligned-inner-tile")

    def schedule(j, write_back_vector=None):
        sch = tvm.s_tir.Schedule(wb.workload("matmul:M=64,N=56,K=64").mod)
        block = sch.get_sblock("C")
        if write_back_vector:
            wb_block = sch.cache_write(block, 0, "global")
            _, wj = sch.get_loops(wb_block)
            _, wj1 = sch.split(wj, [None, write_back_vector])
            sch.vectorize(wj1)
        li, lj, lk = sch.get_loops(block)
        j0, j1 = sch.split(lj, list(j))
        sch.reorder(li, j0, lk, j1)
        sch.vectorize(j1)
        return Candidate(sch)

    assert not rule.prunes(schedule((8, 7)), CPU)
    assert not rule.prunes(schedule((4, 14)), CPU)
    assert rule.prunes(schedule((28, 2)), CPU)
    assert rule.prunes(schedule((7, 8), write_back_vector=2), CPU)
    assert not rule.prunes(schedule((7, 8), write_back_vector=28), CPU)
