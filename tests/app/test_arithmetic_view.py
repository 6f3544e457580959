"""The worked arithmetic one click away (AppTest): a row of the Overview table shows its layer's working,
whose figures are the analysis's own; a convolution offers its animation; a block row says how to see
its layers."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

import vizcore
from tests.app.driver import run, said


@pytest.fixture(scope="module")
def alexnet() -> vizcore.Analysis:
    return vizcore.analyze("alexnet", (1, 3, 224, 224))


def select(at: AppTest, row: int) -> AppTest:
    at.session_state["overview_rows"] = {"selection": {"rows": [row], "columns": []}}
    return at.run()


def step(at: AppTest, quantity: str) -> str:
    """The working column of one quantity in the table the page drew."""
    for element in at.markdown:
        found = re.search(rf"^\| {re.escape(quantity)} \| [^|]* \| ([^|]*) \|$", element.value, re.M)
        if found:
            return found[1]
    raise AssertionError(f"no {quantity} row in the working")


def test_a_selected_row_shows_its_working_with_the_analysis_macs(alexnet: vizcore.Analysis) -> None:
    at = run("app.py", model="alexnet")
    assert not at.exception
    assert "Select a row" in at.main.caption[-1].value
    names = [n.name for n in alexnet.layers]
    counted = [n for n in alexnet.layers if n.macs]
    assert [n.name for n in counted] == [f"features.{i}" for i in (0, 3, 6, 8, 10)] + [
        f"classifier.{i}" for i in (1, 4, 6)
    ]
    for node in counted:
        select(at, names.index(node.name))
        assert not at.exception
        assert step(at, "MACs").endswith(f"= {node.macs:,}")
        assert f"= {node.params:,}" in step(at, "params")
    assert step(at, "MACs") == "1,000 × 4,096 = 4,096,000"  # classifier.6, the last one selected


def test_a_conv_row_offers_its_animation_and_a_linear_row_does_not(alexnet: vizcore.Analysis) -> None:
    at = select(run("app.py", model="alexnet"), [n.name for n in alexnet.layers].index("features.3"))
    assert step(at, "output size H'") == "floor((27 − 5 + 2·2) / 1) + 1 = 27"
    assert step(at, "MACs") == "139,968 × (64×5×5) = 223,948,800"
    at.button(key="overview_see_it_move").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="conv_layer").value == "features.3"
    assert at.metric[0].value == "27×27"
    assert at.query_params["layer"] == "features.3" and at.query_params["model"] == "alexnet"
    at = select(run("app.py", model="alexnet"), [n.name for n in alexnet.layers].index("classifier.1"))
    assert step(at, "MACs") == "4,096 × 9,216 = 37,748,736"
    assert not [b for b in at.button if b.key == "overview_see_it_move"]


def test_a_block_row_says_how_to_see_its_layers() -> None:
    at = run("app.py", model="resnet18", depth="1")
    select(at, 4)  # conv1, bn1, relu, maxpool, then layer1
    assert not at.exception
    # two basic blocks of conv, bn, relu, conv, bn, add, relu
    assert said(at.main.caption[-1].value) == (
        "layer1 is a block of 14 layers: set the depth to all to see each layer's working."
    )


def test_a_clicked_box_of_the_layer_graph_shows_its_working(alexnet: vizcore.Analysis) -> None:
    at = run("pages/layer_graph.py", model="alexnet")
    at.session_state["graph_view"] = {"selected": "node3"}  # as the viewer reports a click on the box
    at.run()
    assert not at.exception
    assert at.subheader[0].value == "features.3: 5x5 conv, 192"  # its ReLU is drawn inside the box
    node = alexnet.layer("features.3")
    assert step(at, "MACs").endswith(f"= {node.macs:,}")
    assert step(at, "params") == "5×5×64×192 + 192 = 307,392 (Cin = 64)" and node.params == 307_392
    assert at.button(key="graph_see_it_move").label == "See it move"


def test_a_flagged_lecture_cell_shows_the_slides_working_beside_ours() -> None:
    at = run("pages/lecture_tables.py", table="alexnet-227")
    assert not at.exception
    assert [e.label for e in at.expander] == [
        "1. conv4, flop (M): the slide's working beside ours (alexnet, features.8)"
    ]
    assert (
        "256 x 13 x 13 x (384 x 3 x 3) = 149,520,384; no rounding of that prints 145"
        in at.expander[0].markdown[0].value
    )
    assert step(at, "MACs") == "43,264 × (384×3×3) = 149,520,384"
    assert step(at, "output size H'") == "floor((13 − 3 + 2·1) / 1) + 1 = 13"


def test_a_layer_in_the_url_opens_its_working_and_a_missing_one_is_one_sentence() -> None:
    at = run("app.py", model="alexnet", layer="features.6")
    assert not at.exception and not at.warning
    assert step(at, "params") == "3×3×192×384 + 384 = 663,936 (Cin = 192)"
    assert at.query_params["layer"] == "features.6"
    at = run("app.py", model="alexnet", layer="features.99")
    assert not at.exception
    assert [said(w.value) for w in at.warning] == [
        "?layer: alexnet's table at depth all has no row 'features.99'; the default is used instead."
    ]
    assert "layer" not in at.query_params and "Select a row" in at.main.caption[-1].value
    at = run("app.py", model="resnet18", depth="1", layer="layer1.0.conv1")
    assert [said(w.value) for w in at.warning] == [
        "?layer: resnet18's table at depth 1 has no row 'layer1.0.conv1', only inside a block: add depth=all to "
        "the URL; the default is used instead."
    ]
    at.selectbox(key="overview_depth").set_value("all").run()
    assert not at.warning and "Select a row" in at.main.caption[-1].value
