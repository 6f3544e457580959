"""The builder page (AppTest): live numbers against the starting model, errors naming the line, the
spec in the URL, what-if comparisons, starting from a zoo model."""

from __future__ import annotations

from functools import partial

from streamlit.testing.v1 import AppTest

from tests.app.driver import run as run_page
from tests.app.driver import said
from tests.conftest import ROOT
from vizcore.builder import spec

run = partial(run_page, "pages/builder.py")


def metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def edit(at: AppTest, text: str) -> AppTest:
    """What the layer-list box does when typed into (AppTest cannot type into a custom component)."""
    at.session_state["builder_spec"] = text
    return at.run()


def current(at: AppTest) -> str:
    text: str = at.session_state["builder_spec"]
    return text


def url_spec(at: AppTest) -> str:
    return spec.from_link(str(at.query_params["spec"]).strip("[]'"))


def test_edit_reanalyses_against_the_start() -> None:
    at = run()
    assert not at.exception and not at.error
    assert metrics(at)["Parameters"] == ("61,100,840", "the same params as alexnet")
    text = current(at)
    assert text.startswith("input 3x224x224\nconv 11x11/4 64 pad 2\n")
    # ZFNet's conv1 in AlexNet: 7x7/2 with 64 filters gives 3.52x the MACs
    edit(at, text.replace("conv 11x11/4 64 pad 2", "conv 7x7/2 64 pad 1"))
    assert not at.exception and not at.error
    got = metrics(at)
    assert got["Parameters"] == ("61,087,016", "-13,824 params against alexnet")  # 64 * 3 * (121 - 49)
    assert got["MACs"][1] == "3.52x the MACs of alexnet"
    assert got["Receptive field of the last map"] == ("115 px, stride 32", "alexnet: 195 px, stride 32")
    assert "conv 7x7/2 64 pad 1" in url_spec(at)
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["Line", "Layer", "Label", "Type"]
    assert table.loc[0, "Line"] == 2 and table.loc[0, "RF"] == "7" and table.loc[0, "Eff. stride"] == "2"


def test_a_mistake_names_its_line_and_keeps_the_editor() -> None:
    at = run()
    edit(at, "input 3x14x14\nconv 3x3 64\nconv 5x5 256\nconv 5x5/2 256\nconv 5x5 64")
    assert not at.exception
    assert [said(e.value) for e in at.error] == [
        "line 5: conv 5x5 64 needs at least 5x5 input, but line 4 leaves 256x2x2."
    ]
    assert current(at).startswith("input 3x14x14")
    for text, message in (("", "the spec is empty"), ("relu", "line 1: the spec must start with its input")):
        edit(at, text)
        assert not at.exception and message in said(at.error[0].value)


def test_the_url_carries_the_spec() -> None:
    text = "input 3x32x32\nconv 3x3 8 pad 1\nrelu\ngap\nflatten\nfc 10\n"
    at = run(spec=spec.to_link(text) or "", **{"from": "blank"})
    assert not at.exception and not at.error
    assert current(at) == text
    assert metrics(at)["Parameters"][0] == f"{3 * 9 * 8 + 8 + 8 * 10 + 10:,}"
    at = run(spec="not-a-spec")
    assert not at.exception
    assert "damaged" in at.warning[0].value
    assert current(at).startswith("input 3x224x224\nconv 11x11/4 64")


def test_start_from_a_zoo_model_and_compare_what_ifs() -> None:
    at = run()
    at.selectbox(key="builder_start").set_value("resnet18").run()
    assert not at.exception
    assert current(at).splitlines()[5] == "residual basic 64"
    assert metrics(at)["Parameters"] == ("11,689,512", "the same params as resnet18")
    at.button_group(key="builder_whatif").set_value("One 7x7 conv or three 3x3 convs?").run()
    table = at.dataframe[1].value
    assert list(table["params"]) == [64 * 64 * 49 + 64, 3 * (64 * 64 * 9 + 64)]
    assert list(table["receptive field"]) == ["7 px, stride 1", "7 px, stride 1"]
    at.button(key="builder_edit_b").click().run()
    assert current(at).count("conv 3x3 64 pad 1") == 3


def test_overview_table_has_the_receptive_field() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["model"] = "vgg16"
    at.run()
    table = at.dataframe[0].value.set_index("Layer")
    assert (table.loc["features.28", "RF"], table.loc["features.28", "Eff. stride"]) == ("196", "16")
    assert table.loc["features.30", "RF"] == "212"


def test_the_builder_runs_on_the_sidebars_device() -> None:
    at = run(device="cpu")
    assert not at.exception
    assert any("traced on meta, run on cpu." in c.value for c in at.caption)
