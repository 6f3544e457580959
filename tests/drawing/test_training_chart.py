"""The training chart: one stacked bar per layer, its parts the bytes training_cost counts for it."""

from __future__ import annotations

from torch import nn

from vizcore.api import training_cost
from vizcore.drawing.charts import training_chart


def test_stacked_bars_are_the_layers_bytes() -> None:
    b, c, h = 4, 8, 16
    model = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(c * h * h, 10))
    fig = training_chart(training_cost(model, b, "adam", (3, h, h)))
    assert fig.layout.barmode == "stack"
    assert fig.layout.yaxis.title.text == "bytes at batch 4 (adam)"
    saved, gradients, state = fig.data
    assert [t.name for t in fig.data] == ["saved activations", "gradients", "optimizer state"]
    assert saved.x == gradients.x == state.x == ("0", "1", "3")  # Flatten saves nothing and owns nothing
    # the convolution saves its input, the in-place ReLU its result; Linear's input is that same storage
    assert saved.y == (b * 3 * h * h * 4, b * c * h * h * 4, 0)
    conv, linear = 3 * c * 9 + c, c * h * h * 10 + 10
    assert gradients.y == (conv * 4, 0, linear * 4)
    assert state.y == (conv * 8, 0, linear * 8)  # Adam: two floats per parameter
    assert list(saved.customdata[0]) == ["Conv2d", "12,288", "12 KiB"]
    assert list(state.customdata[2]) == ["Linear", "163,920", "160.08 KiB"]
