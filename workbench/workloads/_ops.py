"""Operator definitions: TE compute, FLOP count and NumPy reference of each workload."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Param:
    """One integer parameter of an operator spec."""

    name: str
    help: str
    default: int | None = None  # None: required
    minimum: int = 1


@dataclass(frozen=True)
class OpDef:
    """An operator family: parameters, TE definition, FLOPs and NumPy reference."""

    name: str
    description: str
    params: tuple[Param, ...]
    build_te: Callable[[dict[str, int]], list]  # -> [inputs..., output]
    flops: Callable[[dict[str, int]], float]
    reference: Callable[[dict[str, int], list[np.ndarray]], np.ndarray]
    input_shapes: Callable[[dict[str, int]], list[tuple[int, ...]]]
    check: Callable[[dict[str, int]], str | None] = field(default=lambda p: None)


def _out_size(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


def _conv_check(p: dict[str, int]) -> str | None:
    if (
        _out_size(p["H"], p["R"], p["stride"], p["pad"]) < 1
        or _out_size(p["W"], p["S"], p["stride"], p["pad"]) < 1
    ):
        return "the kernel (R, S) is larger than the padded input (H, W): the output would be empty"
    return None


# --------------------------------------------------------------------------- matmul family
def _matmul_te(p):
    from tvm import te

    M, N, K = p["M"], p["N"], p["K"]
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    return [A, B, C]


def _batch_matmul_te(p):
    from tvm import te

    Bn, M, N, K = p["B"], p["M"], p["N"], p["K"]
    A = te.placeholder((Bn, M, K), name="A")
    B = te.placeholder((Bn, K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((Bn, M, N), lambda b, i, j: te.sum(A[b, i, k] * B[b, k, j], axis=k), name="C")
    return [A, B, C]


def _dense_te(p):
    from tvm import te

    M, N, K = p["M"], p["N"], p["K"]
    X = te.placeholder((M, K), name="X")
    W = te.placeholder((N, K), name="W")
    k = te.reduce_axis((0, K), name="k")
    Y = te.compute((M, N), lambda i, j: te.sum(X[i, k] * W[j, k], axis=k), name="Y")
    args = [X, W]
    if p["bias"]:
        bias = te.placeholder((N,), name="bias")
        Y = te.compute((M, N), lambda i, j: Y[i, j] + bias[j], name="Y_bias")
        args.append(bias)
    if p["relu"]:
        Y = te.compute((M, N), lambda i, j: te.max(Y[i, j], 0.0), name="Y_relu")
    return [*args, Y]


def _dense_ref(p, xs):
    y = xs[0] @ xs[1].T
    if p["bias"]:
        y = y + xs[2]
    if p["relu"]:
        y = np.maximum(y, 0)
    return y


# --------------------------------------------------------------------------- convolutions
def _pad_te(data, pad, layout):
    from tvm import te

    if pad == 0:
        return data
    if layout == "NCHW":
        n, c, h, w = data.shape
        return te.compute(
            (n, c, h + 2 * pad, w + 2 * pad),
            lambda a, b, y, x: te.if_then_else(
                te.all(y >= pad, y < h + pad, x >= pad, x < w + pad),
                data[a, b, y - pad, x - pad],
                0.0,
            ),
            name="pad",
        )
    n, h, w, c = data.shape
    return te.compute(
        (n, h + 2 * pad, w + 2 * pad, c),
        lambda a, y, x, b: te.if_then_else(
            te.all(y >= pad, y < h + pad, x >= pad, x < w + pad),
            data[a, y - pad, x - pad, b],
            0.0,
        ),
        name="pad",
    )


def _conv2d_te(p):
    from tvm import te

    N, C, H, W, K, R, S, st, pad = (
        p[x] for x in ("N", "C", "H", "W", "K", "R", "S", "stride", "pad")
    )
    P, Q = _out_size(H, R, st, pad), _out_size(W, S, st, pad)
    data = te.placeholder((N, C, H, W), name="data")
    kernel = te.placeholder((K, C, R, S), name="kernel")
    padded = _pad_te(data, pad, "NCHW")
    c = te.reduce_axis((0, C), name="c")
    r = te.reduce_axis((0, R), name="r")
    s = te.reduce_axis((0, S), name="s")
    out = te.compute(
        (N, K, P, Q),
        lambda n, k, y, x: te.sum(
            padded[n, c, y * st + r, x * st + s] * kernel[k, c, r, s], axis=[c, r, s]
        ),
        name="conv2d_nchw",
    )
    return [data, kernel, out]


def _conv2d_nhwc_te(p):
    from tvm import te

    N, C, H, W, K, R, S, st, pad = (
        p[x] for x in ("N", "C", "H", "W", "K", "R", "S", "stride", "pad")
    )
    P, Q = _out_size(H, R, st, pad), _out_size(W, S, st, pad)
    data = te.placeholder((N, H, W, C), name="data")
    kernel = te.placeholder((R, S, C, K), name="kernel")
    padded = _pad_te(data, pad, "NHWC")
    c = te.reduce_axis((0, C), name="c")
    r = te.reduce_axis((0, R), name="r")
    s = te.reduce_axis((0, S), name="s")
    out = te.compute(
        (N, P, Q, K),
        lambda n, y, x, k: te.sum(
            padded[n, y * st + r, x * st + s, c] * kernel[r, s, c, k], axis=[r, s, c]
        ),
        name="conv2d_nhwc",
    )
    return [data, kernel, out]


def _depthwise_te(p):
    from tvm import te

    N, C, H, W, R, S, st, pad = (p[x] for x in ("N", "C", "H", "W", "R", "S", "stride", "pad"))
    P, Q = _out_size(H, R, st, pad), _out_size(W, S, st, pad)
    data = te.placeholder((N, C, H, W), name="data")
    kernel = te.placeholder((C, 1, R, S), name="kernel")
    padded = _pad_te(data, pad, "NCHW")
    r = te.reduce_axis((0, R), name="r")
    s = te.reduce_axis((0, S), name="s")
    out = te.compute(
        (N, C, P, Q),
        lambda n, c, y, x: te.sum(
            padded[n, c, y * st + r, x * st + s] * kernel[c, 0, r, s], axis=[r, s]
        ),
        name="depthwise_conv2d_nchw",
    )
    return [data, kernel, out]


def _pad_np(x: np.ndarray, pad: int, spatial: tuple[int, int]) -> np.ndarray:
    widths = [(0, 0)] * x.ndim
    for axis in spatial:
        widths[axis] = (pad, pad)
    return np.pad(x, widths)


def _conv2d_ref(p, xs):
    data, kernel = xs
    st, R, S = p["stride"], p["R"], p["S"]
    xp = _pad_np(data, p["pad"], (2, 3))
    P = _out_size(p["H"], R, st, p["pad"])
    Q = _out_size(p["W"], S, st, p["pad"])
    out = np.zeros((p["N"], p["K"], P, Q), dtype=np.float64)
    for r in range(R):
        for s in range(S):
            window = xp[:, :, r : r + st * P : st, s : s + st * Q : st]
            out += np.einsum("ncpq,kc->nkpq", window, kernel[:, :, r, s])
    return out


def _conv2d_nhwc_ref(p, xs):
    data, kernel = xs
    nchw = _conv2d_ref(p, [data.transpose(0, 3, 1, 2), kernel.transpose(3, 2, 0, 1)])
    return nchw.transpose(0, 2, 3, 1)


def _depthwise_ref(p, xs):
    data, kernel = xs
    st, R, S = p["stride"], p["R"], p["S"]
    xp = _pad_np(data, p["pad"], (2, 3))
    P = _out_size(p["H"], R, st, p["pad"])
    Q = _out_size(p["W"], S, st, p["pad"])
    out = np.zeros((p["N"], p["C"], P, Q), dtype=np.float64)
    for r in range(R):
        for s in range(S):
            window = xp[:, :, r : r + st * P : st, s : s + st * Q : st]
            out += window * kernel[None, :, 0, r, s, None, None]
    return out


def _conv_out(p):
    return _out_size(p["H"], p["R"], p["stride"], p["pad"]) * _out_size(
        p["W"], p["S"], p["stride"], p["pad"]
    )


_CONV_PARAMS = (
    Param("N", "batch size", 1),
    Param("C", "input channels"),
    Param("H", "input height"),
    Param("W", "input width"),
    Param("K", "output channels"),
    Param("R", "kernel height"),
    Param("S", "kernel width"),
    Param("stride", "stride (both axes)", 1),
    Param("pad", "zero padding (both sides, both axes)", 0, minimum=0),
)

OPS: dict[str, OpDef] = {
    op.name: op
    for op in [
        OpDef(
            "matmul",
            "C[M,N] = A[M,K] @ B[K,N], float32",
            (
                Param("M", "rows of A and C"),
                Param("N", "columns of B and C"),
                Param("K", "reduction length"),
            ),
            _matmul_te,
            lambda p: 2.0 * p["M"] * p["N"] * p["K"],
            lambda p, xs: xs[0] @ xs[1],
            lambda p: [(p["M"], p["K"]), (p["K"], p["N"])],
        ),
        OpDef(
            "batch_matmul",
            "C[B,M,N] = A[B,M,K] @ B[B,K,N], float32",
            (
                Param("B", "batch size"),
                Param("M", "rows"),
                Param("N", "columns"),
                Param("K", "reduction length"),
            ),
            _batch_matmul_te,
            lambda p: 2.0 * p["B"] * p["M"] * p["N"] * p["K"],
            lambda p, xs: np.matmul(xs[0], xs[1]),
            lambda p: [(p["B"], p["M"], p["K"]), (p["B"], p["K"], p["N"])],
        ),
        OpDef(
            "dense",
            "Y[M,N] = X[M,K] @ W[N,K]^T (+ bias[N]) (relu), float32",
            (
                Param("M", "batch rows"),
                Param("N", "output features"),
                Param("K", "input features"),
                Param("bias", "add a bias vector (0 or 1)", 0, minimum=0),
                Param("relu", "apply ReLU (0 or 1)", 0, minimum=0),
            ),
            _dense_te,
            lambda p: 2.0 * p["M"] * p["N"] * p["K"] + (p["bias"] + p["relu"]) * p["M"] * p["N"],
            _dense_ref,
            lambda p: [(p["M"], p["K"]), (p["N"], p["K"])] + ([(p["N"],)] if p["bias"] else []),
            lambda p: (
                None if p["bias"] in (0, 1) and p["relu"] in (0, 1) else "bias and relu take 0 or 1"
            ),
        ),
        OpDef(
            "conv2d",
            "2-D convolution, NCHW data, KCRS kernel, float32",
            _CONV_PARAMS,
            _conv2d_te,
            lambda p: 2.0 * p["N"] * p["K"] * _conv_out(p) * p["C"] * p["R"] * p["S"],
            _conv2d_ref,
            lambda p: [(p["N"], p["C"], p["H"], p["W"]), (p["K"], p["C"], p["R"], p["S"])],
            _conv_check,
        ),
        OpDef(
            "conv2d_nhwc",
            "2-D convolution, NHWC data, RSCK kernel, float32",
            _CONV_PARAMS,
            _conv2d_nhwc_te,
            lambda p: 2.0 * p["N"] * p["K"] * _conv_out(p) * p["C"] * p["R"] * p["S"],
            _conv2d_nhwc_ref,
            lambda p: [(p["N"], p["H"], p["W"], p["C"]), (p["R"], p["S"], p["C"], p["K"])],
            _conv_check,
        ),
        OpDef(
            "depthwise_conv2d",
            "depthwise 2-D convolution (multiplier 1), NCHW data, C1RS kernel, float32",
            tuple(x for x in _CONV_PARAMS if x.name != "K"),
            _depthwise_te,
            lambda p: 2.0 * p["N"] * p["C"] * _conv_out(p) * p["R"] * p["S"],
            _depthwise_ref,
            lambda p: [(p["N"], p["C"], p["H"], p["W"]), (p["C"], 1, p["R"], p["S"])],
            _conv_check,
        ),
    ]
}
