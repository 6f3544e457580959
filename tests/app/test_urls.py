"""Hostile and broken URL parameters on every page (AppTest): each bad value is answered at once, on the
page that reads it, with one sentence shown as plain text (never a markdown link, never a traceback),
and the default stands in."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.driver import has_link, run, said
from tests.conftest import ROOT

EVERY_PAGE = ["app.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py") if p.stem != "__init__")]
LINK = "[click](https://probe.example/x)"


def messages(at: AppTest) -> list[str]:
    """Every text element the page drew, as markdown source."""
    return [e.value for kind in ("warning", "error", "info", "markdown", "caption") for e in getattr(at, kind)]


def warnings(at: AppTest) -> list[str]:
    return [said(w.value) for w in at.warning]


def assert_plain(at: AppTest) -> None:
    """No exception, no link from the URL, no traceback or server path in any message."""
    assert not at.exception, at.exception
    for text in messages(at):
        assert not has_link(text) or "probe" not in text, text
        assert "Traceback" not in text and str(ROOT) not in text, text


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_a_bad_model_and_a_huge_input_are_one_sentence_each(page: str) -> None:
    at = run(page, model=LINK, input="3x1000000000x1000000000")
    assert_plain(at)
    said_ = warnings(at)
    assert f"?model: unknown model '{LINK}'" in said_[0]
    assert said_[1].startswith("?input: input shape '3x1000000000x1000000000' has a size past 1,000,000: each size")
    assert said_[1].endswith("; the default is used instead.")
    assert at.selectbox(key="model").value == "alexnet" and at.text_input(key="input").value == "3x224x224"


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_inputs_past_every_limit_and_a_linked_device(page: str) -> None:
    at = run(page, input="3x99999999999999999999x9", device=LINK)
    assert_plain(at)
    assert warnings(at) == [
        "?input: input shape '3x99999999999999999999x9' has a size past 1,000,000: each size must be at most "
        "1,000,000 and the input at most 1e+17 values, e.g. 3x224x224; the default is used instead.",
        f"?device='{LINK}' is not valid here, so the default is used.",
    ]
    at = run(page, input="3x32x" + "7" * 10_000)
    assert_plain(at)
    assert warnings(at) == [
        "?input: the value is 10,005 characters long, past the 2,000 any parameter needs; the default is used instead."
    ]
    assert len(at.warning[0].value) < 300


@pytest.mark.parametrize("page", ["app.py", "pages/layer_graph.py"])
@pytest.mark.parametrize("depth", ["-1", "999"])
def test_a_bad_depth_is_reported_on_the_page_that_reads_it(page: str, depth: str) -> None:
    at = run(page, model="alexnet", depth=depth)
    assert_plain(at)
    assert warnings(at) == [f"?depth='{depth}' is not valid here, so the default is used."]
    key = "overview_depth" if page == "app.py" else "graph_depth"
    assert at.selectbox(key=key).value == "all"  # alexnet's default: every layer
    other = "pages/layer_graph.py" if page == "app.py" else "app.py"
    at.switch_page(other).run()
    assert not at.exception and not at.warning  # said once, where it was read


def test_a_page_that_does_not_read_a_parameter_says_nothing_of_it() -> None:
    at = run("pages/compare.py", depth="-1")
    assert not at.exception and not at.warning


def test_expanding_a_block_the_model_does_not_have() -> None:
    at = run("pages/layer_graph.py", model="googlenet", expand="garbage,inception3a")
    assert_plain(at)
    assert warnings(at) == ["?expand: 'garbage' is not a block of googlenet, so the graph opens without it."]
    assert at.multiselect(key="graph_expanded").value == ["inception3a"]


@pytest.mark.parametrize(("page", "param"), [("pages/compare.py", "models"), ("pages/paper_figures.py", "models")])
def test_a_linked_model_list(page: str, param: str) -> None:
    at = run(page, **{param: f"{LINK},vgg11"})
    assert_plain(at)
    assert warnings(at) == [f"?{param}='{LINK},vgg11' is not valid here, so the default is used."]


def test_a_linked_sample_photo() -> None:
    at = run("pages/classify.py", sample=LINK)
    assert_plain(at)
    assert warnings(at) == [f"?sample='{LINK}' is not valid here, so the default is used."]
    assert Path(ROOT / "assets" / "samples" / f"{at.session_state['classify_sample']}.jpg").exists()


@pytest.mark.parametrize(("value", "on"), [("yes", True), ("true", True), ("1", True), ("no", False), ("0", False)])
def test_a_flag_reads_as_it_was_checked(value: str, on: bool) -> None:
    """One parse: a flag the check accepts is the page's value (``?cumulative=yes`` once read as false)."""
    at = run("pages/cost_charts.py", model="alexnet", cumulative=value)
    assert_plain(at)
    assert not at.warning
    assert at.session_state["charts_cumulative"] is on
    at = run("pages/paper_figures.py", model="alexnet", fit=value)
    assert_plain(at)
    assert not at.warning
    assert at.session_state["paper_fit"] is on


def test_a_flag_the_check_refuses_is_one_sentence_and_the_default() -> None:
    at = run("pages/cost_charts.py", model="alexnet", cumulative="maybe")
    assert_plain(at)
    assert warnings(at) == ["?cumulative='maybe' is not valid here, so the default is used."]
    assert at.session_state["charts_cumulative"] is False


def test_numbers_and_lists_arrive_parsed() -> None:
    at = run("pages/convolution.py", source="free", size="9", kernel="3", stride="2")
    assert_plain(at)
    assert not at.warning
    assert (at.session_state["conv_size"], at.session_state["conv_stride"]) == (9, 2)
    at = run("pages/compare.py", models="alexnet,vgg11")
    assert_plain(at)
    assert not at.warning
    assert at.multiselect(key="compare_models").value == ["alexnet", "vgg11"]
