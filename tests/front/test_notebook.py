"""The notebook face (vizcore/notebook.py): a notebook run by nbclient shows an analysis as rich output: zoo model, own module, ONNX file."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tests.support.onnx_files import tiny_onnx

ROOT = Path(__file__).resolve().parents[2]


def test_a_cell_ending_with_an_analysis_shows_totals_table_and_graph(tmp_path: Path) -> None:
    onnx_file = tmp_path / "tiny.onnx"
    onnx_file.write_bytes(tiny_onnx(4))
    cells = [
        "import torch\nfrom torch import nn\nimport vizcore",
        "vizcore.analyze('resnet18', (1, 3, 64, 64), 'cpu')",
        "vizcore.analyze(nn.Sequential(nn.Conv2d(3, 16, 5), nn.ReLU()), (1, 3, 32, 32), 'cpu')",
        f"vizcore.analyze({str(onnx_file)!r}, device='cpu')",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    html = [cell.outputs[-1]["data"]["text/html"] for cell in notebook.cells[1:]]
    zoo, own, from_file = html
    assert "<h3>resnet18</h3>" in zoo and "148.56 M (148,557,824)" in zoo and "11,689,512" in zoo
    assert "<td>layer1.0.conv1</td><td>3x3 conv, 64</td>" in zoo
    assert "<th>Layer</th><th>Label</th><th>Type</th><th>Output shape</th><th>Params</th><th>MACs</th>" in zoo
    assert "8 (branch and residual)" in zoo
    assert "<h3>Sequential</h3>" in own and "<td>0</td><td>5x5 conv, 16</td>" in own
    assert f"{16 * 75 * 28 * 28:,}" in own  # 16 filters of 3x5x5 at each of 28x28 positions
    assert "<h3>tiny.onnx</h3>" in from_file and "<td>conv</td><td>3x3 conv, 4</td>" in from_file
    for page in html:
        assert page.count("<svg") == 1 and "</svg>" in page
