"""The Cost charts page's training view (AppTest): the numbers shown are training_cost's, batch and
optimizer live in the URL, and a bad URL value is one sentence with the default in its place."""

from __future__ import annotations

import pytest

from tests.app.driver import run, said
from vizcore.api import training_cost
from vizcore.formats import human_bytes

PAGE = "pages/cost_charts.py"


def test_the_numbers_shown_are_training_costs() -> None:
    at = run(PAGE, model="resnet18", batch="8", optimizer="sgd")
    assert not at.exception and not at.warning and not at.error
    cost = training_cost("resnet18", 8, "sgd", (1, 3, 224, 224))
    shown = {m.label: (m.value, m.help) for m in at.metric}
    for label, size in (
        ("Saved activations", cost.saved_activation_bytes),
        ("Gradients", cost.gradient_bytes),
        ("Optimizer state", cost.optimizer_bytes),
        ("Weights", cost.weight_bytes),
        ("One step total", cost.step_bytes),
    ):
        assert shown[label] == (human_bytes(size), f"{size:,} bytes"), label
    assert shown["Gradients"] == ("44.59 MiB", "46,758,048 bytes")  # 11,689,512 parameters, 4 bytes each
    assert cost.optimizer_bytes == cost.gradient_bytes  # SGD's momentum: one float per parameter
    fits = at.dataframe[0].value
    assert list(fits["Card"]) == ["16 GB", "24 GB", "40 GB", "80 GB"]
    assert list(fits["Largest batch"]) == [f.max_batch for f in cost.fits]
    captions = [said(c.value) for c in at.caption]
    assert any("allocator's overhead" in c and "not counted" in c for c in captions)
    assert at.number_input(key="charts_batch").value == 8
    downloads = [d.proto.label for d in at.get("download_button")]
    assert downloads == ["Download CSV", "Download Markdown", "Download LaTeX"]
    assert at.query_params["batch"] == "8" and at.query_params["optimizer"] == "sgd"


def test_the_controls_write_the_url() -> None:
    at = run(PAGE)
    assert "batch" not in at.query_params and not [m for m in at.metric if m.label == "One step total"]
    at.toggle(key="charts_training").set_value(True).run()
    assert at.number_input(key="charts_batch").value == 32 and at.query_params["batch"] == "32"
    at.number_input(key="charts_batch").set_value(4)
    at.button_group(key="charts_optimizer").set_value("adam")
    at.run()
    assert not at.exception
    assert at.query_params["batch"] == "4" and at.query_params["optimizer"] == "adam"
    cost = training_cost("alexnet", 4, "adam", (1, 3, 224, 224))
    assert {m.label: m.help for m in at.metric}["Optimizer state"] == f"{cost.optimizer_bytes:,} bytes"
    assert cost.optimizer_bytes == 2 * cost.gradient_bytes  # Adam: two floats per parameter


@pytest.mark.parametrize(
    ("param", "value", "sentence"),
    [
        ("batch", "0", "?batch: batch 0 has no samples to train on: use a batch of 1 or more, e.g. 32"),
        ("batch", "-3", "?batch: batch -3 has no samples to train on: use a batch of 1 or more, e.g. 32"),
        ("batch", "99999999999", "?batch: batch 99,999,999,999 is more than any GPU holds: use at most 65,536 samples"),
        ("batch", "eight", "?batch: batch must be a whole number, not 'eight'; e.g. batch=32"),
        ("optimizer", "rmsprop", "?optimizer: unknown optimizer 'rmsprop': use 'sgd' or 'adam'"),
    ],
)
def test_a_bad_value_is_one_sentence_and_the_default(param: str, value: str, sentence: str) -> None:
    at = run(PAGE, **{param: value})
    assert not at.exception and not at.error
    assert [said(w.value) for w in at.warning] == [f"{sentence}; the default is used instead."]
    assert at.number_input(key="charts_batch").value == 32
    assert at.button_group(key="charts_optimizer").value == "sgd"
    assert at.query_params["batch"] == "32" and at.query_params["optimizer"] == "sgd"
    assert [m.label for m in at.metric][-1] == "One step total"
