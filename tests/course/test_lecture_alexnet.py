"""AlexNet at 3x227x227 against the lecture table, row by row; expected numbers derived from layer sizes."""

from __future__ import annotations

import pytest

import vizcore

FLOAT32 = 4


def conv(out_c: int, in_c: int, k: int, h: int) -> tuple[tuple[int, ...], int, int, int]:
    """Expected (shape, bytes, params, MACs) of a k x k convolution with an h x h output."""
    return (1, out_c, h, h), out_c * h * h * FLOAT32, out_c * (in_c * k * k + 1), out_c * h * h * in_c * k * k


def fc(out_f: int, in_f: int) -> tuple[tuple[int, ...], int, int, int]:
    return (1, out_f), out_f * FLOAT32, out_f * (in_f + 1), out_f * in_f


LECTURE = {
    "features.0": conv(64, 3, 11, 56),  # conv1
    "features.3": conv(192, 64, 5, 27),  # conv2
    "features.6": conv(384, 192, 3, 13),  # conv3
    "features.8": conv(256, 384, 3, 13),  # conv4
    "features.10": conv(256, 256, 3, 13),  # conv5
    "classifier.1": fc(4096, 9216),  # fc6
    "classifier.4": fc(4096, 4096),  # fc7
    "classifier.6": fc(1000, 4096),  # fc8
}


@pytest.fixture(scope="module")
def alexnet() -> vizcore.Analysis:
    return vizcore.analyze("alexnet", (3, 227, 227), device="cpu")


@pytest.mark.parametrize("name", LECTURE)
def test_rows_match_the_lecture(alexnet: vizcore.Analysis, name: str) -> None:
    shape, nbytes, params, macs = LECTURE[name]
    layer = alexnet.layer(name)
    assert (layer.output_shape, layer.output_bytes, layer.params, layer.macs) == (shape, nbytes, params, macs)


def test_the_slides_numbers_as_printed(alexnet: vizcore.Analysis) -> None:
    conv1, conv2, conv4 = alexnet.layer("features.0"), alexnet.layer("features.3"), alexnet.layer("features.8")
    assert conv1.output_shape == (1, 64, 56, 56) and conv1.output_bytes == 784 * 1024
    assert (conv1.params, conv1.macs) == (23_296, 72_855_552)
    assert conv2.output_bytes == 546.75 * 1024 and (conv2.params, conv2.macs) == (307_392, 223_948_800)
    assert conv4.macs == 149_520_384  # the slide prints 145 M; 256 x 13 x 13 x 384 x 9 is 149.5 M
    assert alexnet.layer("classifier.6").params == 4_097_000


def test_pools_and_totals(alexnet: vizcore.Analysis) -> None:
    assert [n.output_shape for n in alexnet.layers if n.type == "MaxPool2d"] == [
        (1, 64, 27, 27),
        (1, 192, 13, 13),
        (1, 256, 6, 6),
    ]
    assert alexnet.totals.params == 61_100_840
    assert alexnet.totals.macs == sum(macs for _, _, _, macs in LECTURE.values())
    # in-place ReLUs and the flatten view allocate nothing; every conv, pool and fc output does
    fresh = [n.name for n in alexnet.layers if n.new_memory]
    assert "features.1" not in fresh and "flatten" not in fresh and "features.0" in fresh
    assert alexnet.totals.activation_bytes == sum(n.output_bytes for n in alexnet.layers if n.new_memory)


def test_table_reads_in_lecture_units(alexnet: vizcore.Analysis) -> None:
    from vizcore.formats import summary_table

    text = summary_table(alexnet)
    conv1 = next(line for line in text.splitlines() if line.startswith("features.0 "))
    assert "1x64x56x56" in conv1 and "23,296" in conv1 and "72.86 M" in conv1 and "784 KiB" in conv1
    assert "Total params: 61,100,840" in text
