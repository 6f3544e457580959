"""Classifying photos with an ONNX file's own weights: the offline EfficientNet-Lite0 exported as a user
would, with its pixel scaling inside, gives the torch model's top-5 on real photos; files that cannot
classify ImageNet photos are refused with one sentence each."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest
import torch
from onnx.external_data_helper import convert_model_to_external_data
from PIL import Image
from skimage import data
from torch import nn

from tests.support import onnx_files
from tests.support.onnx_files import ImageNetInput, export
from tests.support.toys import tiny_classifier
from vizcore.errors import WeightsError
from vizcore.photos import attribution, channels, inference

CATS = {"tabby", "tiger cat", "Egyptian cat"}  # ImageNet's three domestic cats: Chelsea could be any


@pytest.fixture(scope="module")
def lite0() -> ImageNetInput:
    return onnx_files.lite0()


@pytest.fixture(scope="module")
def lite0_file(lite0: ImageNetInput, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return onnx_files.export_lite0(lite0, tmp_path_factory.mktemp("classify") / "lite0.onnx").read_bytes()


@pytest.fixture(scope="module")
def classifier(lite0_file: bytes) -> inference.Classifier:
    return inference.onnx_classifier(lite0_file, "lite0.onnx", "cpu")


@pytest.mark.parametrize(("photo", "expected"), [(data.chelsea, CATS), (data.coffee, {"espresso"})])
def test_the_files_top5_is_the_torch_models(
    classifier: inference.Classifier, lite0: ImageNetInput, photo, expected: set[str]
) -> None:
    result = inference.classify(classifier, Image.fromarray(photo()))
    with torch.no_grad():
        probs = lite0(result.input).softmax(-1)[0]
    values, indices = probs.topk(5)
    assert [p.index for p in result.predictions] == indices.tolist()
    assert [p.prob for p in result.predictions] == pytest.approx(values.tolist(), abs=1e-5)
    assert result.predictions[0].label in expected
    assert result.input.shape == (1, 3, 224, 224)


def test_the_file_gets_imagenet_preprocessing_at_its_declared_size(classifier: inference.Classifier) -> None:
    assert classifier.transform == inference.Preprocessing(
        256, 224, "bilinear", inference.IMAGENET_MEAN, inference.IMAGENET_STD
    )
    assert classifier.weights == "lite0.onnx's own weights" and classifier.pretrained
    assert len(classifier.categories) == 1000 and classifier.categories[281] == "tabby"


def test_photos_classified_together_equal_photos_classified_alone(classifier: inference.Classifier) -> None:
    """The file fixes its batch at 1 (the default exporter writes a reshape to 1x1280): a batch runs photo by photo."""
    photos = [Image.fromarray(data.chelsea()), Image.fromarray(data.coffee())]
    together = inference.classify_batch(classifier, photos)
    alone = [inference.classify(classifier, p) for p in photos]
    for a, b in zip(together, alone, strict=True):
        assert [p.index for p in a.predictions] == [p.index for p in b.predictions]
        assert [p.prob for p in a.predictions] == pytest.approx([p.prob for p in b.predictions], abs=1e-6)


def test_feature_maps_grad_cam_and_receptive_fields_work_on_the_converted_layers(
    classifier: inference.Classifier,
) -> None:
    result = inference.classify(classifier, Image.fromarray(data.chelsea()))
    layers = inference.conv_layers(classifier)
    assert len(layers) == 49  # Lite0's convolutions: stem, 16 blocks' depthwise and pointwise, head
    assert inference.feature_maps(classifier, result.input, layers[0]).shape == (32, 112, 112)
    cam = attribution.explain(classifier, result.input, "gradcam", result.predictions[0].index)
    assert cam.layer == layers[-1] and cam.values.shape == (224, 224) and cam.values.max() > 0
    # the stem's TF "same" padding arrives as a pad the engine knows: a 3x3 window, stride 2
    assert channels.receptive_field(classifier.model, layers[0], result.input) == channels.ReceptiveField(3, 2, 1.0)


def test_a_file_with_ten_classes_is_refused(tmp_path: Path) -> None:
    file = export(tiny_classifier(classes=10), tmp_path / "ten.onnx", dynamo=False, shape=(1, 3, 32, 32)).read_bytes()
    with pytest.raises(WeightsError) as caught:
        inference.onnx_classifier(file, "ten.onnx")
    assert str(caught.value) == (
        "ten.onnx cannot classify photos: it ends in 1x10, not ImageNet's 1000 classes, whose names the "
        "predictions are given."
    )


def test_a_graph_only_file_is_refused(tmp_path: Path) -> None:
    path = export(tiny_classifier(classes=1000), tmp_path / "full.onnx", dynamo=False, shape=(1, 3, 32, 32))
    model = onnx.load(str(path))
    convert_model_to_external_data(model, all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    with pytest.raises(WeightsError) as caught:
        inference.onnx_classifier(model.SerializeToString(), "graph.onnx")
    assert str(caught.value) == (
        "graph.onnx cannot classify photos: its weights are kept outside the file and zeros stand in for them; "
        "export it with its weights inside (external_data=False)."
    )


def test_a_file_that_takes_no_square_photo_is_refused(tmp_path: Path) -> None:
    file = export(tiny_classifier(classes=1000), tmp_path / "wide.onnx", dynamo=False, shape=(1, 3, 32, 48)).read_bytes()
    with pytest.raises(WeightsError, match=r"^wide.onnx cannot classify photos: it takes 1x3x32x48, not one square"):
        inference.onnx_classifier(file, "wide.onnx")


def test_a_file_that_ends_in_a_softmax_keeps_its_probabilities(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=4), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 1000), nn.Softmax(-1)
    ).eval()
    path = export(net, tmp_path / "softmax.onnx", dynamo=False, shape=(1, 3, 64, 64))
    clf = inference.onnx_classifier(path.read_bytes(), "softmax.onnx", "cpu")
    result = inference.classify(clf, Image.fromarray(data.chelsea()))
    with torch.no_grad():
        values, indices = net(result.input)[0].topk(5)
    assert [p.index for p in result.predictions] == indices.tolist()
    assert [p.prob for p in result.predictions] == pytest.approx(values.tolist(), rel=1e-4)  # not softmax twice
