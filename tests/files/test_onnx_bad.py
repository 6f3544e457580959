"""Each bad ONNX file is refused with one sentence that says what and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from onnx import TensorProto, helper

import vizcore
from tests.support.onnx_files import tiny_onnx
from vizcore.errors import ModelFileError, VizcoreError
from vizcore.files import onnxfile


def model(nodes: list, *, inits: tuple = (), opset: int = 17, shape: tuple = (1, 3, 8, 8)) -> bytes:
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, None)],
        list(inits),
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]).SerializeToString()


def refused(data: object, *match: str) -> str:
    with pytest.raises(ModelFileError) as caught:
        vizcore.analyze(data, device="cpu")  # type: ignore[arg-type]
    text = str(caught.value)
    assert text.endswith(".") and "\n" not in text
    for part in match:
        assert part in text
    return text


def test_a_tiny_model_is_analysed_with_its_numbers() -> None:
    a = vizcore.analyze(tiny_onnx(4), device="cpu")
    assert a.input_shape == (1, 3, 8, 8)
    assert [(n.name, n.label, n.params, n.macs) for n in a.layers] == [("conv", "3x3 conv, 4", 108, 4 * 27 * 64)]


def test_empty_truncated_and_foreign_files() -> None:
    refused(b"", "the file is empty")
    good = tiny_onnx(4)
    refused(good[: len(good) // 2], "not ONNX, or it is cut short")
    refused(b"\x89PNG\r\n\x1a\n" + bytes(100), "not ONNX")
    refused(b"\x08\x07", "holds no ONNX graph")  # valid protobuf: a model with only an IR version


def test_operators_from_other_domains_are_named() -> None:
    node = helper.make_node("FusedConv", ["x"], ["y"], domain="com.microsoft")
    refused(model([node]), "outside the standard ONNX set (com.microsoft::FusedConv)")


def test_operators_nothing_converts_are_named() -> None:
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Hardmax", ["r"], ["y"], axis=1)]
    refused(model(nodes, opset=17), "no converter for the ONNX operators Hardmax")


def test_nested_graphs_are_refused() -> None:
    branch = helper.make_graph([], "b", [], [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)])
    cond = helper.make_tensor("c", TensorProto.BOOL, [], [True])
    node = helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch)
    refused(model([node], inits=(cond,)), "control flow with nested graphs (If)", "fixed input")


def test_a_graph_past_the_node_limit() -> None:
    nodes = [helper.make_node("Relu", [f"t{i}" if i else "x"], [f"t{i + 1}"]) for i in range(onnxfile.MAX_NODES + 1)]
    refused(model(nodes), f"{onnxfile.MAX_NODES + 1:,} nodes, past the limit of 20,000")


def test_sizes_past_the_limits() -> None:
    huge = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**40, 3, 3, 3])
    refused(model([helper.make_node("Conv", ["x", "w"], ["y"])], inits=(huge,)), "weight 'w' declares a size of")
    negative = helper.make_node("Relu", ["x"], ["y"])
    refused(model([negative], shape=(1, 3, -5, 8)), "tensor 'x' declares a size of 1x3x-5x8")
    refused(model([negative], shape=(1, 3, 2**31, 2**31)), "past what can be traced")


def test_outside_weights_past_the_placeholder_limit() -> None:
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[100_000, 3, 30, 30])
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="/dev/zero")
    refused(model([helper.make_node("Conv", ["x", "w"], ["y"])], inits=(w,)), "270,000,000 values, past the limit")


def test_symbolic_sizes_and_wrong_ranks() -> None:
    data = model([helper.make_node("Relu", ["x"], ["y"])], shape=("N", 3, "H", "W"))
    a = vizcore.analyze(data, device="cpu")
    assert a.input_shape == (1, 3, 224, 224)
    assert a.notes[0] == (
        "The file leaves N, H, W open in its input Nx3xHxW; they were taken from the default input: 1x3x224x224."
    )
    with pytest.raises(ModelFileError, match="has 4 dimensions but the input given, 1x1x3x8x8, has 5"):
        vizcore.analyze(data, (1, 1, 3, 8, 8), "cpu")


def test_paths_that_are_not_files(tmp_path: Path) -> None:
    refused(tmp_path / "nothing.onnx", "there is no file")
    (tmp_path / "dir.onnx").mkdir()
    refused(tmp_path / "dir.onnx", "is not a file")
    assert issubclass(ModelFileError, VizcoreError)
