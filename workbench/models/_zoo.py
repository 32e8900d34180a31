"""Networks defined in code with ``tvm.relax.frontend.nn`` (batch 1, float32).

Batch normalization appears in its inference form, a per-channel scale and shift
(:class:`Affine`), which is what a deployed network computes once the statistics are folded.
Attribute names match :mod:`workbench.models._torch`, so the PyTorch twin of a network loads
the same weights by name.
"""

from __future__ import annotations

from typing import Any

from tvm import relax
from tvm.relax.frontend import nn
from tvm.relax.frontend.nn import op as F

__all__ = ["BUILDERS", "Affine", "MLP", "ResNet", "MobileNetV2", "BertLayer"]


class Affine(nn.Module):
    """Inference-time batch normalization: ``x * scale + shift`` per channel."""

    def __init__(self, channels: int):
        self.scale = nn.Parameter((channels, 1, 1))
        self.shift = nn.Parameter((channels, 1, 1))

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        return x * self.scale + self.shift


def _max_pool(x: nn.Tensor) -> nn.Tensor:
    expr = relax.op.nn.max_pool2d(x._expr, pool_size=3, strides=2, padding=1)
    return F.wrap_nested(expr, "max_pool2d")


def _global_avg_pool(x: nn.Tensor) -> nn.Tensor:
    expr = relax.op.nn.adaptive_avg_pool2d(x._expr, output_size=1)
    return F.reshape(F.wrap_nested(expr, "avg_pool"), (x.shape[0], x.shape[1]))


class ConvBN(nn.Module):
    """Convolution (no bias) + inference batch norm + optional ReLU / ReLU6."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, groups: int = 1, act=""):
        self.conv = nn.Conv2D(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False)
        self.bn = Affine(cout)
        self.act = act

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        y = self.bn(self.conv(x))
        if self.act == "relu":
            y = F.relu(y)
        elif self.act == "relu6":
            y = F.relu6(y)
        return y


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int):
        cout = width * self.expansion
        self.conv1 = ConvBN(cin, width, 3, stride, act="relu")
        self.conv2 = ConvBN(width, cout, 3, 1)
        self.down = ConvBN(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        short = self.down(x) if self.down is not None else x
        return F.relu(self.conv2(self.conv1(x)) + short)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int):
        cout = width * self.expansion
        self.conv1 = ConvBN(cin, width, 1, 1, act="relu")
        self.conv2 = ConvBN(width, width, 3, stride, act="relu")
        self.conv3 = ConvBN(width, cout, 1, 1)
        self.down = ConvBN(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        short = self.down(x) if self.down is not None else x
        return F.relu(self.conv3(self.conv2(self.conv1(x))) + short)


class ResNet(nn.Module):
    """ResNet-18/34 (basic blocks) or ResNet-50 (bottlenecks), ImageNet layout."""

    def __init__(self, block: str, layers: list[int], classes: int = 1000):
        cls = BasicBlock if block == "basic" else Bottleneck
        self.stem = ConvBN(3, 64, 7, 2, act="relu")
        blocks = []
        cin = 64
        for i, (width, count) in enumerate(zip([64, 128, 256, 512], layers)):
            for j in range(count):
                blocks.append(cls(cin, width, 2 if (i > 0 and j == 0) else 1))
                cin = width * cls.expansion
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        x = _max_pool(self.stem(x))
        for block in self.blocks:
            x = block(x)
        return self.fc(_global_avg_pool(x))


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        hidden = cin * expand
        self.expand = ConvBN(cin, hidden, 1, act="relu6") if expand != 1 else None
        self.depthwise = ConvBN(hidden, hidden, 3, stride, groups=hidden, act="relu6")
        self.project = ConvBN(hidden, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        y = self.expand(x) if self.expand is not None else x
        y = self.project(self.depthwise(y))
        return x + y if self.residual else y


#: MobileNetV2's (expansion, channels, repeats, stride) table.
MOBILENET_V2_CONFIG = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


class MobileNetV2(nn.Module):
    """MobileNetV2 (width 1.0, 224x224)."""

    def __init__(self, classes: int = 1000):
        self.stem = ConvBN(3, 32, 3, 2, act="relu6")
        blocks = []
        cin = 32
        for t, c, n, s in MOBILENET_V2_CONFIG:
            for i in range(n):
                blocks.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        self.blocks = nn.ModuleList(blocks)
        self.head = ConvBN(cin, 1280, 1, act="relu6")
        self.fc = nn.Linear(1280, classes)

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.fc(_global_avg_pool(self.head(x)))


class BertLayer(nn.Module):
    """One BERT-base encoder layer: self-attention + feed-forward, post-LayerNorm."""

    def __init__(self, hidden: int = 768, heads: int = 12, ffn: int = 3072):
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, hidden)
        self.norm1 = nn.LayerNorm(hidden, eps=1e-12)
        self.ffn_in = nn.Linear(hidden, ffn)
        self.ffn_out = nn.Linear(ffn, hidden)
        self.norm2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        b, s, h = x.shape
        d = h // self.heads

        def split(t: nn.Tensor) -> nn.Tensor:  # (b, s, h) -> (b, heads, s, d)
            return F.permute_dims(F.reshape(t, (b, s, self.heads, d)), [0, 2, 1, 3])

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = F.matmul(q, F.permute_dims(k, [0, 1, 3, 2])) * (1.0 / float(d) ** 0.5)
        ctx = F.matmul(F.softmax(scores, axis=-1), v)
        ctx = F.reshape(F.permute_dims(ctx, [0, 2, 1, 3]), (b, s, h))
        x = self.norm1(x + self.out(ctx))
        return self.norm2(x + self.ffn_out(F.gelu(self.ffn_in(x))))


class MLP(nn.Module):
    """A small multi-layer perceptron (ReLU between layers), for examples and tests."""

    def __init__(self, sizes: list[int]):
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

    def forward(self, x: nn.Tensor) -> nn.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


#: name -> a function building the network (names and inputs: ``workbench.models.CATALOG``).
BUILDERS: dict[str, Any] = {
    "resnet18": lambda: ResNet("basic", [2, 2, 2, 2]),
    "resnet50": lambda: ResNet("bottleneck", [3, 4, 6, 3]),
    "mobilenetv2": MobileNetV2,
    "bert-layer": BertLayer,
    "mlp": lambda: MLP([128, 128, 128, 10]),
}
