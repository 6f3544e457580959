"""What a channel wants (AppTest): a link opens the layer and channels it names, each optimised image
beside its nine patches; hostile URL values and bad channel lists are one sentence each.

The page computes at its defaults (128 px, 256 steps); to stay affordable the computing test asks for one
channel of the first convolution (the pass stops there)."""

from __future__ import annotations

from functools import partial

from tests.app.driver import run as run_page
from tests.app.driver import said

run = partial(run_page, "pages/feature_vis.py")


def test_a_link_opens_its_layer_and_channels_and_shows_image_beside_patches() -> None:
    at = run(layer="conv_stem", channels="3")
    assert not at.exception and not at.error
    assert at.selectbox(key="fv_layer").value == "conv_stem"
    assert at.text_input(key="fv_channels").value == "3"
    shown = at.get("image")
    assert len(shown) == 1
    assert shown[0].proto.imgs[0].caption == "conv_stem, channel 3"
    assert at.query_params["layer"] == "conv_stem" and at.query_params["channels"] == "3"


def test_hostile_and_bad_values_are_one_sentence_each() -> None:
    at = run(layer="<script>alert(1)</script>", channels="9999")  # refused before any computation
    assert not at.exception
    warnings = [said(w.value) for w in at.warning]
    assert any(w.startswith("?layer=") and "is not valid here" in w for w in warnings), warnings
    assert at.selectbox(key="fv_layer").value == "blocks.3.1.conv_pw"
    assert [said(e.value) for e in at.error] == [
        "channel 9999 is out of range: blocks.3.1.conv_pw has 480 channels, numbered 0 to 479."
    ]
    at.text_input(key="fv_channels").set_value("0-40").run()
    assert [said(e.value) for e in at.error] == [
        "41 channels is more than this page computes at once (16); use `python -m vizcore visualize` for more."
    ]
    at.text_input(key="fv_channels").set_value("x" * 500).run()
    assert not at.exception and len(at.error) == 1 and "\n" not in at.error[0].value
    assert not at.get("image")


def test_a_visit_without_a_link_waits_for_the_button() -> None:
    at = run()
    assert not at.exception and not at.error
    assert at.button[0].label == "Find what these channels want"
    assert not at.get("image")  # nothing computed on a plain visit
