"""What each channel looks for: receptive fields with their offsets, and the strongest patches."""

from __future__ import annotations

import pytest
import torch
from PIL import Image
from skimage import data

from vizcore.photos import channels, inference
from vizcore.photos.channels import ChannelError


@pytest.fixture(scope="module")
def lite0() -> inference.Classifier:
    return inference.default_classifier("cpu")


def no_hooks(model: torch.nn.Module) -> bool:
    return not any(
        m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks for m in model.modules()
    )


# -- what each channel looks for ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "layer", "size", "stride"),
    [
        ("vgg16", "features.30", 212, 32),  # pool5: the published 212-pixel field
        ("alexnet", "features.0", 11, 4),
        ("alexnet", "features.12", 195, 32),
        ("resnet18", "layer4", 435, 32),  # the parallel 1x1 shortcuts do not double the stride
    ],
)
def test_receptive_fields_of_classic_networks(model: str, layer: str, size: int, stride: int) -> None:
    import torchvision

    field = channels.receptive_field(torchvision.models.get_model(model).eval(), layer, torch.zeros(1, 3, 224, 224))
    assert (field.size, field.stride) == (size, stride)


# Where the fields sit (size, stride, start), as the hook-based calculator that cropped the patches before
# the engine's fields replaced it computed them: on ResNet's shortcuts, GoogLeNet's parallel branches
# and EfficientNet-Lite0's TensorFlow "same" padding.
BEFORE = {
    "resnet18": {
        "conv1": (7, 2, 0.0),
        "maxpool": (11, 4, 0.0),
        "layer1.0.conv2": (27, 4, 0.0),
        "layer2.0.downsample.0": (43, 8, 0.0),
        "layer3.1.conv1": (179, 16, 0.0),
        "layer4.1.conv2": (435, 32, 0.0),
    },
    "googlenet": {
        "inception3a.branch2.1.conv": (43, 8, 6.0),
        "inception4c.branch4.1.conv": (171, 16, 14.0),
        "inception5b.branch3.1.conv": (379, 32, 22.0),
    },
}
LITE0_BEFORE = {
    "conv_stem": (3, 2, 1.0),
    "blocks.1.0.conv_dw": (11, 4, 3.0),
    "blocks.3.0.conv_dw": (83, 16, 15.0),
    "blocks.5.0.conv_pw": (339, 16, 15.0),
    "conv_head": (851, 32, 31.0),
}


@pytest.mark.parametrize("model", list(BEFORE))
def test_fields_are_where_they_were(model: str) -> None:
    import torchvision

    kwargs = {"init_weights": False, "aux_logits": False} if model == "googlenet" else {}
    module = torchvision.models.get_model(model, **kwargs).eval()
    fields = channels.receptive_fields(module, list(BEFORE[model]), torch.zeros(1, 3, 224, 224))
    assert {k: (f.size, f.stride, f.start) for k, f in fields.items()} == BEFORE[model]


def test_lite0_fields_and_patches_are_where_they_were(lite0: inference.Classifier) -> None:
    fields = channels.receptive_fields(lite0.model, list(LITE0_BEFORE), torch.zeros(1, 3, 224, 224))
    assert {k: (f.size, f.stride, f.start) for k, f in fields.items()} == LITE0_BEFORE
    inputs = [
        lite0.transform(Image.fromarray(p)).unsqueeze(0) for p in [data.astronaut(), data.chelsea(), data.coffee()]
    ]
    found = channels.strongest_patches(lite0, inputs, ["blocks.2.0.conv_pw", "blocks.4.0.conv_dw"], top=3)
    assert [(p.image, p.y, p.x, p.box) for p in found["blocks.2.0.conv_pw"].patches[7]] == [
        (1, 55, 0, (214, -6, 233, 13)),
        (0, 55, 27, (214, 102, 233, 121)),
        (2, 55, 0, (214, -6, 233, 13)),
    ]
    assert [(p.image, p.y, p.x, p.box) for p in found["blocks.4.0.conv_dw"].patches[7]] == [
        (0, 6, 3, (6, -42, 217, 169)),
        (0, 8, 5, (38, -10, 249, 201)),
        (1, 11, 8, (86, 38, 297, 249)),
    ]


def footprint(model: torch.nn.Module, layer: str, y: int, x: int) -> tuple[int, int, int, int]:
    """The input pixels unit (y, x) of ``layer`` depends on, found by backpropagation: top, left, bottom, right."""
    captured: list[torch.Tensor] = []
    handle = dict(model.named_modules())[layer].register_forward_hook(lambda _m, _i, out: captured.append(out))
    pixels = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(0), requires_grad=True)
    try:
        model(pixels)
    finally:
        handle.remove()
    captured[0][0, :, y, x].sum().backward()
    rows, cols = pixels.grad[0].abs().sum(0).nonzero().T
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


@pytest.mark.parametrize("layer", ["conv_stem", "blocks.1.0.conv_dw", "blocks.3.0.conv_dw"])
def test_receptive_field_boxes_are_where_the_gradient_reaches(lite0: inference.Classifier, layer: str) -> None:
    """Computed from kernels, strides and TensorFlow "same" padding, each box is exactly the set of input
    pixels that backpropagation reaches from that unit."""
    field = channels.receptive_field(lite0.model, layer, torch.zeros(1, 3, 224, 224))
    with torch.enable_grad():
        assert field.box(5, 6) == footprint(lite0.model, layer, 5, 6)
    assert no_hooks(lite0.model)


def test_first_layer_channel_patches_are_receptive_field_sized(lite0: inference.Classifier) -> None:
    photos = [data.astronaut(), data.chelsea(), data.coffee(), data.hubble_deep_field()]
    inputs = [lite0.transform(Image.fromarray(p)).unsqueeze(0) for p in photos]
    seen: list[tuple[int, int]] = []
    found = channels.strongest_patches(
        lite0, inputs, ["conv_stem", "blocks.2.0.conv_pw"], on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (4, 4) and no_hooks(lite0.model)
    stem = found["conv_stem"]
    assert (stem.field.size, stem.field.stride) == (3, 2) and len(stem.patches) == 32  # 32 channels
    pictures = [inference.displayable(lite0, x) for x in inputs]
    channel = 5
    patches = stem.patches[channel]
    assert len(patches) == 9 and [p.value for p in patches] == sorted((p.value for p in patches), reverse=True)
    assert all(p.box[2] - p.box[0] == 3 and p.box[3] - p.box[1] == 3 for p in patches)
    assert all(channels.crop(pictures[p.image], p.box).shape == (3, 3, 3) for p in patches)
    assert channels.patch_grid(pictures, patches).shape == (11, 11, 3)  # 3x3 tiles of 3x3, 1-pixel gaps
    strongest = max(float(inference.feature_maps(lite0, x, "conv_stem")[channel].max()) for x in inputs)
    assert patches[0].value == pytest.approx(strongest)  # the first patch is the channel's strongest unit
    deeper = found["blocks.2.0.conv_pw"]
    assert deeper.field.size == 19 and all(p.box[2] - p.box[0] == 19 for p in deeper.patches[0])
    with pytest.raises(ChannelError, match="choose one of conv_stem, "):
        channels.strongest_patches(lite0, inputs, ["classifier"])


def test_classify_page_shows_what_a_channel_looks_for() -> None:
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["sample"] = "coffee"
    at.switch_page("pages/classify.py").run()
    at.toggle(key="classify_channels").set_value(True).run()
    assert not at.exception and not at.error, at.exception
    at.selectbox(key="classify_patch_layer").set_value("conv_stem").run()
    at.number_input(key="classify_patch_channel").set_value(5).run()
    assert not at.exception and not at.error
    captions = " ".join(img.caption for element in at.get("image") for img in element.proto.imgs)
    assert "conv_stem, channel 5: the 9 strongest places in" in captions and "3x3-pixel receptive field" in captions


def test_the_collection_its_inputs_and_an_activation_picture(lite0: inference.Classifier) -> None:
    from tests.conftest import ROOT
    from vizcore.photos import pictures

    samples = sorted((ROOT / "assets" / "samples").glob("*.jpg"))
    photos = channels.collection(samples)
    assert list(photos)[: len(samples)] == [p.stem for p in samples]
    assert {"astronaut", "gravel", "motorcycle", "flower"} <= set(photos) and len(photos) == len(samples) + 9
    inputs = channels.prepared(lite0, [samples[0].read_bytes(), photos["flower"]])
    assert [tuple(x.shape) for x in inputs] == [(1, 3, 224, 224)] * 2
    activation = pictures.activation_picture(torch.tensor([[0.0, 1.0], [2.0, 4.0]]), 4)
    assert activation.size == (4, 4)
    assert [activation.getpixel((x, y)) for x, y in ((0, 0), (3, 0), (0, 3), (3, 3))] == [0, 64, 128, 255]
    assert pictures.enlarged(torch.ones(2, 3).numpy(), 5).size == (15, 10)
