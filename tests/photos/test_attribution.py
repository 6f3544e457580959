"""Attribution maps through Captum, on real photos: they point at the evidence, they repeat exactly,
bad requests get one sentence naming the choices, and two sessions sharing the model never mix."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from PIL import Image
from scipy import ndimage
from skimage import data
from skimage.color import rgb2hsv

from vizcore.photos import attribution, inference
from vizcore.photos.attribution import AttributionError

ESPRESSO = 967


@pytest.fixture(scope="module")
def lite0() -> inference.Classifier:
    return inference.default_classifier("cpu")


@pytest.fixture(scope="module")
def coffee(lite0: inference.Classifier) -> torch.Tensor:
    return lite0.transform(Image.fromarray(data.coffee())).unsqueeze(0)


def cup_and_table(picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cup and the table, found in the photo as the network sees it (224x224), not drawn by hand.
    The cup: the largest white, unsaturated region (its porcelain rim) with the coffee it encloses.
    The table: the brown wood (hue 0.05-0.12, less saturated than the red saucer) in the regions that
    touch the photo's edge, away from the cup."""
    white = picture.min(-1) > 0.6
    labels, _ = ndimage.label(white)
    rim = labels == np.bincount(labels[labels > 0]).argmax()
    cup = ndimage.binary_fill_holes(rim)
    hsv = rgb2hsv(picture)
    wood = (hsv[..., 0] > 0.05) & (hsv[..., 0] < 0.12) & (hsv[..., 1] < 0.88) & (hsv[..., 2] > 0.3)
    wood = ndimage.binary_opening(wood & ~ndimage.binary_dilation(cup, iterations=10), iterations=2)
    labels, _ = ndimage.label(wood)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    table = np.isin(labels, edge[edge > 0])
    assert cup.sum() > 0.2 * cup.size and table.sum() > 0.05 * table.size  # both regions really found
    return cup, table


def no_hooks(model: torch.nn.Module) -> bool:
    return not any(
        m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks for m in model.modules()
    )


@pytest.mark.parametrize(
    ("method", "settings", "ratio"),
    [("occlusion", {"window": 32, "stride": 32}, 3.0), ("gradcam", {}, 1.5)],
)
def test_maps_put_the_espresso_on_the_cup(
    lite0: inference.Classifier, coffee: torch.Tensor, method: str, settings: dict[str, int], ratio: float
) -> None:
    cup, table = cup_and_table(inference.displayable(lite0, coffee))
    found = attribution.explain(lite0, coffee, method, ESPRESSO, **settings)  # type: ignore[arg-type]
    assert found.values.shape == (224, 224) and found.label == "espresso"
    assert found.values[cup].mean() > ratio * found.values[table].mean()


def test_every_method_maps_at_input_resolution_and_leaves_the_model_as_it_was(
    lite0: inference.Classifier, coffee: torch.Tensor
) -> None:
    inplace = [m for m in lite0.model.modules() if getattr(m, "inplace", False)]
    seen = []
    maps = {}
    for method in attribution.METHODS:
        found = attribution.explain(
            lite0, coffee, method, ESPRESSO, window=56, stride=56, steps=8, on_progress=lambda d, t: seen.append((d, t))
        )
        maps[method] = found.values
        assert found.values.shape == (224, 224) and np.isfinite(found.values).all() and found.values.max() > 0
        norm = found.normalised()
        assert norm.min() >= 0 and norm.max() == pytest.approx(1)
        assert found.reading and "espresso" in found.reading
        assert (found.layer == "conv_head") == (method == "gradcam")  # the last 7x7 convolution by default
    assert no_hooks(lite0.model) and not any(p.requires_grad or p.grad is not None for p in lite0.model.parameters())
    assert inplace and all(m.inplace for m in inplace)  # turned off for a moment, then restored
    assert all(p.is_contiguous() for p in lite0.model.parameters())  # channels-last only during the call
    assert not coffee.requires_grad
    assert (17, 17) in seen and (8, 8) in seen  # occlusion: 16 windows and the photo; 8 steps of the path
    counted: list[tuple[int, int]] = []
    attribution.explain(  # 224 - 100 is no multiple of 48: Captum adds a clipped window, 4 x 4 in all
        lite0, coffee, "occlusion", ESPRESSO, window=100, stride=48, on_progress=lambda d, t: counted.append((d, t))
    )
    assert counted[-1] == (17, 17) and counted[0] == (1, 17) and len(set(counted)) == len(counted)
    # guided backprop really goes through Lite0's ReLU6 (Captum alone hooks only nn.ReLU): not the gradient
    assert np.corrcoef(maps["guided-backprop"].ravel(), maps["saliency"].ravel())[0, 1] < 0.8


def test_a_call_that_fails_midway_leaves_the_model_as_it_was(lite0: inference.Classifier, coffee: torch.Tensor) -> None:
    """Hooks removed, in-place activations and the weights' layout restored, also when the network fails
    in the middle of a map (here: its classifier raises once Captum's hooks are on)."""

    def stop(*_: object) -> None:
        raise RuntimeError("stopped")

    inplace = [m for m in lite0.model.modules() if getattr(m, "inplace", False)]
    for method in ("guided-backprop", "occlusion", "integrated-gradients"):
        handle = lite0.model.classifier.register_forward_pre_hook(stop)
        try:
            with pytest.raises(RuntimeError, match="stopped"):
                attribution.explain(lite0, coffee, method, ESPRESSO, window=112, stride=112, steps=4)
        finally:
            handle.remove()
        assert no_hooks(lite0.model), method
        assert all(m.inplace for m in inplace) and all(p.is_contiguous() for p in lite0.model.parameters())
        assert not any(p.grad is not None for p in lite0.model.parameters())
    assert attribution.explain(lite0, coffee, "saliency", ESPRESSO).values.max() > 0  # and it still works


@pytest.mark.parametrize(
    ("method", "settings"),
    [("occlusion", {"window": 56, "stride": 56, "baseline": "blur"}), ("gradcam", {"layer": "blocks.5.0.conv_pwl"})],
)
def test_maps_are_deterministic(lite0: inference.Classifier, coffee: torch.Tensor, method: str, settings: dict) -> None:
    first = attribution.explain(lite0, coffee, method, ESPRESSO, **settings)
    again = attribution.explain(lite0, coffee, method, ESPRESSO, **settings)
    assert np.array_equal(first.values, again.values)


def test_bad_requests_name_the_valid_choices(lite0: inference.Classifier, coffee: torch.Tensor) -> None:
    with pytest.raises(
        AttributionError, match="choose occlusion, gradcam, guided-backprop, saliency or integrated-gradients"
    ):
        attribution.explain(lite0, coffee, "lime", ESPRESSO)
    with pytest.raises(AttributionError, match="numbered 0 to 999"):
        attribution.explain(lite0, coffee, "saliency", 1000)
    with pytest.raises(AttributionError, match="numbered 0 to 999"):
        attribution.explain(lite0, coffee, "saliency", -1)
    for layer in ("classifier", "no.such.layer"):
        with pytest.raises(AttributionError, match=r"choose one of conv_stem, blocks\.0\.0\.conv_dw, .*, conv_head\.$"):
            attribution.explain(lite0, coffee, "gradcam", ESPRESSO, layer=layer)
    small = torch.nn.functional.interpolate(coffee, size=(32, 32), mode="bilinear")  # conv_head: 1x1
    layers = attribution.gradcam_layers(lite0, small)
    assert "conv_head" not in layers and layers[0] == "conv_stem"
    with pytest.raises(
        AttributionError, match=r"no convolution 'conv_head' with a spatial output.*choose one of conv_stem"
    ):
        attribution.explain(lite0, small, "gradcam", ESPRESSO, layer="conv_head")
    with pytest.raises(AttributionError, match="blur"):
        attribution.explain(lite0, coffee, "occlusion", ESPRESSO, baseline="black")
    with pytest.raises(AttributionError, match="1 to 224 pixels"):
        attribution.explain(lite0, coffee, "occlusion", ESPRESSO, window=300)
    assert no_hooks(lite0.model)  # also after the failures


def test_two_sessions_maps_at_once_do_not_mix(lite0: inference.Classifier, coffee: torch.Tensor) -> None:
    """Two sessions share one cached classifier: each gets exactly the map it would get alone, even
    while the other hooks the model, and a third session's failing request leaves no hook behind."""
    cat = lite0.transform(Image.fromarray(data.chelsea())).unsqueeze(0)
    jobs = {
        "coffee": (coffee, "gradcam", ESPRESSO, {"layer": "blocks.4.0.conv_pw"}),
        "cat": (cat, "guided-backprop", 281, {}),  # 281: tabby
    }
    alone = {k: attribution.explain(lite0, x, m, t, **kw).values for k, (x, m, t, kw) in jobs.items()}
    together: dict[str, list[np.ndarray]] = {k: [] for k in jobs}
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def session(key: str) -> None:
        start.wait()
        for _ in range(3):
            x, method, target, kw = jobs[key]
            together[key].append(attribution.explain(lite0, x, method, target, **kw).values)

    def failing() -> None:
        start.wait()
        for _ in range(3):
            try:
                attribution.explain(lite0, cat, "gradcam", 281, layer="fc")
            except AttributionError as exc:
                errors.append(exc)

    threads = [threading.Thread(target=session, args=(k,)) for k in jobs] + [threading.Thread(target=failing)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 3
    for key, maps in together.items():
        assert len(maps) == 3 and all(np.array_equal(m, alone[key]) for m in maps), key
    assert not np.array_equal(alone["coffee"], alone["cat"])
    assert no_hooks(lite0.model)


@pytest.mark.parametrize("name", ["densenet121", "mobilenet_v2"])
def test_gradcam_survives_inplace_activations(name: str) -> None:
    clf = inference.random_classifier(name, "cpu")
    x = clf.transform(Image.fromarray(data.coffee())).unsqueeze(0)
    found = attribution.explain(clf, x, "gradcam", 3)
    assert found.values.shape == (224, 224) and np.isfinite(found.values).all()
    assert no_hooks(clf.model)


def test_cli_explain_writes_the_map_and_the_overlay(cli, tmp_path) -> None:
    photo = "assets/samples/coffee.jpg"
    done = cli("explain", photo, "--method", "gradcam", "--output", str(tmp_path / "map.npy"))
    assert done.returncode == 0, done.stderr
    assert "gradcam at conv_head for espresso (967), 224x224" in done.stdout
    values = np.load(tmp_path / "map.npy")
    assert values.shape == (224, 224) and values.max() > 0
    done = cli("explain", photo, "--method", "saliency", "--target", "968", "--output", str(tmp_path / "cup.png"))
    assert done.returncode == 0, done.stderr
    assert "saliency for cup (968)" in done.stdout
    assert Image.open(tmp_path / "cup.png").size == (224, 224)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--method", "lime"], "choose occlusion, gradcam, guided-backprop, saliency or integrated-gradients"),
        (["--target", "1000"], "numbered 0 to 999"),
        (["--layer", "classifier"], "choose one of conv_stem, "),
        (["--output", "map.jpg"], "must end in .npy"),
    ],
)
def test_cli_explain_bad_requests_get_one_sentence(cli, tmp_path, args: list[str], says: str) -> None:
    output = [] if "--output" in args else ["--output", str(tmp_path / "map.npy")]
    done = cli("explain", "assets/samples/coffee.jpg", *args, *output)
    assert done.returncode == 1 and says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_classify_page_shows_every_map() -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["sample"] = "coffee"
    at.switch_page("pages/classify.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="classify_method").value == "gradcam"
    assert at.selectbox(key="classify_cam_layer").value == "conv_head"
    at.session_state["classify_window"] = 56  # a quick occlusion: 16 windows
    at.session_state["classify_stride"] = 56
    for method in attribution.METHODS:
        at.selectbox(key="classify_method").set_value(method).run()
        assert not at.exception and not at.error, (method, at.exception)
        assert any("espresso" in c.value for c in at.caption), method  # the one-line reading
    at.selectbox(key="classify_method").set_value("gradcam").run()
    at.selectbox(key="classify_cam_layer").set_value("conv_stem").run()
    assert not at.exception and any("conv_stem's features" in c.value for c in at.caption)
