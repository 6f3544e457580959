"""The CLI prints what the API computes; every bad input gets one line on stderr and a non-zero exit."""

from __future__ import annotations

import csv
import io
import json

import pytest

import vizcore


def test_summary_json_is_to_dict(cli) -> None:
    done = cli("summary", "resnet18", "--input", "3x64x64", "--format", "json", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed == json.loads(json.dumps(vizcore.analyze("resnet18", (3, 64, 64), device="cpu").to_dict()))
    assert {"layers", "totals", "graph", "conventions"} <= set(printed)
    assert set(printed["totals"]) >= {"params", "macs", "flops", "activation_bytes"}
    layer = printed["layers"][0]
    assert {"name", "type", "output_shape", "params", "macs", "output_bytes"} <= set(layer)
    assert layer["output_shape"] == [1, 64, 32, 32]


def test_summary_table_resnet50(cli) -> None:
    done = cli("summary", "resnet50", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    assert "Total params: 25,557,032" in done.stdout and "4.09 G" in done.stdout


@pytest.mark.parametrize("fmt", ["csv", "markdown", "latex"])
def test_slide_formats(cli, fmt: str) -> None:
    done = cli("summary", "alexnet", "--input", "1x3x227x227", "--format", fmt, "--depth", "1", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(done.stdout)))
        assert [r["name"] for r in rows] == ["features", "avgpool", "flatten", "classifier"]
        assert sum(int(r["params"]) for r in rows) == 61_100_840
    elif fmt == "markdown":
        assert done.stdout.splitlines()[1].startswith("|---") and "| **Total** |" in done.stdout
    else:
        assert done.stdout.startswith("\\begin{tabular}") and "61,100,840" in done.stdout


def test_graph_formats(cli) -> None:
    done = cli("graph", "resnet18", "--format", "json", "--device", "cpu")
    graph = json.loads(done.stdout)
    assert sum(n["op"] == "add" for n in graph["nodes"]) == 8
    dot = cli("graph", "googlenet", "--device", "cpu").stdout
    assert dot.startswith("digraph") and 'subgraph "cluster_inception3a"' in dot and dot.count("->") > 200


def test_models_lists_families(cli) -> None:
    done = cli("models")
    assert done.returncode == 0 and "LeNet (1998)" in done.stdout and "googlenet_paper" in done.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["summary", "resnt50"], "did you mean resnet50"),
        (["summary", "vgg16", "--input", "3x224"], "is malformed"),
        (["summary", "vgg16", "--input", "three"], "is malformed"),
        (["summary", "vgg16", "--input", "3x0x224"], "not positive"),
        (["summary", "vgg16", "--input=-3x224x224"], "not positive"),
        (["summary", "alexnet", "--input", "3x32x32"], "smallest square input that works is 3x63x63"),
        (["summary", "resnet50", "--input", "1x224x224"], "takes 3 input channels"),
        (["summary", "lenet5", "--input", "1x64x64"], "layer f6 (Linear)"),
        (["summary", "resnet18", "--depth", "0"], "depth"),
        (["summary", "resnet18", "--format", "pdf"], "invalid choice"),
        (["graph", "resnet18", "--device", "tpu"], "device"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_gets_one_line(cli, args: list[str], needle: str) -> None:
    done = cli(*args)
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_too_small_names_the_layer_and_shape() -> None:
    with pytest.raises(vizcore.InputTooSmallError) as info:
        vizcore.analyze("alexnet", (3, 32, 32), device="cpu")
    assert info.value.layer.startswith("features.") and info.value.input_shapes
    assert "got 1x" in str(info.value)


def test_api_errors() -> None:
    with pytest.raises(vizcore.ChannelMismatchError):
        vizcore.analyze("resnet18", (1, 1, 64, 64), device="cpu")
    with pytest.raises(vizcore.InputShapeError, match="required for a custom module"):
        vizcore.analyze(__import__("torch").nn.Conv2d(1, 1, 1))
    with pytest.raises(vizcore.InputShapeError):
        vizcore.analyze("resnet18", (1, 3, 2.5, 64))  # type: ignore[arg-type]
    with pytest.raises(vizcore.VizcoreError, match=r"not a device|not available"):
        vizcore.analyze("resnet18", device="cuda:9" if not __import__("torch").cuda.is_available() else "bogus")
    assert vizcore.parse_shape("3x224x224") == (1, 3, 224, 224) == vizcore.parse_shape(" 1, 3, 224, 224 ")
