"""`arithmetic MODEL LAYER` and `figure --kind convolution`: the working in four formats, a GIF with one
frame per output position, and one sentence (exit 1) for each kind of bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from vizcore.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_arithmetic_formats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "arithmetic", "alexnet", "features.0", "--input", "3x227x227")
    assert code == 0
    assert out.splitlines()[:3] == [
        "features.0 (11x11 conv, 64, /4): 1×3×227×227 → 1×64×56×56",
        "  output size H'    H' = floor((H − K + 2P) / S) + 1",
        "                    = floor((227 − 11 + 2·2) / 4) + 1 = 56",
    ]
    assert "= 11×11×3×64 + 64 = 23,296 (Cin = 3)" in out and "= 200,704 × (3×11×11) = 72,855,552" in out
    code, out, _ = run(capsys, "arithmetic", "alexnet", "features.0", "--format", "json")
    assert code == 0 and json.loads(out)["macs"] == 70_276_800
    code, out, _ = run(capsys, "arithmetic", "alexnet", "features.2", "--format", "markdown")
    assert "| output size H' | H' = floor((H − K + 2P) / S) + 1 | floor((55 − 3 + 2·0) / 2) + 1 = 27 |" in out
    code, out, _ = run(capsys, "arithmetic", "alexnet", "classifier.1", "--format", "latex")
    assert code == 0 and r"9{,}216\times 4{,}096 + 4{,}096 = 37{,}752{,}832" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("arithmetic", "alexnet", "conv9"),
            "error: alexnet has no layer named 'conv9'; `summary` lists the layer names.",
        ),
        (
            ("arithmetic", "alexnetz", "conv1"),
            "error: unknown model 'alexnetz': did you mean alexnet, alexnet_d2l, alexnet2012?",
        ),
        (
            ("figure", "--kind", "convolution", "--size", "3", "--kernel", "5", "--output", "x.gif"),
            "error: a window 5 pixels wide (kernel 5, dilation 1) does not fit in an input of 3 padded by 0 on each "
            "side (3): no output position; use a smaller kernel or more padding.",
        ),
        (
            ("figure", "--kind", "convolution", "--size", "100000", "--output", "x.gif"),
            "error: size 100000 must be a whole number from 1 to 4096.",
        ),
        (
            ("figure", "googlenet", "--kind", "convolution", "--layer", "pool9", "--output", "x.gif"),
            "error: googlenet has no layer named 'pool9'; `summary` lists the layer names.",
        ),
        (
            ("figure", "--kind", "convolution", "--size", "9", "--output", "x.png"),
            "error: a convolution figure is a .gif (animated) or a .svg (every position), not '.png'.",
        ),
    ],
)
def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    args = tuple(str(tmp_path / a) if a.startswith("x.") else a for a in args)
    code, out, err = run(capsys, *args)
    assert (code, out, err) == (1, "", message + "\n")
    assert not list(tmp_path.iterdir())


def test_size_that_is_not_a_number_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["figure", "--kind", "convolution", "--size", "big", "--output", "x.gif"])
    assert done.value.code == 2
    assert "argument --size: 'big' must be a whole number, or two as HxW (e.g. 1x7)" in capsys.readouterr().err


def test_convolution_gif_and_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_gif = tmp_path / "conv.gif"
    code, out, _ = run(
        capsys, "figure", "--kind", "convolution", "--size", "9", "--kernel", "3", "--stride", "2",
        "--padding", "1", "--dilation", "2", "--output", str(out_gif),
    )  # fmt: skip
    assert (code, out) == (0, f"wrote {out_gif}: output 4x4, 16 frames\n")
    with Image.open(io.BytesIO(out_gif.read_bytes())) as image:
        assert image.n_frames == 16
    out_svg = tmp_path / "pool.svg"
    code, out, _ = run(
        capsys, "figure", "googlenet", "--kind", "convolution", "--layer", "maxpool1", "--output", str(out_svg)
    )
    assert (code, out) == (0, f"wrote {out_svg}: output 56x56\n")
    assert "googlenet maxpool1 (3x3 max pool, /2)" in out_svg.read_text()


def test_an_extension_in_any_case_names_its_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from vizcore.formats import FILE_TYPES, file_format

    assert file_format("slides/table.TEX", ("csv", "latex")) == "latex"
    assert file_format("figure.jpg", ("svg", "png", "pdf")) is None
    assert FILE_TYPES["latex"].mime == "application/x-tex"
    out_gif = tmp_path / "CONV.GIF"
    code, out, _ = run(capsys, "figure", "--kind", "convolution", "--size", "4", "--output", str(out_gif))
    assert (code, out) == (0, f"wrote {out_gif}: output 2x2, 4 frames\n")
    assert out_gif.read_bytes()[:6] == b"GIF89a"
