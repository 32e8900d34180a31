"""Names of MetaSchedule's 164 per-store feature dimensions.

The layout follows TVM's ``src/s_tir/meta_schedule/feature_extractor/per_store_feature.cc``
(``PerStoreFeature`` with its defaults: 5 buffers per store, 10 arithmetic-intensity samples).
Every count and length is stored as ``log2(1 + x)``; one-hot fields are 0/1.

- group 1, computation (57): 16 arithmetic-op counts (float and int mad, add/sub, mul,
  div/mod, cmp, math func, other func; bool ops, selects), then for each of vectorize, unroll
  and parallel loops: number, product and innermost length of the annotated loops and an
  8-way one-hot position; then GPU: is_gpu, blockIdx.x/y/z, threadIdx.x/y/z, vthread lengths;
- group 2, buffer access (5 x 18 = 90): per accessed buffer (``buf0`` .. ``buf4``, in the
  extractor's order; absent buffers are zero): access type one-hot (read, write, read-write),
  bytes, unique bytes, cache lines, unique lines, reuse type one-hot (loop multiple read,
  serial multiple read-write, no reuse), reuse distance in iterations and bytes, reuse count,
  bytes / unique bytes / lines / unique lines per reuse, stride;
- group 3, arithmetic intensity curve (10): FLOPs per unique byte at 10 points of the loop nest;
- group 4, allocation (4): allocated bytes, allocation product, product of outer loops, and
  outer product over that;
- group 5, outer loops (3): product of outer loop lengths, number of loops, auto-unroll max step.
"""

from __future__ import annotations

__all__ = ["FEATURE_NAMES", "FEATURE_GROUPS", "feature_group"]

_ARITH = [
    f"{kind}_{op}"
    for kind in ("float", "int")
    for op in ("mad", "add_sub", "mul", "div_mod", "cmp", "math_func", "other_func")
] + ["bool_op", "select_op"]

_POS = [
    "none",
    "inner_spatial",
    "middle_spatial",
    "outer_spatial",
    "inner_reduce",
    "middle_reduce",
    "outer_reduce",
    "mixed",
]

_FOR_KIND = [
    f"{kind}_{field}"
    for kind in ("vectorize", "unroll", "parallel")
    for field in ["num", "prod", "len", *(f"pos_{p}" for p in _POS)]
]

_GPU = [
    "is_gpu",
    "blockIdx_x_len",
    "blockIdx_y_len",
    "blockIdx_z_len",
    "threadIdx_x_len",
    "threadIdx_y_len",
    "threadIdx_z_len",
    "vthread_len",
]

_BUFFER = [
    "acc_read",
    "acc_write",
    "acc_read_write",
    "bytes",
    "unique_bytes",
    "lines",
    "unique_lines",
    "reuse_loop_multiple_read",
    "reuse_serial_multiple_read_write",
    "reuse_none",
    "reuse_dis_iter",
    "reuse_dis_bytes",
    "reuse_ct",
    "bytes_d_reuse_ct",
    "unique_bytes_d_reuse_ct",
    "lines_d_reuse_ct",
    "unique_lines_d_reuse_ct",
    "stride",
]

#: (group name, feature names) in the order of the feature vector.
FEATURE_GROUPS: list[tuple[str, list[str]]] = [
    ("computation", _ARITH + _FOR_KIND + _GPU),
    ("buffer_access", [f"buf{i}.{name}" for i in range(5) for name in _BUFFER]),
    ("arith_intensity", [f"arith_intensity_curve_{i}" for i in range(10)]),
    (
        "allocation",
        ["alloc_size", "alloc_prod", "alloc_outer_prod", "alloc_inner_prod"],
    ),
    ("outer_loops", ["outer_prod", "num_loops", "auto_unroll_max_step"]),
]

#: The 164 names, in the order of ``PerStoreFeature``'s vector.
FEATURE_NAMES: list[str] = [name for _, names in FEATURE_GROUPS for name in names]


def feature_group(index: int) -> str:
    """The group name of feature dimension ``index``."""
    start = 0
    for group, names in FEATURE_GROUPS:
        if index < start + len(names):
            return group
        start += len(names)
    raise IndexError(index)
