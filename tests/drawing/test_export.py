"""Slide export: `python -m vizcore figure ...` writes real SVG, PNG (1920 px wide or more) and PDF, and
bad input gets one line, a non-zero exit and nothing written."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

import vizcore
from vizcore.drawing.figures import FIGURE_KINDS, DrawnFigure, FigureOptions, draw_figure, export_figure

SVG = "{http://www.w3.org/2000/svg}"


def texts(path: Path) -> list[str]:
    return [t.text or "" for t in ET.parse(path).getroot().iter(f"{SVG}text")]


def test_cli_exports_png_svg_pdf(cli, tmp_path: Path) -> None:
    png = tmp_path / "alexnet.png"
    done = cli("figure", "alexnet", "--input", "3x227x227", "--kind", "graph", "--output", str(png))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {png}\n"
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width >= 1920 and image.height > image.width  # vertical
    svg = tmp_path / "alexnet.svg"
    done = cli("figure", "alexnet", "--input", "3x227x227", "--format", "svg", "-o", str(svg))
    assert done.returncode == 0, done.stderr
    labels = texts(svg)
    assert labels[:5] == ["alexnet, 3x227x227", "input", "3x227x227", "11x11 conv, 64, /4", "64x56x56"]
    assert labels.count("fc 4096") == 2 and "relu" not in labels
    pdf = tmp_path / "resnet34.pdf"
    done = cli("figure", "resnet34", "--depth", "2", "--orientation", "horizontal", "-o", str(pdf))
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_several_models_side_by_side(tmp_path: Path) -> None:
    out = export_figure(["vgg16", "resnet18"], tmp_path / "two.svg", options=FigureOptions(depth=1))
    labels = texts(out)
    assert {"vgg16, 3x224x224", "resnet18, 3x224x224"} <= set(labels)
    assert "2 x [3x3-3x3], 64" in labels and "3x3 conv x13 + 5 pools, 512, /32" in labels
    root = ET.parse(out).getroot()
    ids = [g.get("id") for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("node")]
    assert len(ids) == len(set(ids)) and "m0_node1" in ids and "m1_node1" in ids


def test_registry_and_figure_object() -> None:
    assert "graph" in FIGURE_KINDS
    drawn = draw_figure([vizcore.analyze("lenet5", device="cpu")], "graph")
    assert drawn.dot.startswith("digraph") and drawn.to_bytes("svg").lstrip().startswith(b"<?xml")
    assert DrawnFigure(svg="<svg/>").to_bytes("svg") == b"<svg/>"
    assert (
        DrawnFigure(svg='<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>').to_bytes("png")[:4]
        == b"\x89PNG"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["alexnet", "--kind", "sketch"], "argument --kind: invalid choice: 'sketch'"),
        (["alexnet", "resnt34"], "error: unknown model 'resnt34': did you mean resnet34"),
        (["alexnet", "--format", "gif"], "invalid choice: 'gif'"),
        (["alexnet", "--input", "3x8x8"], "error: input 3x8x8 is too small for alexnet"),
    ],
)
def test_bad_input_writes_nothing(cli, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "slide.png"
    out.write_bytes(b"the previous slide")
    done = cli("figure", *args, "--output", str(out))
    assert done.returncode != 0 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert out.read_bytes() == b"the previous slide"  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["slide.png"]  # no temporary file left behind


@pytest.mark.parametrize("where", ["missing/slide.svg", "."])
def test_unwritable_output(cli, tmp_path: Path, where: str) -> None:
    done = cli("figure", "alexnet", "--output", str(tmp_path / where))
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: cannot write {tmp_path / where}") and done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_exported_figure_is_readable_by_others(cli, tmp_path: Path) -> None:
    """The file is written beside its target and renamed into place (never half-written), but with the
    usual mode, not the temporary file's private 0600."""
    out = tmp_path / "lenet.svg"
    done = cli("figure", "lenet5", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert out.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["lenet.svg"]  # no temporary left behind
