"""ONNX files from both of PyTorch's exporters give the zoo's numbers; weights stored outside a file are
never read; symbolic sizes are filled in and said so; the CLI takes a path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import onnx
import pytest
from onnx.external_data_helper import convert_model_to_external_data

import vizcore
from tests.support.onnx_files import SMALL, export
from vizcore.engine.analysis import Analysis
from vizcore.zoo import get_model


@pytest.fixture(scope="module")
def zoo_resnet18() -> Analysis:
    return vizcore.analyze("resnet18", SMALL, "cpu")


def test_torchscript_export_gives_the_zoo_macs_and_the_file_names(resnet18_torchscript: Path, zoo_resnet18) -> None:
    a = vizcore.analyze(resnet18_torchscript, device="cpu")
    assert a.input_shape == SMALL  # the file's fixed size, no shape given
    assert a.totals.macs == zoo_resnet18.totals.macs == 148_557_824
    # the exporter folds batch norm into the convolutions: 9,600 scale-and-shift values fewer, 4,800 biases more
    assert a.totals.params == 11_684_712
    assert a.traced_on == "meta"
    labels = {n.name: n.label for n in a.layers}
    assert labels["conv1"] == "7x7 conv, 64, /2"
    assert labels["layer2.0.downsample.0"] == "1x1 conv, 128, /2"
    assert labels["layer4.1.add"] == "add"
    assert labels["fc"] == "fc 1000"
    assert [(b.name, b.kind, b.shortcut) for b in a.blocks] == [
        (b.name, b.kind, b.shortcut) for b in zoo_resnet18.blocks
    ]
    assert a.uncounted_ops == {}


def test_dynamo_export_gives_the_zoo_macs(resnet18_dynamo: Path, zoo_resnet18) -> None:
    a = vizcore.analyze(str(resnet18_dynamo), device="cpu")
    assert a.totals.macs == zoo_resnet18.totals.macs
    assert a.totals.params == 11_679_912  # batch norm folded, and the convolutions keep no bias
    assert [b.name for b in a.blocks] == [b.name for b in zoo_resnet18.blocks]
    assert {n.name: n.label for n in a.layers}["avgpool"] == "avg pool"  # ReduceMean over H and W


def test_branchy_model_from_bytes_finds_the_zoo_blocks(googlenet_dynamo: Path) -> None:
    zoo = vizcore.analyze("googlenet", SMALL, "cpu")
    a = vizcore.analyze(googlenet_dynamo.read_bytes(), device="cpu")
    assert a.model == "model.onnx"
    assert a.totals.macs == zoo.totals.macs == 123_256_832
    assert [(b.name, b.kind, len(b.branches)) for b in a.blocks] == [
        (b.name, b.kind, len(b.branches)) for b in zoo.blocks
    ]
    assert len(a.blocks) == 9


def test_a_parsed_model_proto_is_analysed_and_left_unchanged(resnet18_torchscript: Path, zoo_resnet18) -> None:
    proto = onnx.load(str(resnet18_torchscript))
    before = proto.SerializeToString()
    assert vizcore.analyze(proto, device="cpu").totals.macs == zoo_resnet18.totals.macs
    assert proto.SerializeToString() == before


def test_graph_only_file_never_opens_the_path_it_names(
    resnet18_torchscript: Path, tmp_path: Path, zoo_resnet18
) -> None:
    model = onnx.load(str(resnet18_torchscript))
    convert_model_to_external_data(model, all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    hostile = ("../../etc/passwd", "../../../no/such/dir/weights.bin")
    for index, tensor in enumerate(model.graph.initializer):
        tensor.ClearField("raw_data")  # the weights are nowhere: only the graph is written
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = hostile[index % 2]  # opening either would fail or leak
    path = tmp_path / "graph_only.onnx"
    path.write_bytes(model.SerializeToString())
    assert path.stat().st_size < 100_000  # the graph alone
    a = vizcore.analyze(path, device="cpu")
    assert a.totals.macs == zoo_resnet18.totals.macs
    assert a.totals.params == 11_684_712
    assert a.traced_on == "meta"
    assert any("stored outside the file and were not read" in note for note in a.notes)


def test_default_exporter_writes_weights_outside_and_they_are_not_read(resnet18_dynamo: Path, tmp_path: Path) -> None:
    model = onnx.load(str(resnet18_dynamo))
    onnx.save_model(model, str(tmp_path / "r.onnx"), save_as_external_data=True, location="r.onnx.data")
    (tmp_path / "r.onnx.data").write_bytes(b"not the weights")  # a file the analysis must not read
    a = vizcore.analyze(tmp_path / "r.onnx", device="cpu")
    assert a.totals.macs == 148_557_824


def test_symbolic_batch_comes_from_the_input_given(tmp_path: Path) -> None:
    net = vizcore.zoo.get_model("resnet18")
    path = export(
        net, tmp_path / "a.onnx", dynamo=False, shape=(1, 3, 64, 64), dynamic_axes={"x": {0: "N"}}, input_names=["x"]
    )
    a = vizcore.analyze(path, (2, 3, 64, 64), "cpu")
    assert a.input_shape == (2, 3, 64, 64)
    assert a.totals.macs == 2 * 148_557_824
    assert "The file leaves N open in its input Nx3x64x64; they were taken from the input given: 2x3x64x64." in a.notes
    fixed = vizcore.analyze(path, (2, 3, 128, 128), "cpu")
    assert fixed.input_shape == (2, 3, 64, 64)
    assert fixed.notes[0].startswith("The file leaves N open")


def test_fixed_sizes_win_over_the_input_given(resnet18_torchscript: Path) -> None:
    a = vizcore.analyze(resnet18_torchscript, (3, 32, 32), "cpu")
    assert a.input_shape == SMALL
    assert "The file fixes its input at 1x3x64x64; that size was used, not the one given." in a.notes


def test_cli_takes_an_onnx_path(cli, resnet18_torchscript: Path, tmp_path: Path) -> None:
    summary = cli("summary", str(resnet18_torchscript), "--format", "json")
    assert summary.returncode == 0, summary.stderr
    data = json.loads(summary.stdout)
    assert data["model"] == "resnet18_ts.onnx"
    assert data["totals"]["macs"] == 148_557_824
    blocks = cli("blocks", str(resnet18_torchscript))
    assert blocks.stdout.startswith("resnet18_ts.onnx: 0 branch and 8 residual blocks")
    figure = cli("figure", str(resnet18_torchscript), "resnet18", "-o", str(tmp_path / "f.svg"))
    assert figure.returncode == 0, figure.stderr
    assert (tmp_path / "f.svg").read_text().count("<svg") >= 1


def test_cli_answers_a_bad_file_with_one_line(cli, tmp_path: Path) -> None:
    shutil.copyfile(__file__, tmp_path / "not.onnx")
    for path, sentence in (
        (tmp_path / "not.onnx", "the file is not ONNX, or it is cut short"),
        (tmp_path / "missing.onnx", "there is no file"),
    ):
        done = cli("graph", str(path))
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1 and sentence in done.stderr


INCEPTION_INPUT = (1, 3, 96, 96)  # past Inception-v3's smallest input (75), small enough to export quickly


@pytest.mark.parametrize(
    ("name", "shape", "count", "dynamo"),
    [
        ("inception_v3", INCEPTION_INPUT, 15, False),
        ("inception_v3", INCEPTION_INPUT, 15, True),
        ("googlenet", SMALL, 9, False),  # the default exporter's GoogLeNet: test_branchy_model_from_bytes...
    ],
    ids=["inception_v3-torchscript", "inception_v3-dynamo", "googlenet-torchscript"],
)
def test_both_exporters_find_the_zoo_branch_blocks(
    name: str, shape: tuple[int, ...], count: int, dynamo: bool, tmp_path: Path
) -> None:
    """A concatenation feeding another (Inception-v3's Mixed_7b splits its 3x3 branch in two) closes
    its own block: the simplifier must not merge the two, and where the TorchScript exporter already
    merged them into one Concat, they are split again."""
    path = export(get_model(name), tmp_path / f"{name}.onnx", dynamo=dynamo, shape=shape, **_inside(dynamo))
    zoo = vizcore.analyze(name, shape, "cpu")
    a = vizcore.analyze(path, device="cpu")
    assert [(b.name, b.kind, len(b.branches)) for b in a.blocks] == [
        (b.name, b.kind, len(b.branches)) for b in zoo.blocks
    ]
    assert len(a.blocks) == count
    assert a.totals.macs == zoo.totals.macs


def _inside(dynamo: bool) -> dict[str, object]:
    return {"external_data": False} if dynamo else {"opset_version": 17}


def test_graph_only_weights_are_never_allocated(resnet18_dynamo: Path, tmp_path: Path, zoo_resnet18) -> None:
    """Placeholders for outside weights convert to meta tensors: nothing allocated or filled, whatever
    the model's size, and the same weights as the file that holds them (its exporter folded batch norm)."""
    from vizcore.files.reader import read_onnx

    model = onnx.load(str(resnet18_dynamo))
    onnx.save_model(model, str(tmp_path / "r.onnx"), save_as_external_data=True, location="r.onnx.data")
    found = read_onnx(tmp_path / "r.onnx", None)
    weights = list(found.module.parameters())
    assert weights and all(w.is_meta for w in weights)
    assert sum(w.numel() for w in weights) == 11_679_912
    a = vizcore.analyze(tmp_path / "r.onnx", device="cpu")
    assert (a.totals.params, a.totals.macs) == (11_679_912, zoo_resnet18.totals.macs)
    assert a.traced_on == "meta"


def test_a_file_with_some_weights_inside_and_some_outside_is_analysed(
    resnet18_torchscript: Path, tmp_path: Path, zoo_resnet18
) -> None:
    """Small biases inside the file, big weights outside: a layer holding both is built from zeros
    instead of meta tensors, and the numbers are the same."""
    model = onnx.load(str(resnet18_torchscript))
    convert_model_to_external_data(model, all_tensors_to_one_file=True, location="w.bin", size_threshold=1024)
    inside = [t for t in model.graph.initializer if t.data_location != onnx.TensorProto.EXTERNAL]
    assert inside and len(inside) < len(model.graph.initializer)
    path = tmp_path / "mixed.onnx"
    path.write_bytes(model.SerializeToString())
    a = vizcore.analyze(path, device="cpu")
    assert (a.totals.params, a.totals.macs) == (11_684_712, zoo_resnet18.totals.macs)
