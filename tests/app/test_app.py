"""Every page runs with no exception (AppTest), reads its state from the URL, and answers bad input."""

from __future__ import annotations

import pytest

from tests.app.driver import run, said

PAGES = ["app.py", "pages/layer_graph.py", "pages/cost_charts.py", "pages/compare.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs(page: str) -> None:
    at = run(page, model="resnet50")
    assert not at.exception, at.exception
    assert not at.error
    assert at.selectbox(key="model").value == "resnet50"
    assert "resnet50" in str(at.query_params["model"])


def test_overview_numbers_and_depth() -> None:
    at = run("app.py", model="alexnet", input="3x227x227")
    assert at.metric[0].value == "61,100,840"
    table = at.dataframe[0].value
    assert table.loc[0, "Layer"] == "features.0" and table.loc[0, "MACs"] == 72_855_552
    assert table.loc[0, "Label"] == "11x11 conv, 64, /4" and table.loc[2, "Label"] == "3x3 max pool, /2"
    assert table.loc[0, "Memory (KiB)"] == 64 * 56 * 56 * 4 / 1024  # 11x11/4 with padding 2: 56x56 float32
    at.selectbox(key="overview_depth").set_value("1").run()
    assert list(at.dataframe[0].value["Layer"]) == ["features", "avgpool", "flatten", "classifier"]
    assert str(at.query_params["depth"]).strip("[]'") == "1"


def test_bad_input_gets_a_sentence_and_a_way_out() -> None:
    at = run("app.py", model="alexnet")
    at.text_input(key="input").set_value("3x16x16").run()
    assert not at.exception
    assert "too small" in at.error[0].value and "3x63x63" in at.error[0].value
    at.button[-1].click().run()  # "Use 3x63x63"
    assert not at.exception and not at.error and at.text_input(key="input").value == "3x63x63"
    at.text_input(key="input").set_value("banana").run()
    assert "malformed" in at.error[0].value


def test_unknown_model_in_url_falls_back() -> None:
    at = run("pages/layer_graph.py", model="resnet5")
    assert not at.exception
    assert "did you mean resnet50" in said(at.warning[0].value)
    assert at.selectbox(key="model").value == "alexnet"


def test_graph_depth_and_expand() -> None:
    at = run("pages/layer_graph.py", model="resnet18", depth="1")
    assert not at.exception
    one = at.caption[0].value
    at.selectbox(key="graph_depth").set_value("2").run()
    assert at.caption[0].value != one
    at.multiselect(key="graph_expanded").set_value(["layer1.0"]).run()
    assert not at.exception and "layer1.0" in str(at.query_params["expand"])


def test_compare_reproduces_the_lecture() -> None:
    at = run("pages/compare.py", models="alexnet,vgg16,nosuchnet")
    assert not at.exception
    assert "nosuchnet" in said(at.warning[0].value)
    text = " ".join(m.value for m in at.markdown)
    assert "**2.26x** the parameters" in text and "**21.7x** its multiply-adds" in text  # the deck: 2.3x


def test_compare_includes_the_model_in_the_url() -> None:
    at = run("pages/compare.py", model="resnet50")
    assert not at.exception
    assert at.multiselect(key="compare_models").value == ["alexnet", "resnet50"]
    assert "resnet50" in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("page", "model"),
    [
        ("pages/branch_diagrams.py", "googlenet"),
        ("pages/branch_diagrams.py", "inception_v3"),
        ("pages/residual_flows.py", "resnet50"),
        ("pages/residual_flows.py", "mobilenet_v2"),
    ],
)
def test_block_pages_run(page: str, model: str) -> None:
    at = run(page, model=model)
    assert not at.exception, at.exception
    assert not at.error and not at.warning


def test_block_pages_answer_bad_choices() -> None:
    at = run("pages/branch_diagrams.py", model="alexnet")
    assert not at.exception and "has no branch blocks" in at.info[0].value
    at.button(key="try_googlenet").click().run()
    assert (
        not at.exception
        and at.selectbox(key="model").value == "googlenet"
        and at.selectbox(key="branch_block").value == "inception3a.cat"
    )
    at = run("pages/residual_flows.py", model="resnet50", block="layer9.9")
    assert not at.exception and "?block='layer9.9' is not valid here" in said(at.warning[0].value)
    assert at.selectbox(key="residual_block").value == "layer1.0.add"


def test_residual_step_through() -> None:
    at = run("pages/residual_flows.py", model="resnet18", block="layer2.0")
    assert at.selectbox(key="residual_block").value == "layer2.0.add"
    at.slider(key="residual_step_layer2.0.add").set_value(3).run()
    assert not at.exception and at.metric[0].label.startswith("Step 3 of")


def test_classify_page_offline_default() -> None:
    at = run("pages/classify.py", sample="coffee")
    assert not at.exception, at.exception
    assert not at.error and not at.warning
    assert "EfficientNet-Lite0" in " ".join(c.value for c in at.caption)


def test_classify_page_random_weights_are_not_shown_as_predictions() -> None:
    at = run("pages/classify.py", model="resnet18", weights="random")
    assert not at.exception
    assert "random weights" in at.warning[0].value and "not shown" in at.warning[0].value


def test_classify_page_offline_torchvision_weights(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache; the network is not reachable here
    at = run("pages/classify.py", model="resnet18", weights="torchvision")
    assert not at.exception
    assert "offline" in at.error[0].value or "cache" in at.error[0].value
    at.button[-1].click().run()  # "Use EfficientNet-Lite0 (offline) instead"
    assert not at.exception and not at.error and at.radio(key="classify_source").value == "default"


# --- lecture pages: tables, the ILSVRC story, the guided tour ------------------------------------------


def test_lecture_tables_page_each_table_and_bad_id() -> None:
    from vizcore.course.lectures import table_ids

    for table_id in table_ids():
        at = run("pages/lecture_tables.py", table=table_id)
        assert not at.exception and not at.error and not at.warning, table_id
        assert str(at.query_params["table"]).strip("[]'") == table_id
    at = run("pages/lecture_tables.py", table="alexnet")
    assert not at.exception
    assert "there is no lecture table 'alexnet'; the tables are: alexnet-227" in said(at.warning[0].value)


def test_ilsvrc_page() -> None:
    at = run("pages/ilsvrc.py")
    assert not at.exception and not at.error


def test_tour_moves_and_is_a_url() -> None:
    at = run("pages/tour.py", slide="zfnet")
    assert not at.exception and at.title[0].value == "ZFNet (2013)"
    assert str(at.query_params["present"]).strip("[]'") == "1"  # presentation mode by default
    at.button(key="tour_next").click().run()
    assert at.title[0].value == "VGG-16 (2014)" and str(at.query_params["slide"]).strip("[]'") == "vgg"
    at.button(key="tour_prev").click().run()
    at.button(key="tour_prev").click().run()
    assert at.title[0].value == "AlexNet (2012)"
    at = run("pages/tour.py", slide="inception")
    assert not at.exception and at.title[0].value == "LeNet-5 (1998)"
    assert "there is no tour slide 'inception'; the slides are: lenet5, alexnet" in said(at.warning[0].value)
