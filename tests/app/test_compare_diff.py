"""Compare's "What changed": two of the chosen models matched layer by layer, from a link; hostile or
unknown ?diff values answered with one sentence while the page keeps working."""

from __future__ import annotations

from tests.app.driver import run, said


def test_what_changed_from_a_link() -> None:
    at = run("pages/compare.py", models="resnet34,plain34", diff="resnet34,plain34")
    assert not at.exception
    assert [s.value for s in at.subheader][-1] == "What changed"
    assert (at.selectbox(key="compare_before").value, at.selectbox(key="compare_after").value) == (
        "resnet34",
        "plain34",
    )
    table = at.dataframe[-1].value
    assert list(table["Change"]).count("removed") == 19  # 16 additions and 3 projection shortcuts
    assert list(table["Before"])[3] == "1x1 conv, 128, /2" and list(table["Params"])[3] == "-8,448"
    assert any("**19** removed" in m.value and "**-173,824**" in m.value for m in at.markdown)
    assert at.query_params["diff"] == "resnet34,plain34"


def test_the_pair_turned_round_and_hostile_values() -> None:
    at = run("pages/compare.py", models="vgg16,vgg19", diff="vgg19,vgg16")
    assert not at.exception
    assert list(at.dataframe[-1].value["Change"]) == ["removed"] * 3
    hostile = run("pages/compare.py", models="vgg16,vgg19", diff="vgg16,<script>alert(1)</script>")
    assert not hostile.exception
    warnings = [said(w.value) for w in hostile.warning]
    assert any(w.startswith("?diff=") and "is not valid here, so the default is used" in w for w in warnings)
    assert list(hostile.dataframe[-1].value["Change"]) == ["added"] * 3  # the default: the first two, in order
    stranger = run("pages/compare.py", models="vgg16,vgg19", diff="vgg16,resnet50")
    assert any(said(w.value).startswith("?diff='vgg16,resnet50' is not valid here") for w in stranger.warning)
    assert not stranger.exception
