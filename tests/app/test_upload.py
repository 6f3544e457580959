"""The sidebar's ONNX uploader (AppTest): a dropped file becomes the model of every page through the URL
(``?model=onnx:<id>``, its content's hash), a link reopens it in a fresh session, sessions never see each
other's uploads, and a bad file is one sentence while the model in use stays."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from onnx import TensorProto, helper
from streamlit.testing.v1 import AppTest

from tests.app.driver import run, said
from tests.app.test_urls import EVERY_PAGE
from tests.support.onnx_files import export
from tests.support.toys import tiny_classifier

SHAPE = (1, 3, 16, 16)


def params(channels: int) -> int:
    return sum(p.numel() for p in tiny_classifier(channels).parameters())


def macs(channels: int) -> int:
    """A 3x3 convolution at every one of 16x16 positions for each output channel, then the linear layer."""
    return channels * 16 * 16 * 3 * 3 * 3 + channels * 4


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, bytes]:
    """Two different exported files (8 and 6 channels), from PyTorch's TorchScript exporter."""
    folder = tmp_path_factory.mktemp("upload")
    return {c: export(tiny_classifier(c), folder / f"tiny{c}.onnx", dynamo=False, shape=SHAPE).read_bytes() for c in (8, 6)}


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIZCORE_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def model_of(data: bytes) -> str:
    return "onnx:" + hashlib.sha256(data).hexdigest()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="onnx_file").set_value((name, data, "application/octet-stream"))
    return at.run()


def test_an_uploaded_file_becomes_the_model_and_the_url_names_it(files: dict[int, bytes], store: Path) -> None:
    at = upload(run("app.py"), "my_net.onnx", files[8])
    assert not at.exception and not at.error
    model = model_of(files[8])
    assert at.selectbox(key="model").value == model
    assert at.query_params["model"] == model
    assert at.text_input(key="input").value == "3x16x16"
    assert said(at.title[0].value) == "my_net.onnx"
    assert at.metric[0].value == f"{params(8):,}"
    assert at.metric[1].proto.help.startswith(f"{macs(8):,}")
    assert sorted(p.name for p in store.iterdir()) == [f"{model.removeprefix('onnx:')}.onnx"]  # by hash, not name


def test_a_link_reopens_the_upload_in_a_fresh_session_on_every_page(files: dict[int, bytes]) -> None:
    model = model_of(files[8])
    upload(run("app.py"), "my_net.onnx", files[8])
    name = f"upload-{model.removeprefix('onnx:')[:8]}"
    graph = run("pages/layer_graph.py", model=model)
    assert not graph.exception and not graph.warning and not graph.error
    assert graph.selectbox(key="model").value == model
    assert graph.title[0].value == f"{name}: layer graph, 3x16x16"
    overview = run("app.py", model=model)
    assert said(overview.title[0].value) == name  # another session never learns the uploader's file name
    compare = run("pages/compare.py", model=model)
    assert not compare.exception and not compare.error
    table = compare.dataframe[0].value
    assert list(table["model"]) == ["alexnet", name]
    assert list(table["params"]) == [61_100_840, params(8)]


def test_two_sessions_uploading_different_files_never_see_each_others(files: dict[int, bytes]) -> None:
    first = upload(run("app.py"), "first.onnx", files[8])
    second = upload(run("app.py"), "second.onnx", files[6])
    assert first.selectbox(key="model").value == model_of(files[8])
    assert second.selectbox(key="model").value == model_of(files[6])
    uploaded = [[o for o in at.selectbox(key="model").options if o.startswith("Uploaded")] for at in (first, second)]
    assert uploaded == [["Uploaded · first.onnx"], ["Uploaded · second.onnx"]]
    assert first.metric[0].value == f"{params(8):,}" and second.metric[0].value == f"{params(6):,}"
    first.switch_page("pages/layer_graph.py").run()
    assert first.title[0].value.startswith(f"upload-{model_of(files[8])[5:13]}: layer graph")


def graph(*nodes: object) -> bytes:
    """A one-input ONNX model of ``nodes`` (the last one's output is the model's)."""
    made = helper.make_graph(
        list(nodes),
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    return helper.make_model(made, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


@pytest.mark.parametrize(
    ("bad", "sentence"),
    [
        (b"this is not a model", "the file is not ONNX, or it is cut short"),
        (b"", "the file is empty"),
        (graph(helper.make_node("FusedConv", ["x"], ["y"], domain="com.microsoft")), "(com.microsoft::FusedConv)"),
        # kept (it is ONNX), then refused when converted: the model in use still stays
        (graph(helper.make_node("Hardmax", ["x"], ["y"], axis=1)), "no converter for the ONNX operators Hardmax"),
    ],
)
def test_a_bad_file_is_one_sentence_and_the_model_in_use_stays(bad: bytes, sentence: str) -> None:
    at = upload(run("app.py"), "broken.onnx", bad)
    assert not at.exception
    assert len(at.error) == 1
    message = said(at.error[0].value)
    assert message.startswith("broken.onnx: ") and sentence in message and "\n" not in message, message
    assert at.selectbox(key="model").value == "alexnet" and at.query_params["model"] == "alexnet"


def test_a_truncated_file_after_a_good_one_keeps_the_good_one(files: dict[int, bytes]) -> None:
    at = upload(run("app.py"), "good.onnx", files[8])
    at = upload(at, "cut.onnx", files[6][: len(files[6]) // 2])
    assert not at.exception
    assert len(at.error) == 1 and said(at.error[0].value).startswith(
        "cut.onnx: the file is not ONNX, or it is cut short"
    )
    assert at.selectbox(key="model").value == model_of(files[8])
    assert said(at.title[0].value) == "good.onnx"


def test_a_link_to_an_upload_this_server_does_not_keep_is_one_sentence() -> None:
    at = run("app.py", model="onnx:" + "0" * 64)
    assert not at.exception
    assert [said(w.value) for w in at.warning] == [
        "?model: that upload is no longer kept (uploads expire): upload the file again; the default is used instead."
    ]
    assert at.selectbox(key="model").value == "alexnet"


@pytest.mark.parametrize("page", EVERY_PAGE)
def test_every_page_opens_with_an_uploaded_model(files: dict[int, bytes], page: str) -> None:
    model = model_of(files[8])
    upload(run("app.py"), "my_net.onnx", files[8])
    at = run(page, model=model)
    assert not at.exception, at.exception
    assert at.selectbox(key="model").value == model
