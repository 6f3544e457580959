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


def test_the_numbers_on_request_and_the_projector() -> None:
    at = run(size="7", kernel="3", stride="2", numbers="1")
    assert not at.exception and not at.error
    assert at.toggle(key="conv_numbers").value is True and at.query_params["numbers"] == "1"
    at.toggle(key="conv_numbers").set_value(False).run()
    assert "numbers" not in at.query_params
    at = run(size="7", kernel="3", stride="2", numbers="perhaps")
    assert at.toggle(key="conv_numbers").value is False
    assert any("numbers" in w.value for w in at.warning)
    # presentation mode: the frames carry the formula, large; no caption repeats it in small type
    assert any("floor((7 − 3 + 2·0) / 2)" in m.value for m in run(size="7", kernel="3", stride="2").markdown)
    at = run(size="7", kernel="3", stride="2", present="1")
    assert not at.exception and not at.metric  # the frames say the output size
    assert not any("floor(" in m.value for m in at.markdown)
    assert [e.label for e in at.expander] == ["Settings"]  # folded away, the screen left to the animation
    assert at.expander[0].toggle(key="conv_numbers").value is False
