from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.errors import WorkbenchError
from workbench.workloads import available, describe

SMALL = {
    "matmul": "matmul:M=8,N=12,K=16",
    "batch_matmul": "batch_matmul:B=2,M=8,N=12,K=16",
    "dense": "dense:M=4,N=12,K=16,bias=1,relu=1",
    "conv2d": "conv2d:N=1,C=3,H=9,W=9,K=4,R=3,S=3,stride=2,pad=1",
    "conv2d_nhwc": "conv2d_nhwc:N=1,C=3,H=8,W=8,K=4,R=3,S=3,stride=1,pad=1",
    "depthwise_conv2d": "depthwise_conv2d:N=1,C=4,H=8,W=8,R=3,S=3,stride=1,pad=1",
}


def test_every_operator_has_a_small_case():
    assert set(SMALL) == set(available())


@pytest.mark.parametrize("op", sorted(SMALL))
def test_unscheduled_function_matches_numpy(op):
    import tvm

    task = wb.workload(SMALL[op])
    lib = tvm.compile(task.mod, target="llvm")
    err = task.check(lib)
    assert err < 1e-4


def test_check_catches_a_wrong_kernel():
    import tvm

    # dense computes X @ W^T: same shapes as matmul, different numbers
    wrong = tvm.compile(wb.workload("dense:M=8,N=8,K=8").mod, target="llvm")
    with pytest.raises(AssertionError, match="differs from NumPy"):
        wb.workload("matmul:M=8,N=8,K=8").check(wrong)


@pytest.mark.parametrize(
    "spec,flops",
    [
        ("matmul:M=512,N=512,K=512", 2 * 512**3),
        ("batch_matmul:B=4,M=32,N=16,K=8", 2 * 4 * 32 * 16 * 8),
        ("dense:M=1,N=1000,K=2048", 2 * 1000 * 2048),
        ("conv2d:N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1", 2 * 64 * 56 * 56 * 64 * 9),
        ("depthwise_conv2d:N=1,C=32,H=112,W=112,R=3,S=3,stride=2,pad=1", 2 * 32 * 56 * 56 * 9),
    ],
)
def test_flops(spec, flops):
    assert wb.workload(spec).flops == flops


def test_spec_is_canonical_with_defaults():
    task = wb.workload(" conv2d: C=3,H=8,W=8,K=4,R=3,S=3 ")
    assert task.spec == "conv2d:N=1,C=3,H=8,W=8,K=4,R=3,S=3,stride=1,pad=0"
    assert wb.workload(task.spec).spec == task.spec


@pytest.mark.parametrize(
    "spec,words",
    [
        ("gemm:M=1", ["unknown workload 'gemm'", "matmul", "conv2d"]),
        ("matmul:M=64,N=64", ["missing parameter(s) K", "matmul:M=64,N=64,K=64"]),
        ("matmul:M=64,N=64,K=64,Q=3", ["unknown parameter 'Q'", "M, N, K"]),
        ("matmul:M=x,N=64,K=64", ["M='x' is not an integer"]),
        ("matmul:M=0,N=64,K=64", ["M=0 must be >= 1"]),
        ("matmul:M=1,M=2,N=64,K=64", ["given twice"]),
        ("conv2d:C=3,H=2,W=2,K=4,R=5,S=5", ["larger than the padded input"]),
        ("dense:M=1,N=2,K=3,bias=2", ["bias and relu take 0 or 1"]),
        ("", ["a workload spec is a string"]),
    ],
)
def test_bad_specs_name_the_problem(spec, words):
    with pytest.raises(WorkbenchError) as info:
        wb.workload(spec)
    for word in words:
        assert word in str(info.value)


def test_describe_lists_parameters_and_examples():
    rows = {r["workload"]: r for r in describe()}
    assert "stride=1" in rows["conv2d"]["parameters"]
    for row in rows.values():
        wb.workload(row["example"])  # every example parses


def test_reference_is_independent_of_layout():
    nchw = wb.workload("conv2d:N=1,C=3,H=6,W=6,K=2,R=3,S=3,pad=1")
    nhwc = wb.workload("conv2d_nhwc:N=1,C=3,H=6,W=6,K=2,R=3,S=3,pad=1")
    x, w = nchw.make_inputs(1)
    a = nchw.reference([x, w])
    b = nhwc.reference([x.transpose(0, 2, 3, 1), w.transpose(2, 3, 1, 0)])
    np.testing.assert_allclose(a, b.transpose(0, 3, 1, 2), rtol=1e-10)
