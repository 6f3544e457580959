"""Paper-faithful classics that torchvision lacks, each as the paper describes it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torchvision.models import resnet
from torchvision.models.resnet import BasicBlock, Bottleneck


def lenet5(*, num_classes: int = 10) -> nn.Module:
    """LeCun et al. 1998: C1-S2-C3-S4-C5-F6-output on 1x32x32, tanh and average subsampling.

    C3 is fully connected to S2 here (the paper's sparse connection table is a detail most courses
    drop), which gives the 61,706 parameters usually quoted.
    """
    return _sequential(
        c1=nn.Conv2d(1, 6, kernel_size=5),
        tanh1=nn.Tanh(),
        s2=nn.AvgPool2d(2),
        c3=nn.Conv2d(6, 16, kernel_size=5),
        tanh2=nn.Tanh(),
        s4=nn.AvgPool2d(2),
        c5=nn.Conv2d(16, 120, kernel_size=5),
        tanh3=nn.Tanh(),
        flatten=nn.Flatten(),
        f6=nn.Linear(120, 84),
        tanh4=nn.Tanh(),
        output=nn.Linear(84, num_classes),
    )


def _sequential(**layers: nn.Module) -> nn.Sequential:
    """A Sequential whose layers carry the paper's names (``conv1``, ``fc6``) instead of indices."""
    return nn.Sequential(OrderedDict(layers))


def alexnet2012(*, num_classes: int = 1000, dropout: float = 0.5) -> nn.Module:
    """Krizhevsky et al. 2012 as published: 96 filters in conv1, LRN after conv1 and conv2, and the
    two-GPU split kept as groups=2 in conv2, conv4 and conv5 (60,965,224 parameters); input 3x227x227."""
    features = _sequential(
        conv1=nn.Conv2d(3, 96, kernel_size=11, stride=4),
        relu1=nn.ReLU(inplace=True),
        norm1=nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
        pool1=nn.MaxPool2d(kernel_size=3, stride=2),
        conv2=nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),
        relu2=nn.ReLU(inplace=True),
        norm2=nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
        pool2=nn.MaxPool2d(kernel_size=3, stride=2),
        conv3=nn.Conv2d(256, 384, kernel_size=3, padding=1),
        relu3=nn.ReLU(inplace=True),
        conv4=nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2),
        relu4=nn.ReLU(inplace=True),
        conv5=nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2),
        relu5=nn.ReLU(inplace=True),
        pool5=nn.MaxPool2d(kernel_size=3, stride=2),
    )
    return _sequential(
        features=features, flatten=nn.Flatten(), classifier=_classifier(256 * 6 * 6, num_classes, dropout)
    )


def _classifier(in_features: int, num_classes: int, dropout: float) -> nn.Sequential:
    return _sequential(
        dropout6=nn.Dropout(dropout),
        fc6=nn.Linear(in_features, 4096),
        relu6=nn.ReLU(inplace=True),
        dropout7=nn.Dropout(dropout),
        fc7=nn.Linear(4096, 4096),
        relu7=nn.ReLU(inplace=True),
        fc8=nn.Linear(4096, num_classes),
    )


def zfnet(*, num_classes: int = 1000, dropout: float = 0.5) -> nn.Module:
    """Zeiler & Fergus 2013, Fig. 3: 7x7 stride-2 conv1 (96), 5x5 stride-2 conv2 (256); 224 -> 110 -> 55
    -> 26 -> 13 -> 6, contrast normalisation after the first two pools."""
    features = _sequential(
        conv1=nn.Conv2d(3, 96, kernel_size=7, stride=2, padding=1),
        relu1=nn.ReLU(inplace=True),
        pool1=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        norm1=nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
        conv2=nn.Conv2d(96, 256, kernel_size=5, stride=2),
        relu2=nn.ReLU(inplace=True),
        pool2=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        norm2=nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0),
        conv3=nn.Conv2d(256, 384, kernel_size=3, padding=1),
        relu3=nn.ReLU(inplace=True),
        conv4=nn.Conv2d(384, 384, kernel_size=3, padding=1),
        relu4=nn.ReLU(inplace=True),
        conv5=nn.Conv2d(384, 256, kernel_size=3, padding=1),
        relu5=nn.ReLU(inplace=True),
        pool5=nn.MaxPool2d(kernel_size=3, stride=2),
    )
    return _sequential(
        features=features, flatten=nn.Flatten(), classifier=_classifier(256 * 6 * 6, num_classes, dropout)
    )


def _mlpconv(in_channels: int, out_channels: int, kernel_size: int, stride: int, padding: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(inplace=True),
    )


def nin(*, num_classes: int = 1000, dropout: float = 0.5) -> nn.Module:
    """Lin, Chen & Yan 2013, ImageNet model: four mlpconv blocks (a conv and two 1x1 convs) and global
    average pooling instead of fully connected layers; input 3x224x224."""
    return _sequential(
        block1=_mlpconv(3, 96, kernel_size=11, stride=4, padding=0),
        pool1=nn.MaxPool2d(kernel_size=3, stride=2),
        block2=_mlpconv(96, 256, kernel_size=5, stride=1, padding=2),
        pool2=nn.MaxPool2d(kernel_size=3, stride=2),
        block3=_mlpconv(256, 384, kernel_size=3, stride=1, padding=1),
        pool3=nn.MaxPool2d(kernel_size=3, stride=2),
        dropout=nn.Dropout(dropout),
        block4=_mlpconv(384, num_classes, kernel_size=3, stride=1, padding=1),
        gap=nn.AdaptiveAvgPool2d(1),
        flatten=nn.Flatten(),
    )


class PaperConv(nn.Sequential):
    """Convolution + ReLU, no batch norm (2014); named like torchvision's BasicConv2d (``.conv``)."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__(
            OrderedDict(
                conv=nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding),
                relu=nn.ReLU(inplace=True),
            )
        )


class PaperInception(nn.Module):
    """Szegedy et al. 2015, Fig. 2(b): 1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3 max pool -> 1x1, concatenated."""

    def __init__(
        self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int
    ) -> None:
        super().__init__()
        self.branch1 = PaperConv(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(PaperConv(in_channels, ch3x3red, 1), PaperConv(ch3x3red, ch3x3, 3, padding=1))
        self.branch3 = nn.Sequential(PaperConv(in_channels, ch5x5red, 1), PaperConv(ch5x5red, ch5x5, 5, padding=2))
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), PaperConv(in_channels, pool_proj, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


# Table 1 of the paper: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj
GOOGLENET_TABLE1: dict[str, tuple[int, int, int, int, int, int]] = {
    "inception3a": (64, 96, 128, 16, 32, 32),
    "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64),
    "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64),
    "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128),
    "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}


class GoogLeNetPaper(nn.Module):
    """GoogLeNet exactly as Table 1 of Szegedy et al. 2015: 5x5 convolutions in the third branch, no batch
    norm, local response normalisation after the stem's first pool and its second conv; torchvision's names."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.4) -> None:
        super().__init__()
        self.conv1 = PaperConv(3, 64, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.lrn1 = nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75)
        self.conv2 = PaperConv(64, 64, kernel_size=1)
        self.conv3 = PaperConv(64, 192, kernel_size=3, padding=1)
        self.lrn2 = nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = self._inception(192, "inception3a")
        self.inception3b = self._inception(256, "inception3b")
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = self._inception(480, "inception4a")
        self.inception4b = self._inception(512, "inception4b")
        self.inception4c = self._inception(512, "inception4c")
        self.inception4d = self._inception(512, "inception4d")
        self.inception4e = self._inception(528, "inception4e")
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = self._inception(832, "inception5a")
        self.inception5b = self._inception(832, "inception5b")
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(1024, num_classes)

    @staticmethod
    def _inception(in_channels: int, name: str) -> PaperInception:
        return PaperInception(in_channels, *GOOGLENET_TABLE1[name])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lrn1(self.maxpool1(self.conv1(x)))
        x = self.maxpool2(self.lrn2(self.conv3(self.conv2(x))))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        for block in (self.inception4a, self.inception4b, self.inception4c, self.inception4d, self.inception4e):
            x = block(x)
        x = self.inception5b(self.inception5a(self.maxpool4(x)))
        x = torch.flatten(self.avgpool(x), 1)
        logits: torch.Tensor = self.fc(self.dropout(x))
        return logits


def googlenet_paper(*, num_classes: int = 1000, dropout: float = 0.4) -> GoogLeNetPaper:
    return GoogLeNetPaper(num_classes=num_classes, dropout=dropout)


def _resnet_v1(layers: Sequence[int], num_classes: int) -> nn.Module:
    """He et al. 2015's bottleneck ResNet: the stride-2 sits in the first 1x1 conv, where torchvision's
    v1.5 puts it in the 3x3. Built from torchvision's ResNet, then the strides are moved."""
    model: nn.Module = resnet.ResNet(Bottleneck, list(layers), num_classes=num_classes)
    for module in model.modules():
        if isinstance(module, Bottleneck) and module.stride != 1:
            module.conv1.stride, module.conv2.stride = module.conv2.stride, (1, 1)
    return model


def resnet50_v1(*, num_classes: int = 1000) -> nn.Module:
    return _resnet_v1((3, 4, 6, 3), num_classes)


def resnet101_v1(*, num_classes: int = 1000) -> nn.Module:
    return _resnet_v1((3, 4, 23, 3), num_classes)


def resnet152_v1(*, num_classes: int = 1000) -> nn.Module:
    return _resnet_v1((3, 8, 36, 3), num_classes)


class PlainBlock(BasicBlock):  # type: ignore[misc]
    """ResNet's basic block without its shortcut: two 3x3 convs, nothing added back (He et al.'s
    "plain" baseline). The projection ResNet would use where the shape changes is dropped too."""

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(inplanes, planes, stride, None, *args, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        result: torch.Tensor = self.relu(self.bn2(self.conv2(out)))
        return result


def plain34(*, num_classes: int = 1000) -> nn.Module:
    """The 34-layer plain network of He et al., Fig. 3 (middle): ResNet-34 with no shortcuts."""
    model: nn.Module = resnet.ResNet(PlainBlock, [3, 4, 6, 3], num_classes=num_classes)
    return model


def alexnet_d2l(*, num_classes: int = 10) -> nn.Module:
    """The AlexNet of Dive into Deep Learning (taught in the DSCI 565 deck): one input channel at 224
    (Fashion-MNIST upscaled), so 256 x 5 x 5 = 6400 features reach the first fc layer."""
    return nn.Sequential(
        nn.Conv2d(1, 96, 11, 4, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(),
        nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, num_classes),
    )  # fmt: skip


class CifarBlock(nn.Module):
    """He et al.'s CIFAR-10 basic block with a parameter-free shortcut (option A: subsample, and
    zero-pad the new channels)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.pad = c_out - c_in

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(nn.functional.relu(self.bn1(self.conv1(x)))))
        if self.pad:
            x = nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad // 2))
        result: torch.Tensor = nn.functional.relu(out + x)
        return result


def resnet_cifar(n: int, *, num_classes: int = 10) -> nn.Module:
    """He et al.'s CIFAR-10 ResNet with 6n + 2 layers: 16, 32, 64 channels, parameter-free shortcuts."""
    layers: list[nn.Module] = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    c_in = 16
    for c_out in (16, 32, 64):
        for i in range(n):
            layers.append(CifarBlock(c_in, c_out, 2 if (i == 0 and c_out != c_in) else 1))
            c_in = c_out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes)]
    return nn.Sequential(*layers)
