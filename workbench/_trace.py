"""Helpers over MetaSchedule traces: sketch signatures, decisions, rule names."""

from __future__ import annotations

import re
from typing import Any

_DECISION = re.compile(r", decision=.*\)$")
_PARALLEL = re.compile(r'(ann_key="meta_schedule\.(?:parallel|vectorize)", ann_val=)\d+')


def sketch_lines(trace: Any) -> list[str]:
    """The trace's instructions before post-processing, as Python lines without decisions.

    Candidates sampled from one design space share these lines; mutators change only decisions
    and the parallel/vectorize extents, which are masked.
    """
    lines = []
    for line in trace.simplified(remove_postproc=True).as_python(remove_postproc=True):
        line = _DECISION.sub(")", str(line))
        lines.append(_PARALLEL.sub(r"\1_", line))
    return lines


def sketch_signature(trace: Any) -> str:
    """A string equal for every candidate of the same design space."""
    return "\n".join(sketch_lines(trace))


def decisions(trace: Any) -> list[Any]:
    """The sampled decisions in trace order, as plain JSON values."""
    out = []
    for inst in trace.insts:
        if inst.kind.name == "EnterPostproc":
            break
        if inst in trace.decisions:
            out.append(_plain(trace.decisions[inst]))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    try:
        return [_plain(v) for v in value]
    except TypeError:
        pass
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


_RULE_MARKERS = [
    ('ann_key="meta_schedule.tiling_structure"', "MultiLevelTiling"),
    ("sch.cache_write(", "MultiLevelTiling: cache write"),
    ('storage_scope="shared"', "MultiLevelTiling: shared-memory reuse"),
    ("sch.compute_inline(", "AutoInline"),
    ("sch.reverse_compute_inline(", "AutoInline"),
    ("sch.rfactor(", "AddRFactor"),
    ('ann_key="meta_schedule.cross_thread_reduction"', "CrossThreadReduction"),
    ("sch.sample_compute_location(", "RandomComputeLocation"),
    ('ann_key="meta_schedule.parallel"', "ParallelizeVectorizeUnroll"),
    ('ann_key="meta_schedule.unroll_explicit"', "ParallelizeVectorizeUnroll"),
    ('ann_key="meta_schedule.unroll_implicit"', "ParallelizeVectorizeUnroll"),
    ("sch.bind(", "AutoBind"),
    ("sch.tensorize(", "MultiLevelTilingWithIntrin"),
]


def rules_of(trace: Any) -> list[str]:
    """Names of the schedule rules whose instructions appear in a design space's trace."""
    text = "\n".join(str(x) for x in trace.as_python(remove_postproc=True))
    found: list[str] = []
    for marker, rule in _RULE_MARKERS:
        if marker in text and rule not in found:
            found.append(rule)
    return found


_SAMPLERS = ("SamplePerfectTile", "SampleCategorical", "SampleComputeLocation")
_EXTENT_KEYS = ("meta_schedule.parallel", "meta_schedule.vectorize")


def kinds_key(trace: Any) -> tuple[str, ...]:
    """Instruction kinds before post-processing: cheap, equal within a sketch."""
    out = []
    for inst in trace.insts:
        name = inst.kind.name
        if name == "EnterPostproc":
            break
        out.append(name)
    return tuple(out)


def decision_key(trace: Any) -> tuple:
    """What tells two candidates of a sketch apart: decisions and parallel/vectorize extents."""
    decisions = trace.decisions
    out: list[Any] = []
    for inst in trace.insts:
        name = inst.kind.name
        if name == "EnterPostproc":
            break
        if name in _SAMPLERS and inst in decisions:
            out.append(_plain(decisions[inst]))
        elif name == "Annotate" and str(inst.attrs[0]) in _EXTENT_KEYS:
            out.append(_plain(inst.inputs[1]))
    return tuple(tuple(x) if isinstance(x, list) else x for x in out)


class SketchIndex:
    """Finds the sketch a candidate trace came from: by instruction kinds when that is unique,
    by the full decision-free signature otherwise."""

    def __init__(self, traces: list[Any]):
        self._by_kinds: dict[tuple[str, ...], list[int]] = {}
        self._signatures: list[str] = []
        for i, trace in enumerate(traces):
            simple = trace.simplified(remove_postproc=True)
            self._by_kinds.setdefault(kinds_key(simple), []).append(i)
            self._signatures.append(sketch_signature(simple))

    def __call__(self, trace: Any) -> int | None:
        ids = self._by_kinds.get(kinds_key(trace))
        if ids is not None and len(ids) == 1:
            return ids[0]
        sig = sketch_signature(trace)
        for i in ids or range(len(self._signatures)):
            if self._signatures[i] == sig:
                return i
        return None
