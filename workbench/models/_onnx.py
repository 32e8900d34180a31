"""Import a user's ONNX file as a :class:`~workbench.models.Model` (needs the ``onnx`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import WorkbenchError

__all__ = ["load_onnx"]

_ONNX_DTYPES = {
    1: "float32",
    2: "uint8",
    3: "int8",
    6: "int32",
    7: "int64",
    10: "float16",
    11: "float64",
}


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise WorkbenchError(
            "importing ONNX models needs the onnx package: pip install tvm-workbench[onnx]"
        ) from None
    return onnx


def load_onnx(path: str | Path, shapes: dict[str, Any] | None = None):
    """A model from an ONNX file, its weights bound as constants.

    Parameters
    ----------
    path : str
        The ``.onnx`` file.
    shapes : dict, optional
        Input name -> shape for inputs whose shape the file leaves open; open dimensions
        not given here are taken as 1 (batch 1).

    Raises
    ------
    WorkbenchError
        When ``onnx`` is not installed, the file is missing or does not parse.
    """
    from ._model import Model

    path = Path(path)
    onnx = _require_onnx()
    if not path.exists():
        raise WorkbenchError(f"no ONNX file at {path}")
    try:
        proto = onnx.load(str(path))
    except Exception as err:  # noqa: BLE001 - any parse failure is the user's file
        raise WorkbenchError(f"{path} is not a readable ONNX model: {err}") from None
    initializers = {init.name for init in proto.graph.initializer}
    shapes = dict(shapes or {})
    inputs: dict[str, tuple[tuple[int, ...], str]] = {}
    for inp in proto.graph.input:
        if inp.name in initializers:
            continue
        ttype = inp.type.tensor_type
        dims = [
            d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1
            for d in ttype.shape.dim
        ]
        shape = tuple(int(x) for x in shapes.get(inp.name, dims))
        dtype = _ONNX_DTYPES.get(ttype.elem_type)
        if dtype is None:
            raise WorkbenchError(f"{path}: input {inp.name!r} has an unsupported element type")
        inputs[inp.name] = (shape, dtype)
    from tvm.relax.frontend.onnx import from_onnx

    try:
        mod = from_onnx(
            proto,
            shape_dict={k: list(s) for k, (s, _) in inputs.items()},
            dtype_dict={k: d for k, (_, d) in inputs.items()},
            keep_params_in_input=False,
        )
    except Exception as err:  # noqa: BLE001 - report which file failed, not a TVM traceback
        raise WorkbenchError(f"TVM could not import {path}: {err}") from None
    return Model(
        name=path.stem,
        mod=mod,
        inputs=inputs,
        source={"onnx": str(path.resolve())},
    )
