"""``summary --training``: the numbers training_cost computes, in every summary format; bad batches and
optimizers answered in one line with a non-zero exit."""

from __future__ import annotations

import csv
import io
import json

import pytest

from vizcore import formats
from vizcore.api import training_cost

ARGS = ("summary", "resnet18", "--input", "3x64x64", "--device", "cpu", "--batch", "8")


def test_json_has_totals_training(cli) -> None:
    done = cli(*ARGS, "--optimizer", "adam", "--format", "json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    cost = training_cost("resnet18", 8, "adam", (3, 64, 64))
    assert printed["totals"]["training"] == cost.totals()
    assert printed["totals"]["training"]["gradient_bytes"] == 11_689_512 * 4
    assert printed["totals"]["training"]["optimizer_bytes"] == 11_689_512 * 8
    assert printed["totals"]["params"] == 11_689_512  # the forward summary is still there
    assert printed["training"]["optimizer_state"] == ["exp_avg", "exp_avg_sq"]
    assert sum(r["saved_bytes"] for r in printed["training"]["layers"]) == cost.saved_activation_bytes
    assert set(printed["training"]["largest_batch"]) == {"16 GiB", "24 GiB", "40 GiB", "80 GiB"}


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "latex"])
def test_training_tables(cli, fmt: str) -> None:
    done = cli(*ARGS, "--training", "--format", fmt)  # the optimizer defaults to SGD with momentum
    assert done.returncode == 0, done.stderr
    cost = training_cost("resnet18", 8, "sgd", (3, 64, 64))
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(done.stdout)))
        assert rows[0]["name"] == "conv1" and int(rows[0]["saved_bytes"]) == 8 * 3 * 64 * 64 * 4
        assert sum(int(r["saved_bytes"]) for r in rows) == cost.saved_activation_bytes
        assert sum(int(r["optimizer_bytes"]) for r in rows) == 11_689_512 * 4
    elif fmt == "markdown":
        assert done.stdout.startswith("| Layer | Type | Params | Saved for backward |")
        assert "| **Total** |" in done.stdout and "**11,689,512**" in done.stdout
    elif fmt == "latex":
        assert done.stdout.startswith("\\begin{tabular}") and "Total &  & 11,689,512" in done.stdout
    else:
        assert f"Saved activations: {formats.human_bytes(cost.saved_activation_bytes)} (" in done.stdout
        assert "Largest batch that fits (16 GB: " in done.stdout and "allocator's overhead" in done.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--batch", "0"), "error: batch 0 has no samples to train on: use a batch of 1 or more, e.g. 32."),
        (("--batch", "-3"), "error: batch -3 has no samples to train on"),
        (("--batch", "1000000000000"), "error: batch 1,000,000,000,000 is more than any GPU holds"),
        (("--batch", "lots"), "argument --batch: invalid int value: 'lots'"),
        (("--optimizer", "rmsprop"), "argument --optimizer: invalid choice: 'rmsprop'"),
    ],
)
def test_bad_training_input_is_one_line(cli, args: tuple[str, ...], needle: str) -> None:
    done = cli("summary", "resnet18", "--training", *args)
    assert done.returncode != 0 and done.stdout == ""
    assert needle in done.stderr and len(done.stderr.strip().splitlines()) == 1
