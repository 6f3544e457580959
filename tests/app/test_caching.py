"""What the server's caches hold: analyses bounded by analysis_for's entries, whatever was derived from
them; the builder's analyses shared as objects and kept apart by device; compare's baseline."""

from __future__ import annotations

import gc

from vizcore.engine.analysis import Analysis
from webapp.caching import MAX_ANALYSES, analysis_for, derived
from webapp.widgets import baseline


def layer_names(analysis: Analysis, depth: int | None) -> list[str]:
    return [r.name for r in analysis.rows(depth)]


def output_shapes(analysis: Analysis) -> list[tuple[int, ...]]:
    return [r.output_shape for r in analysis.rows(None)]


def live_analyses() -> int:
    gc.collect()
    return sum(isinstance(o, Analysis) for o in gc.get_objects())


def test_derived_values_do_not_keep_analyses_alive() -> None:
    analysis_for.clear()
    elsewhere = live_analyses()  # held by other tests' module-level fixtures in the same process
    batches = range(1, MAX_ANALYSES + 21)  # more analyses than analysis_for keeps
    for batch in batches:
        analysis = analysis_for("lenet5", (batch, 1, 32, 32), "cpu")
        assert derived(layer_names, analysis, 1) == [r.name for r in analysis.rows(1)]
        del analysis
    assert live_analyses() - elsewhere == MAX_ANALYSES  # before: every one that had a derived value, up to 256
    newest = analysis_for("lenet5", (batches[-1], 1, 32, 32), "cpu")
    assert derived(layer_names, newest, None) == [r.name for r in newest.rows(None)]
    analysis_for.clear()
    del newest
    assert live_analyses() == elsewhere


def test_a_derived_value_follows_its_analysis() -> None:
    first = analysis_for("lenet5", (1, 1, 32, 32), "cpu")
    other = analysis_for("lenet5", (2, 1, 32, 32), "cpu")
    assert derived(layer_names, first, None) is derived(layer_names, first, None)  # computed once, shared
    assert derived(output_shapes, first)[-1] == (1, 10) and derived(output_shapes, other)[-1] == (2, 10)


def test_the_baseline_is_the_first_model_that_traced() -> None:
    alexnet = analysis_for("alexnet", (1, 3, 224, 224), "cpu")
    vgg = analysis_for("vgg11", (1, 3, 224, 224), "cpu")
    assert baseline(["resnet50", "alexnet", "vgg11"], {"alexnet": alexnet, "vgg11": vgg}) == "alexnet"
    assert baseline(["alexnet", "vgg11"], {"alexnet": alexnet, "vgg11": vgg}) == "alexnet"
    assert baseline(["resnet50"], {}) is None


def test_a_shared_chart_is_turned_into_a_dict_once_and_says_what_the_figure_says() -> None:
    import plotly.io as pio
    import plotly.tools

    from vizcore.drawing.charts import cost_chart
    from webapp.caching import shareable

    figure = cost_chart(analysis_for("alexnet", (1, 3, 224, 224), "auto"), "flops", "layer")
    shared = shareable(figure)
    sent = plotly.tools.return_figure_from_figure_or_data(shared, validate_figure=True)  # as st.plotly_chart does
    assert sent is shared.to_dict()  # the second rerun gets the same dict, not a deep copy
    assert pio.from_json(pio.to_json(sent)) == pio.from_json(pio.to_json(figure))
    assert [bar["name"] for bar in sent["data"]] == [bar.name for bar in figure.data]
