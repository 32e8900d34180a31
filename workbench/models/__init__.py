"""Whole networks: a small model zoo, ONNX import, task extraction and :class:`ModelSession`.

>>> import workbench as wb
>>> model = wb.models.load("resnet18")              # or "path/to/model.onnx"
>>> tasks = wb.models.extract_tasks(model, "cpu")   # fused operators, with weights
>>> ms = wb.ModelSession("resnet18", work_dir="runs/resnet18")
>>> ms.run(trials=256)
>>> ms.benchmark()                                  # untuned vs tuned (vs PyTorch)

The zoo's networks are defined in code (``tvm.relax.frontend.nn``) with batch 1, float32 and
random weights: tuning needs shapes, not trained weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import WorkbenchError, unknown_choice

if TYPE_CHECKING:
    from ._model import Model, ModelTask
    from .session import ModelSession

__all__ = [
    "CATALOG",
    "available",
    "describe",
    "load",
    "is_model",
    "extract_tasks",
    "Model",
    "ModelTask",
    "ModelSession",
]

#: name -> (description, inputs {name: (shape, dtype)}); the builders live in ``_zoo``.
CATALOG: dict[str, tuple[str, dict[str, tuple[tuple[int, ...], str]]]] = {
    "resnet18": (
        "ResNet-18, 1x3x224x224 image -> 1000 classes",
        {"x": ((1, 3, 224, 224), "float32")},
    ),
    "resnet50": (
        "ResNet-50, 1x3x224x224 image -> 1000 classes",
        {"x": ((1, 3, 224, 224), "float32")},
    ),
    "mobilenetv2": (
        "MobileNetV2 (width 1.0), 1x3x224x224 image -> 1000 classes",
        {"x": ((1, 3, 224, 224), "float32")},
    ),
    "bert-layer": (
        "one BERT-base encoder layer: sequence 128, hidden 768, 12 heads, FFN 3072",
        {"x": ((1, 128, 768), "float32")},
    ),
    "mlp": (
        "a 3-layer perceptron 1x128 -> 128 -> 128 -> 10 (small: for examples and tests)",
        {"x": ((1, 128), "float32")},
    ),
}


def available() -> list[str]:
    """Names of the networks in the zoo."""
    return list(CATALOG)


def describe() -> list[dict[str, str]]:
    """One row per zoo network: name, description, inputs."""
    return [
        {
            "model": name,
            "description": desc,
            "inputs": ", ".join(f"{k}: {'x'.join(map(str, s))} {d}" for k, (s, d) in ins.items()),
        }
        for name, (desc, ins) in CATALOG.items()
    ]


def is_model(name: str) -> bool:
    """Whether ``name`` names a zoo network or an ``.onnx`` file (rather than an operator spec)."""
    return isinstance(name, str) and (name in CATALOG or name.lower().endswith(".onnx"))


def load(model: Any, seed: int = 0, shapes: dict[str, Any] | None = None) -> Model:
    """A :class:`Model` from a zoo name, an ``.onnx`` path or a ``Model``.

    Parameters
    ----------
    model : str or Model
        A name from :func:`available`, a path ending in ``.onnx``, or a ``Model``.
    seed : int
        Seed of the random weights (zoo networks).
    shapes : dict, optional
        ONNX only: input name -> shape, for inputs whose shape the file leaves open.

    Raises
    ------
    WorkbenchError
        For an unknown name, a missing file, or ``onnx`` not installed.
    """
    from ._model import Model

    if isinstance(model, Model):
        return model
    if not isinstance(model, str):
        raise WorkbenchError(
            f"a model is a zoo name ({', '.join(CATALOG)}), an .onnx path or a "
            f"workbench.models.Model, got {type(model).__name__}"
        )
    if model.lower().endswith(".onnx"):
        from ._onnx import load_onnx

        return load_onnx(model, shapes=shapes)
    if model not in CATALOG:
        raise unknown_choice("model", model, [*CATALOG, "path/to/model.onnx"])
    return Model.from_zoo(model, seed=seed)


def extract_tasks(model: Any, target: Any = "cpu") -> list[ModelTask]:
    """The tuning tasks of a network: its fused operators after legalization and fusion.

    Parameters
    ----------
    model : str or Model
        See :func:`load`.
    target : str or dict
        ``"cpu"`` or a TVM target dict (see :func:`workbench.resolve_target`).

    Returns
    -------
    list of ModelTask
        One per distinct fused operator, largest total FLOPs (FLOPs x weight) first.
    """
    from ..targets import resolve_target

    return load(model).tasks(resolve_target(target))


def __getattr__(name: str) -> Any:
    if name in ("Model", "ModelTask"):
        from . import _model

        return getattr(_model, name)
    if name == "ModelSession":
        from .session import ModelSession

        return ModelSession
    raise AttributeError(f"module 'workbench.models' has no attribute {name!r}")
