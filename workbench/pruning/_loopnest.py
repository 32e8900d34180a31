"""A compact view of a scheduled PrimFunc's loop nest, for pruning rules and the sketch view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Loop:
    """One loop: its variable name, constant extent (None when symbolic) and kind."""

    name: str
    extent: int | None
    kind: str  # serial, parallel, vectorized, unrolled, thread_binding
    thread: str | None = None  # threadIdx.x, blockIdx.y, ... for thread_binding loops
    annotations: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BlockNest:
    """A block and the loops around it, outermost first."""

    block: str
    loops: tuple[Loop, ...]
    is_reduction: bool = False


@dataclass
class LoopNest:
    """Every block of a function with its loops, plus buffer allocations by scope."""

    blocks: list[BlockNest]
    allocations: list[tuple[str, str, int]]  # (buffer name, scope, bytes)

    def loops(self) -> list[Loop]:
        """Every distinct loop, in order of first appearance."""
        seen: dict[str, Loop] = {}
        for b in self.blocks:
            for lp in b.loops:
                seen.setdefault(lp.name, lp)
        return list(seen.values())

    def by_kind(self, kind: str) -> list[Loop]:
        return [lp for lp in self.loops() if lp.kind == kind]

    def threads(self, prefix: str) -> dict[str, int]:
        """Extents of loops bound to ``threadIdx``/``blockIdx`` axes, by thread tag."""
        out: dict[str, int] = {}
        for lp in self.loops():
            if lp.thread and lp.thread.startswith(prefix) and lp.extent is not None:
                out[lp.thread] = max(out.get(lp.thread, 1), lp.extent)
        return out

    def shared_bytes(self) -> int:
        """Bytes of shared memory allocated (as written in the schedule; see
        :func:`compacted_shared_bytes` for the per-block footprint after lowering)."""
        return sum(b for _, scope, b in self.allocations if scope.startswith("shared"))


_KINDS = {0: "serial", 1: "parallel", 2: "vectorized", 3: "unrolled", 4: "thread_binding"}


def _kind(node: Any) -> str:
    kind = node.kind
    try:
        return _KINDS[int(kind)]
    except (TypeError, ValueError, KeyError):
        text = str(kind).lower()
        for name in ("parallel", "vectorized", "unrolled", "thread_binding"):
            if name.split("_")[0] in text:
                return name
        return "serial"


def _extent(node: Any) -> int | None:
    try:
        return int(node.extent)
    except (TypeError, ValueError):
        return None


def _dtype_bytes(dtype: Any) -> int:
    text = str(dtype)
    digits = "".join(ch for ch in text if ch.isdigit())
    bits = int(digits) if digits else 32
    lanes = 1
    if "x" in text:
        try:
            lanes = int(text.split("x")[-1])
        except ValueError:
            lanes = 1
    return max(1, bits // 8) * lanes


def loop_nest(func: Any) -> LoopNest:
    """Walk a PrimFunc (or an IRModule's ``main``) and collect blocks, loops and allocations."""
    from tvm import tirx

    if hasattr(func, "functions_items"):
        func = func["main"]
    blocks: list[BlockNest] = []
    allocs: list[tuple[str, str, int]] = []

    def visit(stmt: Any, stack: tuple[Loop, ...]) -> None:
        if stmt is None:
            return
        if isinstance(stmt, tirx.For):
            binding = getattr(stmt, "thread_binding", None)
            loop = Loop(
                name=str(stmt.loop_var.name),
                extent=_extent(stmt),
                kind=_kind(stmt),
                thread=str(binding.thread_tag) if binding is not None else None,
                annotations={str(k): v for k, v in stmt.annotations.items()},
            )
            visit(stmt.body, (*stack, loop))
            return
        block = getattr(stmt, "block", None)
        if block is not None and hasattr(stmt, "iter_values"):  # SBlockRealize
            for buf in block.alloc_buffers:
                size = 1
                for dim in buf.shape:
                    try:
                        size *= int(dim)
                    except (TypeError, ValueError):
                        size = 0
                allocs.append((str(buf.name), str(buf.scope()), size * _dtype_bytes(buf.dtype)))
            name = str(block.name_hint)
            if name != "root":
                reduction = any(int(iv.iter_type) == 2 for iv in block.iter_vars)
                blocks.append(BlockNest(name, stack, reduction))
            visit(block.init, stack) if getattr(block, "init", None) is not None else None
            visit(block.body, stack)
            return
        seq = getattr(stmt, "seq", None)
        if seq is not None:
            for s in seq:
                visit(s, stack)
            return
        for attr in ("body", "then_case", "else_case"):
            child = getattr(stmt, attr, None)
            if child is not None:
                visit(child, stack)

    visit(func.body, ())
    return LoopNest(blocks, allocs)


def compacted_shared_bytes(mod: Any) -> int:
    """Shared memory per thread block once each buffer is compacted to the region a block uses.

    A schedule allocates cache buffers at their full shape; TVM's lowering shrinks them to the
    tile a block touches. This runs those lowering steps and sums the shared allocations.
    """
    import tvm
    from tvm.s_tir import transform as st

    seq = tvm.transform.Sequential(
        [
            st.LowerInitBlock(),
            st.PlanAndUpdateBufferAllocationLocation(),
            st.ConvertBlocksToOpaque(),
            st.CompactBufferAllocation(),
        ]
    )
    lowered = seq(mod)
    return loop_nest(lowered).shared_bytes()
