"""PyTorch twins of the zoo's networks, for the end-to-end comparison.

Each twin has the same attribute names as its ``tvm.relax.frontend.nn`` definition in
:mod:`workbench.models._zoo`, so it loads the same random weights by name and computes the
same function. PyTorch is optional (``pip install tvm-workbench[torch]``); without it the
comparison is left out.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = ["torch_available", "torch_model", "torch_latency"]


def torch_available() -> bool:
    """Whether PyTorch can be imported."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _definitions():
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Affine(nn.Module):
        def __init__(self, c: int):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(c, 1, 1))
            self.shift = nn.Parameter(torch.zeros(c, 1, 1))

        def forward(self, x):
            return x * self.scale + self.shift

    class ConvBN(nn.Module):
        def __init__(self, cin, cout, k, stride=1, groups=1, act=""):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False)
            self.bn = Affine(cout)
            self.act = act

        def forward(self, x):
            y = self.bn(self.conv(x))
            if self.act == "relu":
                y = F.relu(y)
            elif self.act == "relu6":
                y = F.relu6(y)
            return y

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width
            self.conv1 = ConvBN(cin, width, 3, stride, act="relu")
            self.conv2 = ConvBN(width, cout, 3, 1)
            self.down = ConvBN(cin, cout, 1, stride) if stride != 1 or cin != cout else None

        def forward(self, x):
            short = self.down(x) if self.down is not None else x
            return F.relu(self.conv2(self.conv1(x)) + short)

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * 4
            self.conv1 = ConvBN(cin, width, 1, 1, act="relu")
            self.conv2 = ConvBN(width, width, 3, stride, act="relu")
            self.conv3 = ConvBN(width, cout, 1, 1)
            self.down = ConvBN(cin, cout, 1, stride) if stride != 1 or cin != cout else None

        def forward(self, x):
            short = self.down(x) if self.down is not None else x
            return F.relu(self.conv3(self.conv2(self.conv1(x))) + short)

    class ResNet(nn.Module):
        def __init__(self, block, layers, classes=1000):
            super().__init__()
            cls = BasicBlock if block == "basic" else Bottleneck
            self.stem = ConvBN(3, 64, 7, 2, act="relu")
            blocks, cin = [], 64
            for i, (width, count) in enumerate(zip([64, 128, 256, 512], layers)):
                for j in range(count):
                    blocks.append(cls(cin, width, 2 if (i > 0 and j == 0) else 1))
                    cin = width * cls.expansion
            self.blocks = nn.ModuleList(blocks)
            self.fc = nn.Linear(cin, classes)

        def forward(self, x):
            x = F.max_pool2d(self.stem(x), 3, 2, 1)
            for block in self.blocks:
                x = block(x)
            return self.fc(x.mean(dim=(2, 3)))

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, stride, expand):
            super().__init__()
            hidden = cin * expand
            self.expand = ConvBN(cin, hidden, 1, act="relu6") if expand != 1 else None
            self.depthwise = ConvBN(hidden, hidden, 3, stride, groups=hidden, act="relu6")
            self.project = ConvBN(hidden, cout, 1)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            y = self.expand(x) if self.expand is not None else x
            y = self.project(self.depthwise(y))
            return x + y if self.residual else y

    class MobileNetV2(nn.Module):
        def __init__(self, classes=1000):
            super().__init__()
            from ._zoo import MOBILENET_V2_CONFIG

            self.stem = ConvBN(3, 32, 3, 2, act="relu6")
            blocks, cin = [], 32
            for t, c, n, s in MOBILENET_V2_CONFIG:
                for i in range(n):
                    blocks.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                    cin = c
            self.blocks = nn.ModuleList(blocks)
            self.head = ConvBN(cin, 1280, 1, act="relu6")
            self.fc = nn.Linear(1280, classes)

        def forward(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x)
            return self.fc(self.head(x).mean(dim=(2, 3)))

    class BertLayer(nn.Module):
        def __init__(self, hidden=768, heads=12, ffn=3072):
            super().__init__()
            self.heads = heads
            self.query = nn.Linear(hidden, hidden)
            self.key = nn.Linear(hidden, hidden)
            self.value = nn.Linear(hidden, hidden)
            self.out = nn.Linear(hidden, hidden)
            self.norm1 = nn.LayerNorm(hidden, eps=1e-12)
            self.ffn_in = nn.Linear(hidden, ffn)
            self.ffn_out = nn.Linear(ffn, hidden)
            self.norm2 = nn.LayerNorm(hidden, eps=1e-12)

        def forward(self, x):
            b, s, h = x.shape
            d = h // self.heads

            def split(t):
                return t.reshape(b, s, self.heads, d).permute(0, 2, 1, 3)

            q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
            scores = q @ k.transpose(-1, -2) * (1.0 / float(d) ** 0.5)
            ctx = (scores.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(b, s, h)
            x = self.norm1(x + self.out(ctx))
            return self.norm2(x + self.ffn_out(F.gelu(self.ffn_in(x))))

    class MLP(nn.Module):
        def __init__(self, sizes):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

        def forward(self, x):
            for i, layer in enumerate(self.layers):
                x = layer(x)
                if i < len(self.layers) - 1:
                    x = F.relu(x)
            return x

    return {
        "resnet18": lambda: ResNet("basic", [2, 2, 2, 2]),
        "resnet50": lambda: ResNet("bottleneck", [3, 4, 6, 3]),
        "mobilenetv2": MobileNetV2,
        "bert-layer": BertLayer,
        "mlp": lambda: MLP([128, 128, 128, 10]),
    }


def torch_model(model: Any) -> Any:
    """The PyTorch twin of a zoo :class:`~workbench.models.Model`, with its weights loaded.

    Returns ``None`` for models that have no twin (ONNX files, user modules).
    """
    import torch

    zoo = model.source.get("zoo")
    builders = _definitions()
    if zoo not in builders:
        return None
    net = builders[zoo]().eval()
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in model.weights.items()}
    missing, unexpected = net.load_state_dict(state, strict=True), None
    del missing, unexpected
    return net


def torch_latency(
    model: Any, inputs: list[np.ndarray], repeat: int, threads: int
) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Time the PyTorch twin: milliseconds of ``repeat`` runs after a warm-up, its output, and
    the torch version; ``None`` when PyTorch is missing or the model has no twin."""
    if not torch_available():
        return None
    import torch

    net = torch_model(model)
    if net is None:
        return None
    torch.set_num_threads(max(1, threads))
    xs = [torch.from_numpy(x) for x in inputs]
    times = []
    with torch.inference_mode():
        out = net(*xs)
        for _ in range(repeat):
            t0 = time.perf_counter()
            net(*xs)
            times.append((time.perf_counter() - t0) * 1e3)
    return np.asarray(times), out.numpy(), str(torch.__version__)
