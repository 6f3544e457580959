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


def test_a_very_deep_network_opens_at_its_projector_default() -> None:
    # ResNet-1202 at the page's depth is 1,809 boxes; on a projector: its blocks, repeats folded (10 boxes)
    at = run("pages/layer_graph.py", model="resnet1202_cifar", present="1")
    assert not at.exception, at.exception
    assert at.session_state["graph_depth"] == "1" and at.session_state["graph_repeats"] is True
    assert at.query_params["repeats"] == "1" and at.query_params["depth"] == "1"
    assert "10 boxes for 4210 layers" in at.caption[0].value
    at.multiselect(key="graph_expanded").select("3").run()  # the teacher opens the first block
    assert not at.exception, at.exception
    assert "13 boxes" in at.caption[0].value
    at = run("pages/layer_graph.py", model="resnet1202_cifar")  # outside presentation mode: as before
    assert at.session_state["graph_depth"] == "2" and at.session_state["graph_repeats"] is False


def test_repeats_in_the_url() -> None:
    at = run("pages/layer_graph.py", model="resnet110_cifar", depth="1", repeats="yes")
    assert not at.exception, at.exception
    assert at.session_state["graph_repeats"] is True and "10 boxes" in at.caption[0].value
    at = run("pages/layer_graph.py", model="resnet110_cifar", depth="1", repeats="maybe")
    assert at.session_state["graph_repeats"] is False and "59 boxes" in at.caption[0].value
    assert any("repeats" in w.value for w in at.warning)
