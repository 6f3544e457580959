"""The model zoo: every torchvision classifier under its torchvision name, plus paper-faithful classics.

Like torchvision's ``models/_api.py``: builders are registered by name into one table at import (and
never after), with a metadata card each; ``list_models()`` and ``get_model()`` are the public doors.
"""

from __future__ import annotations

import difflib
import functools
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torchvision
from torch import nn
from torchvision.models import get_model_weights

from ..cards import Family, ModelCard
from ..errors import UnknownModelError
from . import classics

Builder = Callable[..., nn.Module]

# He et al.'s CIFAR-10 ResNets, by n (6n + 2 layers): ResNet-20, 32, 44, 56, 110 and 1202
CIFAR_RESNET_N = (3, 5, 7, 9, 18, 200)


_NO_ILSVRC = "not an ILSVRC entry"
_AFTER_ILSVRC = "after ILSVRC (the challenge ended in 2017)"

FAMILIES: Mapping[str, Family] = {
    f.name: f
    for f in (
        Family(
            "LeNet",
            1998,
            "LeCun, Bottou, Bengio & Haffner, Gradient-Based Learning Applied to Document Recognition",
            "before ILSVRC (handwritten digits)",
            "Convolution, subsampling and a small classifier, all learned end to end by backpropagation.",
        ),
        Family(
            "AlexNet",
            2012,
            "Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep Convolutional Neural Networks",
            "ILSVRC 2012 winner, 15.3% top-5 error",
            "A deep ReLU network trained on two GPUs, with dropout and data augmentation.",
        ),
        Family(
            "ZFNet",
            2013,
            "Zeiler & Fergus, Visualizing and Understanding Convolutional Networks",
            "ILSVRC 2013 winner (as Clarifai), 11.7% top-5 error",
            "AlexNet tuned by visualising its features: a 7x7 stride-2 first layer instead of 11x11 stride 4.",
        ),
        Family(
            "NiN",
            2013,
            "Lin, Chen & Yan, Network In Network",
            _NO_ILSVRC,
            "Micro-networks of 1x1 convolutions inside each layer, and global average pooling instead of FC layers.",
        ),
        Family(
            "VGG",
            2014,
            "Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition",
            "ILSVRC 2014 runner-up in classification (7.3% top-5 error), winner in localisation",
            "Depth from stacks of small 3x3 convolutions.",
        ),
        Family(
            "GoogLeNet",
            2014,
            "Szegedy et al., Going Deeper with Convolutions",
            "ILSVRC 2014 winner, 6.67% top-5 error",
            "Inception modules: parallel 1x1, 3x3, 5x5 and pooling branches, with 1x1 reductions to keep the cost down.",
        ),
        Family(
            "Inception-v3",
            2015,
            "Szegedy et al., Rethinking the Inception Architecture for Computer Vision",
            _NO_ILSVRC,
            "Factorised convolutions (5x5 as two 3x3, nxn as 1xn then nx1) and efficient grid reduction.",
        ),
        Family(
            "ResNet",
            2015,
            "He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition",
            "ILSVRC 2015 winner, 3.57% top-5 error",
            "Shortcut connections let very deep networks learn residuals to the identity.",
        ),
        Family(
            "ResNeXt",
            2016,
            "Xie et al., Aggregated Residual Transformations for Deep Neural Networks",
            "ILSVRC 2016 runner-up in classification",
            "Grouped convolutions in the bottleneck: cardinality as a dimension beside depth and width.",
        ),
        Family(
            "Wide ResNet",
            2016,
            "Zagoruyko & Komodakis, Wide Residual Networks",
            _NO_ILSVRC,
            "Wider, shallower residual networks that match deeper ones and train faster.",
        ),
        Family(
            "SqueezeNet",
            2016,
            "Iandola et al., SqueezeNet: AlexNet-level accuracy with 50x fewer parameters",
            _NO_ILSVRC,
            "Fire modules: a 1x1 squeeze layer feeding parallel 1x1 and 3x3 expand layers.",
        ),
        Family(
            "DenseNet",
            2016,
            "Huang, Liu, van der Maaten & Weinberger, Densely Connected Convolutional Networks",
            _NO_ILSVRC,
            "Each layer takes the concatenated feature maps of every earlier layer in its block.",
        ),
        Family(
            "ShuffleNetV2",
            2018,
            "Ma et al., ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design",
            _AFTER_ILSVRC,
            "Channel split and channel shuffle, designed for measured speed rather than FLOPs.",
        ),
        Family(
            "MobileNetV2",
            2018,
            "Sandler et al., MobileNetV2: Inverted Residuals and Linear Bottlenecks",
            _AFTER_ILSVRC,
            "Inverted residuals: expand with a 1x1, filter depthwise, project back with a linear 1x1.",
        ),
        Family(
            "MobileNetV3",
            2019,
            "Howard et al., Searching for MobileNetV3",
            _AFTER_ILSVRC,
            "Searched inverted-residual blocks with squeeze-and-excitation and hard-swish.",
        ),
        Family(
            "MnasNet",
            2018,
            "Tan et al., MnasNet: Platform-Aware Neural Architecture Search for Mobile",
            _AFTER_ILSVRC,
            "Architecture search with measured phone latency in the objective.",
        ),
        Family(
            "EfficientNet",
            2019,
            "Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
            _AFTER_ILSVRC,
            "Compound scaling of depth, width and resolution from a searched baseline.",
        ),
        Family(
            "EfficientNetV2",
            2021,
            "Tan & Le, EfficientNetV2: Smaller Models and Faster Training",
            _AFTER_ILSVRC,
            "Fused-MBConv blocks in the early stages and progressive learning for faster training.",
        ),
        Family(
            "RegNet",
            2020,
            "Radosavovic et al., Designing Network Design Spaces",
            _AFTER_ILSVRC,
            "Widths and depths from a simple quantised linear rule, found by exploring design spaces.",
        ),
        Family(
            "ViT",
            2020,
            "Dosovitskiy et al., An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
            _AFTER_ILSVRC,
            "A plain Transformer encoder over a sequence of image patches.",
        ),
        Family(
            "Swin",
            2021,
            "Liu et al., Swin Transformer: Hierarchical Vision Transformer using Shifted Windows",
            _AFTER_ILSVRC,
            "Self-attention inside local windows that shift between layers, in a hierarchy of stages.",
        ),
        Family(
            "Swin V2",
            2022,
            "Liu et al., Swin Transformer V2: Scaling Up Capacity and Resolution",
            _AFTER_ILSVRC,
            "Swin with scaled cosine attention and log-spaced position bias, for larger models and inputs.",
        ),
        Family(
            "MaxViT",
            2022,
            "Tu et al., MaxViT: Multi-Axis Vision Transformer",
            _AFTER_ILSVRC,
            "Blocked local and dilated global attention, interleaved with MBConv.",
        ),
        Family(
            "ConvNeXt",
            2022,
            "Liu et al., A ConvNet for the 2020s",
            _AFTER_ILSVRC,
            "A ResNet modernised toward Transformer choices: 7x7 depthwise convs, LayerNorm, GELU, inverted bottlenecks.",
        ),
    )
}

# torchvision name prefix -> family, most specific first
_TORCHVISION_FAMILIES: tuple[tuple[str, str], ...] = (
    ("alexnet", "AlexNet"),
    ("vgg", "VGG"),
    ("resnext", "ResNeXt"),
    ("wide_resnet", "Wide ResNet"),
    ("resnet", "ResNet"),
    ("squeezenet", "SqueezeNet"),
    ("densenet", "DenseNet"),
    ("inception", "Inception-v3"),
    ("googlenet", "GoogLeNet"),
    ("shufflenet", "ShuffleNetV2"),
    ("mobilenet_v2", "MobileNetV2"),
    ("mobilenet_v3", "MobileNetV3"),
    ("mnasnet", "MnasNet"),
    ("efficientnet_v2", "EfficientNetV2"),
    ("efficientnet", "EfficientNet"),
    ("regnet", "RegNet"),
    ("vit", "ViT"),
    ("swin_v2", "Swin V2"),
    ("swin", "Swin"),
    ("maxvit", "MaxViT"),
    ("convnext", "ConvNeXt"),
)

# Builder arguments that torchvision's default weights imply (its builders set them when given weights).
_TORCHVISION_BUILD_KWARGS: Mapping[str, Mapping[str, Any]] = {"vit_h_14": {"image_size": 518}}

_TORCHVISION_NOTES: Mapping[str, tuple[str, ...]] = {
    "googlenet": ("The auxiliary classifiers aux1 and aux2 run only in training and are not counted.",),
    "inception_v3": (
        "The auxiliary classifier AuxLogits runs only in training and is not counted in params; "
        "torchvision's published parameter count includes it.",
    ),
}


@dataclass(frozen=True)
class _Entry:
    builder: Builder
    card: ModelCard


def _classic(
    name: str, family: str, builder: Builder, input_size: tuple[int, int, int], *notes: str
) -> tuple[str, _Entry]:
    f = FAMILIES[family]
    card = ModelCard(
        name=name,
        family=family,
        year=f.year,
        paper=f.paper,
        ilsvrc=f.ilsvrc,
        key_idea=f.key_idea,
        input_size=input_size,
        source="vizcore",
        notes=notes,
    )
    return name, _Entry(builder, card)


def _torchvision_entry(name: str) -> _Entry:
    family = next((fam for prefix, fam in _TORCHVISION_FAMILIES if name.startswith(prefix)), None)
    f = FAMILIES[family] if family else Family(name, 0, "see torchvision's documentation", "", "")
    weights = get_model_weights(name).DEFAULT
    meta = weights.meta
    crop = getattr(weights.transforms, "keywords", {}).get("crop_size", 224)
    metrics = meta.get("_metrics", {}).get("ImageNet-1K", {})
    build_kwargs = _TORCHVISION_BUILD_KWARGS.get(name, {})
    card = ModelCard(
        name=name,
        family=f.name,
        year=f.year,
        paper=f.paper,
        ilsvrc=f.ilsvrc,
        key_idea=f.key_idea,
        input_size=(3, crop, crop),
        source="torchvision",
        weights=f"{type(weights).__name__}.{weights.name}",
        published_params=meta.get("num_params"),
        published_gmacs=meta.get("_ops"),
        acc1=metrics.get("acc@1"),
        acc5=metrics.get("acc@5"),
        notes=_TORCHVISION_NOTES.get(name, ()),
        build_kwargs=build_kwargs,
    )

    def build(**cfg: Any) -> nn.Module:
        with warnings.catch_warnings():
            # GoogLeNet and Inception-v3 warn that their default init will change; it is not ours to pick
            warnings.filterwarnings("ignore", "The default weight initialization", FutureWarning)
            model: nn.Module = torchvision.models.get_model(name, weights=None, **{**build_kwargs, **cfg})
        return model

    return _Entry(build, card)


def _build_registry() -> Mapping[str, _Entry]:
    entries: dict[str, _Entry] = {}
    for name in torchvision.models.list_models(module=torchvision.models):
        entries[name] = _torchvision_entry(name)
    classic = dict(
        (
            _classic("lenet5", "LeNet", classics.lenet5, (1, 32, 32)),
            _classic(
                "alexnet2012",
                "AlexNet",
                classics.alexnet2012,
                (3, 227, 227),
                "The paper's two-GPU split is kept as groups=2 in conv2, conv4 and conv5.",
            ),
            _classic(
                "alexnet_d2l",
                "AlexNet",
                classics.alexnet_d2l,
                (1, 224, 224),
                "Dive into Deep Learning's AlexNet: one input channel, 10 classes, 6400 features into fc6.",
            ),
            _classic("zfnet", "ZFNet", classics.zfnet, (3, 224, 224)),
            _classic("nin", "NiN", classics.nin, (3, 224, 224)),
            _classic(
                "googlenet_paper",
                "GoogLeNet",
                classics.googlenet_paper,
                (3, 224, 224),
                "Table 1 of the paper: 5x5 convolutions in the third branch, no batch norm; "
                "the auxiliary classifiers (training only) are left out.",
            ),
            _classic(
                "plain34",
                "ResNet",
                classics.plain34,
                (3, 224, 224),
                "ResNet-34 without its shortcuts: the plain baseline of He et al., Fig. 3.",
            ),
            _classic(
                "resnet50_v1",
                "ResNet",
                classics.resnet50_v1,
                (3, 224, 224),
                "ResNet v1: stride 2 in the first 1x1 conv of the bottleneck; the paper gives 3.8 GFLOPs.",
            ),
            _classic(
                "resnet101_v1",
                "ResNet",
                classics.resnet101_v1,
                (3, 224, 224),
                "ResNet v1: stride 2 in the first 1x1 conv of the bottleneck; the paper gives 7.6 GFLOPs.",
            ),
            _classic(
                "resnet152_v1",
                "ResNet",
                classics.resnet152_v1,
                (3, 224, 224),
                "ResNet v1: stride 2 in the first 1x1 conv of the bottleneck; the paper gives 11.3 GFLOPs.",
            ),
        )
    )
    classic.update(
        _classic(
            f"resnet{6 * n + 2}_cifar",
            "ResNet",
            functools.partial(classics.resnet_cifar, n),
            (3, 32, 32),
            f"He et al.'s CIFAR-10 ResNet (Table 6) with n = {n}: 6n + 2 layers of 16, 32 and 64 channels; "
            "parameter-free shortcuts (subsample and zero-pad).",
        )
        for n in CIFAR_RESNET_N
    )
    clash = entries.keys() & classic.keys()
    if clash:
        raise RuntimeError(f"model names registered twice: {sorted(clash)}")
    entries.update(classic)
    return MappingProxyType(dict(sorted(entries.items(), key=lambda kv: (kv[1].card.year, kv[1].card.family, kv[0]))))


_REGISTRY: Mapping[str, _Entry] = _build_registry()


def list_models(family: str | None = None) -> list[str]:
    """Every registered name, oldest family first; ``family`` keeps one family (e.g. ``"ResNet"``)."""
    return [name for name, e in _REGISTRY.items() if family is None or e.card.family == family]


def _entry(name: str) -> _Entry:
    if not isinstance(name, str) or name not in _REGISTRY:
        close = difflib.get_close_matches(str(name).lower(), list(_REGISTRY), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}?" if close else "run `python -m vizcore models` to list them."
        raise UnknownModelError(f"unknown model {name!r}: {hint}")
    return _REGISTRY[name]


def get_card(name: str) -> ModelCard:
    return _entry(name).card


def get_model(name: str, **cfg: Any) -> nn.Module:
    """Build a zoo model with fresh (untrained) weights; ``cfg`` goes to its builder (e.g. num_classes)."""
    return _entry(name).builder(**cfg)
