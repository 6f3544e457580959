"""ONNX files exported once per test session from the zoo's own builders, at small inputs where the
numbers still check (weights left random: only shapes matter)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

from vizcore.zoo import get_model

SMALL = (1, 3, 64, 64)


def export(model: nn.Module, path: Path, *, dynamo: bool, shape: tuple[int, ...] = SMALL, **options: object) -> Path:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.zeros(shape),), str(path), dynamo=dynamo, **options)  # type: ignore[arg-type]
    return path


@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="session")
def resnet18_torchscript(onnx_dir: Path) -> Path:
    """The TorchScript exporter's file: shared initializers through Identity nodes, weights inside."""
    return export(get_model("resnet18"), onnx_dir / "resnet18_ts.onnx", dynamo=False, opset_version=17)


@pytest.fixture(scope="session")
def resnet18_dynamo(onnx_dir: Path) -> Path:
    """The default exporter's file (opset 18+, ReduceMean with axes as an input), weights inside."""
    return export(get_model("resnet18"), onnx_dir / "resnet18_dynamo.onnx", dynamo=True, external_data=False)


@pytest.fixture(scope="session")
def googlenet_dynamo(onnx_dir: Path) -> Path:
    return export(get_model("googlenet"), onnx_dir / "googlenet.onnx", dynamo=True, external_data=False)
