"""ONNX files exported once per test session from the zoo's own builders, at small inputs where the
numbers still check (weights left random: only shapes matter)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.onnx_files import export
from vizcore.zoo import get_model


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
