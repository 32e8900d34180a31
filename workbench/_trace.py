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
