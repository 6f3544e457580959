"""Presentation mode's layouts (AppTest): the layer graph fits the screen and Paper figures fold, unless
the URL or the teacher chose an orientation; the choice is written to the URL only when it was made."""

from __future__ import annotations

from tests.app.driver import run


def test_layer_graph_fits_the_screen_in_presentation_mode() -> None:
    at = run("pages/layer_graph.py", model="resnet50", present="1")
    assert not at.exception, at.exception
    assert at.session_state["graph_orientation"] == "fit"
    assert "orientation" not in at.query_params  # the mode's default, not a choice a link should carry
    at.selectbox(key="graph_orientation").select("horizontal").run()
    assert at.session_state["graph_orientation"] == "horizontal"
    assert at.query_params["orientation"] == "horizontal"
    at.toggle(key="present").set_value(False).run()
    assert at.session_state["graph_orientation"] == "horizontal"  # the teacher's choice stays


def test_an_orientation_in_the_url_wins() -> None:
    at = run("pages/layer_graph.py", model="resnet50", present="1", orientation="vertical")
    assert at.session_state["graph_orientation"] == "vertical"
    at = run("pages/layer_graph.py", model="alexnet")
    assert at.session_state["graph_orientation"] == "vertical"  # outside presentation mode: as the papers draw


def test_paper_figures_fold_in_presentation_mode() -> None:
    url = {"model": "vgg19", "models": "plain34,resnet34", "figure": "columns"}
    at = run("pages/paper_figures.py", **url, present="1")
    assert not at.exception, at.exception
    assert at.session_state["paper_orientation"] == "folded"
    assert [e.label for e in at.expander] == ["Figure options"]
    assert at.expander[0].selectbox(key="paper_orientation").value == "folded"
    at = run("pages/paper_figures.py", **url)
    assert at.session_state["paper_orientation"] == "vertical" and not at.expander
    at = run("pages/paper_figures.py", **url, present="1", orientation="horizontal")
    assert at.session_state["paper_orientation"] == "horizontal"
