"""The Convolution page (AppTest): settings from the URL, the output size on screen, a zoo layer, and
one sentence for a missing layer, a kernel that does not fit and an absurd size."""

from __future__ import annotations

from functools import partial

from tests.app.driver import run as run_page
from tests.app.driver import said

run = partial(run_page, "pages/convolution.py")


def test_free_settings_from_the_url() -> None:
    at = run(size="7", kernel="3", stride="2", padding="0", dilation="1")
    assert not at.exception and not at.error
    assert at.metric[0].value == "3×3"
    assert "H' = floor((H − K + 2P) / S) + 1 = floor((7 − 3 + 2·0) / 2) + 1 = 3" in at.markdown[0].value
    assert [b.label for b in at.get("download_button")] == ["Download GIF", "Download SVG"]
    at.number_input(key="conv_padding").set_value(1).run()
    assert at.metric[0].value == "4×4"
    assert at.query_params["padding"] == "1"


def test_a_zoo_layer_from_the_url() -> None:
    at = run(model="googlenet", layer="maxpool1")
    assert not at.exception and not at.error
    assert at.metric[0].value == "56×56"
    assert "ceil((112 − 3 + 2·0) / 2) + 1 = 56" in at.markdown[0].value
    assert "top-left corner, 15×15 of 56×56" in at.caption[0].value


def test_bad_input_is_one_sentence_and_the_page_recovers() -> None:
    at = run(size="3", kernel="5")
    assert not at.exception
    assert at.error[0].value == (
        "a window 5 pixels wide (kernel 5, dilation 1) does not fit in an input of 3 padded by 0 on each side (3): "
        "no output position; use a smaller kernel or more padding."
    )
    at.number_input(key="conv_padding").set_value(1).run()
    assert not at.error and at.metric[0].value == "1×1"
    at = run(size="100000")
    assert at.error[0].value == "size 100000 must be a whole number from 1 to 4096."
    at = run(model="googlenet", layer="maxpool9")
    assert not at.exception and not at.error
    assert said(at.warning[0].value) == (
        "?layer: googlenet has no convolution or pooling layer named 'maxpool9'; the default is used instead."
    )
    assert at.selectbox(key="conv_layer").value == "conv1.conv"
