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
from vizcore import inference


@pytest.fixture(scope="module")
def lite0() -> inference.Classifier:
    return inference.default_classifier("cpu")


def png(image: Image.Image, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kwargs.pop("format", "PNG"), **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("photo", "expected"),
    [
        (data.chelsea, "tabby"),
        (data.coffee, "espresso"),
        (lambda: load_sample_image("china.jpg"), "palace"),
        (data.rocket, "missile"),
    ],
)
def test_offline_default_classifies_real_photos(lite0: inference.Classifier, photo, expected: str) -> None:
    result = inference.classify(lite0, inference.load_image(png(Image.fromarray(photo()))))
    assert result.predictions[0].label == expected
    assert len(result.predictions) == 5 and result.predictions[0].prob > result.predictions[1].prob
    assert sum(p.prob for p in result.predictions) <= 1.0 + 1e-6
    assert result.input.shape == (1, 3, 224, 224)


def test_cam_points_at_the_cat(lite0: inference.Classifier) -> None:
    result = inference.classify(lite0, Image.fromarray(data.chelsea()))
    cam = inference.grad_cam(lite0, result.input, result.predictions[0].index)
    assert cam.shape == (224, 224) and cam.min() == 0 and cam.max() == pytest.approx(1)
    assert not result.input.requires_grad and not any(p.requires_grad for p in lite0.model.parameters())
    assert not any(m._forward_hooks for m in lite0.model.modules())  # hooks removed afterwards


@pytest.mark.parametrize("name", ["densenet121", "mobilenet_v2"])
def test_cam_survives_inplace_activations(name: str) -> None:
    clf = inference.random_classifier(name, "cpu")
    x = clf.transform(Image.fromarray(data.coffee())).unsqueeze(0)
    cam = inference.grad_cam(clf, x, 3)
    assert cam.shape == (224, 224) and np.isfinite(cam).all()


def test_own_state_dict_matches_torchvision(tmp_path: Path) -> None:
    torch.manual_seed(0)
    reference = torchvision.models.resnet18(weights=None).eval()
    path = tmp_path / "resnet18.pth"
    torch.save(reference.state_dict(), path)
    clf = inference.file_classifier("resnet18", path.read_bytes(), path.name, "cpu")
    image = Image.fromarray(data.coffee())
    x = clf.transform(image).unsqueeze(0)
    with torch.no_grad():
        expected = reference(x).softmax(-1)[0]
    result = inference.classify(clf, image)
    assert [p.index for p in result.predictions] == expected.topk(5).indices.tolist()
    assert result.predictions[0].prob == pytest.approx(float(expected.max()), rel=1e-5)

    from safetensors.torch import save

    via_safetensors = inference.file_classifier("resnet18", save(reference.state_dict()), "r.safetensors", "cpu")
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
    image = inference.load_image(GOOD_IMAGES[kind]())
    assert image.mode == "RGB" and max(image.size) <= inference.MAX_SIDE
    assert inference.classify(lite0, image).predictions


def test_exif_orientation_is_applied() -> None:
    image = inference.load_image(_exif_rotated())
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
    with pytest.raises(inference.ImageError, match=needle) as info:
        inference.load_image(make())
    assert "\n" not in str(info.value)


def test_predict_cli(cli, tmp_path: Path) -> None:
    photo = tmp_path / "cat.jpg"
    Image.fromarray(data.chelsea()).save(photo)
    done = cli("predict", str(photo), "--format", "json", "--device", "cpu", "--top", "3")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["model"] == "efficientnet_lite0" and out["device"] == "cpu" and len(out["predictions"]) == 3
    assert out["predictions"][0]["label"] == "tabby" and out["predictions"][0]["index"] == 281
    assert [p["prob"] for p in out["predictions"]] == sorted((p["prob"] for p in out["predictions"]), reverse=True)
    text = tmp_path / "fake.jpg"
    text.write_text("not a photo")
    bad = cli("predict", str(text))
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "not an image" in bad.stderr
    missing = cli("predict", str(tmp_path / "nope.jpg"))
    assert missing.returncode == 1 and "cannot be read" in missing.stderr and "Traceback" not in missing.stderr


def test_shared_classifier_is_safe_across_threads(lite0: inference.Classifier) -> None:
    """The app shares one cached classifier between sessions: hooks for Grad-CAM and feature maps must
    never leak into another thread's forward pass."""
    from concurrent.futures import ThreadPoolExecutor

    x = lite0.transform(Image.fromarray(data.coffee())).unsqueeze(0)

    def work(i: int) -> str:
        if i % 3 == 0:
            inference.grad_cam(lite0, x, 967)
        elif i % 3 == 1:
            inference.feature_maps(lite0, x, inference.conv_layers(lite0)[2])
        return inference.classify(lite0, Image.fromarray(data.coffee())).predictions[0].label

    with ThreadPoolExecutor(max_workers=4) as pool:
        labels = list(pool.map(work, range(12)))
    assert labels == ["espresso"] * 12
    assert not any(m._forward_hooks for m in lite0.model.modules())
