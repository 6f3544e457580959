"""The papers' figures: ResNet Fig. 3 columns, LeNet/AlexNet volumes, GoogLeNet's long figure, and their
export. Every check reads the SVG itself: labels, sizes and shortcut styles as the paper draws them."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import vizcore
from tests.app.driver import said
from vizcore.drawing import paper_boxes, volumes
from vizcore.drawing import paper_figures as pf
from vizcore.drawing.figures import FIGURE_KINDS, PAPER_KINDS, FigureOptions
from vizcore.drawing.render import MAX_PNG_SIDE, export_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def fig3() -> list[vizcore.Analysis]:
    return [vizcore.analyze(m, device="cpu") for m in ("vgg19", "plain34", "resnet34")]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def group(root: ET.Element, cls: str, model: str) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("class") == cls and g.get("data-model") == model]
    assert len(found) == 1, (cls, model)
    return found[0]


def texts(element: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text") if t.get("class") == cls]


def classes(element: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in element.iter(f"{SVG}{tag}") if e.get("class") == cls]


def stage(label: str, n: int, down: str) -> list[str]:
    return [down, *[label] * (n - 1)]


RESNET34_BOXES = [
    "image",
    "7x7 conv, 64, /2",
    "3x3 max pool, /2",
    *["3x3 conv, 64"] * 6,
    *stage("3x3 conv, 128", 8, "3x3 conv, 128, /2"),
    *stage("3x3 conv, 256", 12, "3x3 conv, 256, /2"),
    *stage("3x3 conv, 512", 6, "3x3 conv, 512, /2"),
    "avg pool",
    "fc 1000",
]
VGG19_BOXES = [
    "image",
    *["3x3 conv, 64"] * 2,
    "2x2 max pool, /2",
    *["3x3 conv, 128"] * 2,
    "2x2 max pool, /2",
    *["3x3 conv, 256"] * 4,
    "2x2 max pool, /2",
    *["3x3 conv, 512"] * 4,
    "2x2 max pool, /2",
    *["3x3 conv, 512"] * 4,
    "2x2 max pool, /2",
    "fc 4096",
    "fc 4096",
    "fc 1000",
]


def test_resnet_figure3_columns(fig3: list[vizcore.Analysis]) -> None:
    root = parse(pf.columns_svg(fig3))
    resnet, plain, vgg = (group(root, "column", m) for m in ("resnet34", "plain34", "vgg19"))
    assert texts(resnet, "label") == RESNET34_BOXES
    assert texts(plain, "label") == RESNET34_BOXES  # the same boxes, no shortcuts
    assert texts(vgg, "label") == VGG19_BOXES
    assert [texts(c, "title") for c in (vgg, plain, resnet)] == [["VGG-19"], ["34-layer plain"], ["34-layer residual"]]
    # shortcuts as in the paper: solid identity, dotted projection where the size changes (3 of 16)
    projection = classes(resnet, "path", "shortcut projection")
    identity = classes(resnet, "path", "shortcut identity")
    assert (len(projection), len(identity)) == (3, 13)
    assert all(p.get("stroke-dasharray") for p in projection) and not any(p.get("stroke-dasharray") for p in identity)
    assert not classes(plain, "path", "shortcut identity") + classes(plain, "path", "shortcut projection")
    # output sizes between stages, in order, and the columns aligned on them
    sizes = texts(root, "size")
    assert sizes == [f"output size: {s}" for s in (224, 112, 56, 28, 14, 7, 1)]

    def ys(col: ET.Element, label: str) -> list[float]:
        return [float(t.get("y", 0)) for t in col.iter(f"{SVG}text") if t.text == label]

    # the first box at output size 28 stands at the same height in every column
    assert ys(plain, "3x3 conv, 128, /2") == ys(resnet, "3x3 conv, 128, /2") == [ys(vgg, "2x2 max pool, /2")[2]]
    assert ys(resnet, "7x7 conv, 64, /2") == [ys(vgg, "2x2 max pool, /2")[0]]  # output size 112
    assert ys(resnet, "avg pool") == ys(vgg, "fc 4096")[:1]


def test_columns_turned_for_a_wide_screen(fig3: list[vizcore.Analysis]) -> None:
    tall, wide = parse(pf.columns_svg(fig3)), parse(pf.columns_svg(fig3, "horizontal"))
    assert (wide.get("width"), wide.get("height")) == (tall.get("height"), tall.get("width"))
    assert float(wide.get("width", 0)) > float(wide.get("height", 0))
    assert texts(wide, "label") == texts(tall, "label")
    with pytest.raises(vizcore.VizcoreError, match="unknown orientation"):
        pf.network_svg(fig3, "diagonal")


def test_volumes_alexnet_and_lenet() -> None:
    alexnet = vizcore.analyze("alexnet", device="cpu")
    root = parse(volumes.volumes_svg([alexnet]))
    row = group(root, "volumes", "alexnet")
    assert texts(row, "size") == [
        "224x224x3",
        "55x55x64",
        "27x27x64",
        "27x27x192",
        "13x13x192",
        "13x13x384",
        "13x13x256",
        "13x13x256",
        "6x6x256",
        "4096",
        "4096",
        "1000",
    ]
    assert texts(row, "layer")[:3] == ["image", "11x11 conv, 64, /4", "3x3 max pool, /2"]
    kernels = classes(row, "polygon", "kernel")
    assert len(kernels) == 8  # five convolutions and three poolings, each on the volume it slides over
    assert kernels[0].find(f"{SVG}title").text == "11x11 kernel"  # type: ignore[union-attr]
    # channels on a compressed scale: 384 channels is wider than 64, but not six times wider
    widths = {
        t: float(r.get("width", 0)) for t, r in zip(texts(row, "size"), classes(row, "rect", "volume"), strict=False)
    }
    assert widths["55x55x64"] < widths["13x13x384"] < 2 * widths["55x55x64"]
    lenet = parse(volumes.volumes_svg([vizcore.analyze("lenet5", device="cpu")]))
    assert texts(lenet, "size") == ["32x32x1", "28x28x6", "14x14x6", "10x10x16", "5x5x16", "1x1x120", "84", "10"]


def test_volumes_of_deep_models_go_by_stage() -> None:
    resnet = vizcore.analyze("resnet50", device="cpu")
    sizes = [paper_boxes.size_text(v.shape) for v in volumes.volumes(resnet)]
    assert sizes == ["224x224x3", "112x112x64", "56x56x256", "28x28x512", "14x14x1024", "7x7x2048", "1x1x2048", "1000"]
    assert volumes.volumes(resnet)[3].lines == ("1x1-3x3-1x1 block, 512, /2", "3 × 1x1-3x3-1x1 block, 512")
    assert volumes.volumes(resnet)[1].kernel == (7, 7)  # the stem convolution, alone at 112, keeps its kernel
    mobile = volumes.volumes(vizcore.analyze("mobilenet_v2", device="cpu"))
    assert mobile[2].lines == ("1x1-3x3dw-1x1 block, 24, /2", "1x1-3x3dw-1x1 block, 24")  # no-shortcut blocks too
    efficient = [v.lines for v in volumes.volumes(vizcore.analyze("efficientnet_b0", device="cpu"))]
    assert efficient[3] == ("1x1-5x5dw-SE-1x1 block, 40, /2", "1x1-5x5dw-SE-1x1 block, 40")
    assert efficient[-2:] == [("avg pool",), ("fc 1000",)]  # squeeze-and-excitation pools stay inside their blocks
    basic = [v.lines for v in volumes.volumes(vizcore.analyze("resnet18", device="cpu"))]
    assert basic[5:7] == [("3x3-3x3 block, 128, /2",), ("3x3-3x3 block, 128",)]  # 12 volumes: one each
    vgg = [v.lines for v in volumes.volumes(vizcore.analyze("vgg19", device="cpu"))]
    assert vgg[2] == ("2x2 max pool, /2", "2 × 3x3 conv, 128")


def test_googlenet_long_figure() -> None:
    root = parse(pf.network_svg([vizcore.analyze("googlenet", device="cpu")]))
    titles = texts(root, "cluster-title")
    assert titles == [f"inception{s}" for s in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")]
    assert len(classes(root, "rect", "cluster")) == 9
    labels = texts(root, "label")
    first = labels.index("1x1 conv, 64", labels.index("3x3 max pool, /2", 3))  # inception 3a, branch by branch
    assert labels[first : first + 7] == [
        "1x1 conv, 64",
        "1x1 conv, 96",
        "3x3 conv, 128",
        "1x1 conv, 16",
        "3x3 conv, 32",
        "3x3 max pool",
        "1x1 conv, 32",
    ]
    assert labels.count("concat, 832") == 2 and labels[-1] == "fc 1000"


@pytest.mark.parametrize("model", ["mobilenet_v2", "densenet121", "inception_v3", "squeezenet1_0", "vit_b_16"])
def test_any_model_draws(model: str) -> None:
    result = vizcore.analyze(model, device="cpu")
    for kind in PAPER_KINDS:
        root = parse(FIGURE_KINDS[kind].draw([result], FigureOptions()).svg)
        assert texts(root, "label") or texts(root, "layer"), kind
    if model == "densenet121":  # dense blocks reuse every earlier layer in each branch: one box, not a cluster
        root = parse(pf.network_svg([result]))
        assert not classes(root, "rect", "cluster") and "denseblock1, 256" in texts(root, "label")
    if model == "squeezenet1_0":  # fire modules: expand 1x1 and 3x3 side by side
        assert len(classes(parse(pf.network_svg([result])), "rect", "cluster")) == 8


def test_export_formats(tmp_path: Path) -> None:
    svg = volumes.volumes_svg([vizcore.analyze("lenet5", device="cpu")])
    png = export_svg(svg, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1920 and height > 0
    assert export_svg(svg, "pdf")[:5] == b"%PDF-"
    parse(export_svg(svg, "svg").decode())
    # a very tall figure stays inside cairo's limits (32767 px a side)
    tall = pf.columns_svg([vizcore.analyze("resnet152", device="cpu")])
    width, height = struct.unpack(">II", export_svg(tall, "png")[16:24])
    assert height <= MAX_PNG_SIDE and width > 0


def test_export_bad_input() -> None:
    with pytest.raises(vizcore.VizcoreError, match="unknown format"):
        export_svg("<svg/>", "gif")


def test_page_runs_from_url_and_draws_figure3() -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(model="alexnet", figure="volumes")
    at.switch_page("pages/paper_figures.py")
    at.run()
    assert not at.exception and not at.error
    figure = next(m.value for m in at.markdown if "paper-figure" in m.value)
    assert "55x55x64" in figure
    next(b for b in at.button if b.label == "ResNet Figure 3").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="model").value == "vgg19" and at.radio(key="paper_kind").value == "columns"
    figure = next(m.value for m in at.markdown if "paper-figure" in m.value)
    assert figure.count('class="shortcut projection"') == 3 and "34-layer plain" in figure
    assert dict(at.query_params)["models"] in ("plain34,resnet34", ["plain34,resnet34"])
    # an unknown name in the URL is reported, and the figure is still drawn
    at2 = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at2.query_params.update(model="lenet5", models="resnet5")
    at2.switch_page("pages/paper_figures.py")
    at2.run()
    assert not at2.exception and "?models='resnet5' is not valid" in said(at2.warning[0].value)
    assert any("5x5 conv, 6" in m.value for m in at2.markdown)


def test_cli_figure_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vizcore.cli import main

    png = tmp_path / "fig3.png"
    assert main(["figure", "vgg19", "plain34", "resnet34", "--kind", "columns", "--output", str(png)]) == 0
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    assert width >= 1920 and height > width  # the paper's tall columns
    svg = tmp_path / "alexnet.svg"
    assert main(["figure", "alexnet", "--kind", "volumes", "-o", str(svg)]) == 0
    assert "55x55x64" in texts(ET.parse(svg).getroot(), "size")
    pdf = tmp_path / "googlenet.pdf"
    assert main(["figure", "googlenet", "--kind", "network", "--orientation", "horizontal", "-o", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    capsys.readouterr()
    assert main(["figure", "vgg19", "resnt34", "--kind", "columns", "-o", str(tmp_path / "x.png")]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alexnet.svg", "fig3.png", "googlenet.pdf"]


def test_own_module_without_images() -> None:
    """A network on vectors: its input and outputs are bars, not volumes, and every figure still draws."""
    from torch import nn

    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    result = vizcore.analyze(model, (1, 64), device="cpu")
    assert texts(parse(volumes.volumes_svg([result])), "size") == ["64", "32", "10"]
    for kind in PAPER_KINDS:
        root = parse(FIGURE_KINDS[kind].draw([result], FigureOptions()).svg)
        assert "fc 10" in texts(root, "label") + texts(root, "layer"), kind
