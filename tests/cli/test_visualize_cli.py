"""``vizcore visualize``: one RGB PNG per channel at its own size and a grid; bad input is one line on
stderr and a non-zero exit. Small runs (48 px, 2 steps): what is checked here is the command, not the images
(tests/photos/test_featurevis.py checks those)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from vizcore.cli import main


def test_writes_one_png_per_channel_and_a_grid(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = cli(
        "visualize", "--layer", "blocks.2.0.conv_pw", "--channels", "0,5,9", "--steps", "2", "--size", "48",
        "--output", str(out), "--device", "cpu",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["0.png", "5.png", "9.png", "grid.png"]
    for name in ("0.png", "5.png", "9.png"):
        with Image.open(out / name) as image:
            assert (image.mode, image.size) == ("RGB", (48, 48))
    with Image.open(out / "grid.png") as grid:
        assert grid.size == (3 * 48 + 2 * 2, 48)  # three in a row, 2-pixel gaps
    assert "blocks.2.0.conv_pw, 3 images of 48 px after 2 steps" in done.stdout


def test_diversity_writes_k_images_per_channel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["visualize", "--layer", "logits", "--channels", "207", "--diversity", "2", "--steps", "1", "--size", "32"]
    assert main([*args, "--output", str(tmp_path), "--device", "cpu"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["207-0.png", "207-1.png", "grid.png"]


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (
            ["--layer", "blocks.3.1.bn1", "--channels", "0"],
            "error: efficientnet_lite0 has no convolution 'blocks.3.1.bn1'",
        ),
        (["--layer", "conv_stem", "--channels", "32"], "error: channel 32 is out of range: conv_stem has 32 channels"),
        (["--layer", "conv_stem", "--channels", "0-99999"], "names more than 64 channels: ask for fewer"),
        (["--layer", "conv_stem", "--channels", "0;rm -rf /"], "must be whole numbers separated by commas"),
        (["--layer", "conv_stem", "--channels", "9-3"], "has a range that runs backwards"),
        (["--layer", "conv_stem", "--channels", "0", "--seed", "abc"], "--seed 'abc' must be a whole number"),
        (["--layer", "conv_stem", "--channels", "0", "--seed", "-1"], "--seed '-1' must be a whole number"),
        (["--layer", "conv_stem", "--channels", "0", "--steps", "100000"], "error: steps must be 1 to 4096"),
        (["--layer", "conv_stem", "--channels", "0", "--model", "lenet5"], "error: torchvision publishes no weights"),
        (["--layer", "conv_stem", "--channels", "0", "--weights", "/nonexistent.pth"], "error: cannot read"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(
    args: list[str], sentence: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["visualize", *args, "--output", str(tmp_path / "never"), "--device", "cpu"])
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code != 0 and sentence in err and err.count("\n") == 1, err
    assert not (tmp_path / "never").exists()
