"""The Classify page with an uploaded ONNX file (AppTest): a file with real weights and ImageNet's 1000
classes is offered as the network and classifies the sample photos as the torch model does; a link
reopens it; a file that cannot classify is not offered, and one sentence says why."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest
from torch import nn

from pages.classify import ONNX_PREPROCESSING
from tests.app.driver import run, said
from tests.conftest import ROOT
from tests.support import onnx_files
from vizcore.photos import inference


@pytest.fixture(autouse=True)
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIZCORE_UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture(scope="module")
def lite0() -> onnx_files.ImageNetInput:
    return onnx_files.lite0()


@pytest.fixture(scope="module")
def lite0_file(lite0: onnx_files.ImageNetInput, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return onnx_files.export_lite0(lite0, tmp_path_factory.mktemp("classify") / "lite0.onnx").read_bytes()


def uploaded(name: str, data: bytes) -> AppTest:
    """A session that dropped ``data`` in the sidebar, then opened the Classify page."""
    at = run("app.py")
    at.file_uploader(key="onnx_file").set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception and not at.error
    return at.switch_page("pages/classify.py").run()


def top5_labels(at: AppTest) -> list[str]:
    """The top-5 chart's classes, the most likely first (the chart draws it on top, as its last bar)."""
    chart = next(e for e in at.get("plotly_chart") if "top5" in e.proto.id)
    return [str(label) for label in json.loads(chart.proto.spec)["data"][0]["y"]][::-1]


def expected_top5(lite0: onnx_files.ImageNetInput, sample: str) -> list[str]:
    preprocessing = inference.imagenet_preprocessing(3, 224)
    x = preprocessing(Image.open(ROOT / "assets" / "samples" / f"{sample}.jpg").convert("RGB")).unsqueeze(0)
    with torch.no_grad():
        indices = lite0(x).softmax(-1)[0].topk(5).indices
    categories = inference.default_classifier("cpu").categories
    return [categories[i] for i in indices]


def test_the_uploaded_file_classifies_the_sample_photos(lite0_file: bytes, lite0: onnx_files.ImageNetInput) -> None:
    at = uploaded("lite0.onnx", lite0_file)
    assert not at.exception and not at.error
    source = at.radio(key="classify_source")
    assert source.options == ["EfficientNet-Lite0, pretrained (works offline)", "lite0.onnx, the file's own weights"]
    source.set_value("onnx")
    at.selectbox(key="classify_sample").set_value("cat")
    at.run()
    assert not at.exception and not at.error, at.error
    assert ONNX_PREPROCESSING in [c.value for c in at.caption]
    name = "upload-" + hashlib.sha256(lite0_file).hexdigest()[:8]
    assert any(c.value.startswith(f"{name}'s own weights on cpu: preprocessing") for c in at.caption)
    assert at.query_params["weights"] == "onnx"
    labels = top5_labels(at)
    assert labels == expected_top5(lite0, "cat")
    assert labels[0] in {"tabby", "tiger cat", "Egyptian cat"}


def test_a_link_reopens_the_file_as_the_network(lite0_file: bytes) -> None:
    model = "onnx:" + hashlib.sha256(lite0_file).hexdigest()
    uploaded("lite0.onnx", lite0_file)
    at = run("pages/classify.py", model=model, weights="onnx", sample="coffee")
    assert not at.exception and not at.error and not at.warning
    assert at.radio(key="classify_source").value == "onnx"
    assert top5_labels(at)[0] == "espresso"


def test_a_file_with_ten_classes_is_not_offered_and_one_sentence_says_why(tmp_path: Path) -> None:
    torch.manual_seed(0)
    ten = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10))
    data = onnx_files.export(ten, tmp_path / "ten.onnx", dynamo=False, shape=(1, 3, 32, 32)).read_bytes()
    at = uploaded("ten.onnx", data)
    assert not at.exception and not at.error
    assert at.radio(key="classify_source").options == ["EfficientNet-Lite0, pretrained (works offline)"]
    assert [said(i.value) for i in at.info] == [
        "ten.onnx cannot classify photos: it ends in 1x10, not ImageNet's 1000 classes, whose names the "
        "predictions are given."
    ]
    assert at.get("plotly_chart")  # the offline default still classifies
