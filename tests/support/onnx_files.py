"""Exporting a module to ONNX for tests, as a user would (weights left random where only shapes matter;
the offline EfficientNet-Lite0 with its real weights where photos are classified)."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from onnx import TensorProto, helper
from torch import nn

from vizcore.photos import inference

SMALL = (1, 3, 64, 64)


def tiny_onnx(channels: int) -> bytes:
    """A one-layer ONNX file written by hand (no exporter): a padded 3x3 convolution of a 1x3x8x8 input
    to ``channels`` channels, its zero weights inside."""
    weight = helper.make_tensor("w", TensorProto.FLOAT, [channels, 3, 3, 3], [0.0] * (channels * 27))
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="/conv/Conv", pads=[1, 1, 1, 1])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, channels, 8, 8])],
        [weight],
    )
    return bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())


def export(model: nn.Module, path: Path, *, dynamo: bool, shape: tuple[int, ...] = SMALL, **options: object) -> Path:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(shape),), str(path), dynamo=dynamo, **options)  # type: ignore[arg-type]
    return path


class ImageNetInput(nn.Module):
    """EfficientNet-Lite0 taking ImageNet-normalised photos: the export holds the model's own scaling,
    (x - 127) / 128 of 0..255 pixels, so the file works with the usual ImageNet preprocessing."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(inference.IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(inference.IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pixels = x * self.std + self.mean
        out: torch.Tensor = self.model((pixels - 127 / 255) / (128 / 255))
        return out


def lite0() -> ImageNetInput:
    return ImageNetInput(inference.default_classifier("cpu").model).eval()


def export_lite0(model: ImageNetInput, path: Path) -> Path:
    """The TorchScript exporter's file (a second or two; the default exporter takes several)."""
    return export(model, path, dynamo=False, shape=(1, 3, 224, 224), opset_version=17)
