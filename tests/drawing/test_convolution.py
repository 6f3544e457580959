"""The convolution animation: one GIF frame per output position (sampled past MAX_FRAMES), a large
layer drawn as its top-left corner, the output size with its formula, and one sentence for bad settings."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import vizcore
from vizcore.drawing import convolution
from vizcore.drawing.convolution import ConvolutionSettingsError, settings
from vizcore.engine.arithmetic import NoOutputError, NoSuchLayerError


def gif_frames(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF"
        return int(image.n_frames)


@pytest.mark.parametrize(
    ("args", "output", "frames"),
    [
        ((7, 3, 2, 0, 1), (3, 3), 9),  # floor((7 - 3) / 2) + 1 = 3
        ((9, 3, 2, 1, 2), (4, 4), 16),  # floor((9 + 2 - 4 - 1) / 2) + 1 = 4
        ((5, 3, 1, 1, 1), (5, 5), 25),  # "same" by padding 1
        ((5, 5, 1, 0, 1), (1, 1), 1),  # the kernel covers the whole input
        ((12, 3, 1, 0, 1), (10, 10), 100),  # exactly MAX_FRAMES
        ((20, 3, 1, 0, 1), (18, 18), 100),  # 324 positions, sampled to 100
    ],
)
def test_one_frame_per_output_position(args: tuple[int, ...], output: tuple[int, int], frames: int) -> None:
    s = settings(*args)
    assert s.output == output
    assert len(convolution.frame_positions(s)) == frames
    assert gif_frames(convolution.gif(s)) == frames


def test_sampling_keeps_first_and_last_evenly_spaced() -> None:
    picks = convolution.frame_positions(settings(20, 3), limit=10)
    assert picks[0] == (0, 0) and picks[-1] == (17, 17) and len(picks) == 10
    assert picks[1] == (2, 0)  # position 36 of 324: every 35.9th in reading order


def test_a_large_layer_is_drawn_as_its_corner() -> None:
    a = vizcore.analyze("googlenet", device="cpu")
    s = convolution.from_layer(a, "maxpool1")
    assert (s.size, s.kernel, s.stride, s.ceil_mode, s.output) == ((112, 112), (3, 3), (2, 2), True, (56, 56))
    assert convolution.drawn_region(s) == ((32, 32), (15, 15))  # windows 0..14 lie within the first 31 pixels
    assert gif_frames(convolution.gif(s)) == 100
    svg = convolution.svg(s)
    assert "top-left 32×32 of input 112×112, padded by 0" in svg
    assert "H&#x27; = ceil((H − K + 2P) / S) + 1 = ceil((112 − 3 + 2·0) / 2) + 1 = 56" in svg


def test_svg_draws_padding_taps_and_lit_positions() -> None:
    s = settings(5, 3, 2, 1, 2, channels=4, groups=4)
    assert s.output == (2, 2)
    frame = convolution.svg(s, (0, 1))
    assert frame.count(">0</text>") == 7 * 7 - 5 * 5  # every padding cell says 0
    assert frame.count(f'fill="{convolution.PALETTE["tap"]}"') == 9 + 1  # 3x3 taps and the current output
    assert frame.count(f'fill="{convolution.PALETTE["lit"]}"') == 1  # (0, 0) done before (0, 1)
    assert "depthwise: 4 filters, each reads 1 input channel" in frame
    grouped = convolution.svg(settings(5, 3, channels=4, groups=2))
    assert "4 filters in 2 groups: each reads 2 of 4 input channels" in grouped
    assert grouped.count("<line") == 1 + 4 * 2  # the kernel's arrow and each filter's 2 inputs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"size": 3, "kernel": 5},
            "a window 5 pixels wide (kernel 5, dilation 1) does not fit in an input of 3 padded by 0 on each side (3): "
            "no output position; use a smaller kernel or more padding.",
        ),
        ({"size": 100000, "kernel": 3}, "size 100000 must be a whole number from 1 to 4096."),
        ({"size": 7, "kernel": 0}, "kernel 0 must be a whole number from 1 to 4096."),
        ({"size": 7, "kernel": 3, "padding": -1}, "padding -1 must be a whole number from 0 to 4096."),
        (
            {"size": 7, "kernel": 3, "channels": 6, "groups": 4},
            "groups 4 must divide the channels (6 in, 6 out); depthwise is groups = channels.",
        ),
    ],
)
def test_bad_settings_are_one_sentence(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises((ConvolutionSettingsError, NoOutputError)) as err:
        settings(**kwargs)
    assert str(err.value) == message


def test_layers_that_do_not_slide_a_window() -> None:
    a = vizcore.analyze("alexnet", device="cpu")
    with pytest.raises(NoSuchLayerError, match="alexnet has no layer named 'conv9'"):
        convolution.from_layer(a, "conv9")
    with pytest.raises(ConvolutionSettingsError) as err:
        convolution.from_layer(a, "features.1")
    assert str(err.value) == "features.1 (relu) does not slide a 2-D window; pick a convolution or pooling layer."
    conv1 = convolution.from_layer(a, "features.0")
    assert (conv1.kernel, conv1.stride, conv1.padding, conv1.in_channels, conv1.out_channels) == (
        (11, 11),
        (4, 4),
        (2, 2),
        3,
        64,
    )


def test_the_numbers_are_the_convolution_torch_computes() -> None:
    import torch

    from vizcore.drawing import convolution as conv

    for s in (
        conv.settings(7, 3, 2, 0, 1, 1, 1),
        conv.settings(6, 3, 1, 1, 1, 1, 1),  # padding reads 0
        conv.settings(9, 3, 2, 2, 2, 1, 1),  # dilated taps
        conv.settings(8, 4, 2, 1, 1, 1, 1),
    ):
        h, w = s.size
        image = torch.tensor([[conv.example_input(r, q) for q in range(w)] for r in range(h)], dtype=torch.float64)
        kernel = torch.tensor(conv.example_kernel(s), dtype=torch.float64)
        expected = torch.nn.functional.conv2d(
            image[None, None], kernel[None, None], stride=s.stride, padding=s.padding, dilation=s.dilation
        )[0, 0]
        got = [[conv.output_value(s, (i, j)) for j in range(s.output[1])] for i in range(s.output[0])]
        assert got == expected.tolist(), s
    s = conv.settings(7, 3, 2, 0, 1, 1, 1)
    assert conv.example_kernel(s) == [[-1, 0, 1]] * 3  # a vertical-edge detector
    assert conv.window_values(s, (1, 1)) == [[0, 2, 4], [3, 5, 7], [6, 8, 0]]
    assert conv.working(s, (1, 1)) == ["Σ = −1·0 + 0·2 + 1·4", "  + −1·3 + 0·5 + 1·7", "  + −1·6 + 0·8 + 1·0", "  = 2"]
    frame = conv.svg(s, (1, 1), numbers=True)
    assert ">Σ = −1·0 + 0·2 + 1·4<" in frame and ">−8<" in frame  # output (1, 0), lit before (1, 1)
    assert "Σ" not in conv.svg(s, (1, 1))  # only on request
    pool = conv.settings(6, 2, 2, 0, 1, 1, 1, pool=True)
    assert conv.working(pool, (0, 1)) == ["max(4, 6, 7, 9) = 9"]
