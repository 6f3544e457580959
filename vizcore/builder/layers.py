"""The blocks of the layer-list language beyond ``torch.nn``: one module per spec line.

Plain PyTorch on purpose (this file imports only ``torch``): ``vizcore.export.python_source`` copies
these classes' source into the code it writes, so the exported network is the one that was analysed.
"""

from __future__ import annotations

import torch
from torch import nn


class Residual(nn.Module):
    """torchvision's BasicBlock (two 3x3 convs) or Bottleneck (1x1, 3x3, 1x1 with 4x expansion, stride
    in the 3x3): convs without bias before batch norm, and a 1x1 projection with batch norm as the
    shortcut when the shape changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, bottleneck: bool = False) -> None:
        super().__init__()
        if bottleneck:
            width = out_channels // 4
            self.main = nn.Sequential(
                nn.Conv2d(in_channels, width, 1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
                nn.Conv2d(width, out_channels, 1, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.main = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
                nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        self.shortcut: nn.Module | None = None  # identity
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.shortcut is None else self.shortcut(x)
        out: torch.Tensor = self.relu(self.main(x) + identity)
        return out


class Inception(nn.Module):
    """GoogLeNet's inception module as in Szegedy et al. 2015, Table 1: 1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 |
    3x3 max pool -> 1x1, each conv followed by a ReLU, no batch norm, concatenated."""

    def __init__(
        self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int
    ) -> None:
        super().__init__()
        self.branch1 = nn.Sequential(nn.Conv2d(in_channels, ch1x1, 1), nn.ReLU(inplace=True))
        self.branch2 = nn.Sequential(
            nn.Conv2d(in_channels, ch3x3red, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(ch3x3red, ch3x3, 3, padding=1),
            nn.ReLU(inplace=True),
        )
        self.branch3 = nn.Sequential(
            nn.Conv2d(in_channels, ch5x5red, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(ch5x5red, ch5x5, 5, padding=2),
            nn.ReLU(inplace=True),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
            nn.Conv2d(in_channels, pool_proj, 1),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


class Fire(nn.Module):
    """SqueezeNet's fire module (Iandola et al. 2016): a 1x1 squeeze, then 1x1 and 3x3 expands side by
    side, each with a ReLU, concatenated."""

    def __init__(self, in_channels: int, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(in_channels, squeeze, 1), nn.ReLU(inplace=True))
        self.expand1x1 = nn.Sequential(nn.Conv2d(squeeze, expand1x1, 1), nn.ReLU(inplace=True))
        self.expand3x3 = nn.Sequential(nn.Conv2d(squeeze, expand3x3, 3, padding=1), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze(x)
        return torch.cat([self.expand1x1(x), self.expand3x3(x)], 1)


class VGGBlock(nn.Sequential):
    """A VGG stage (Simonyan & Zisserman 2014): ``convs`` 3x3 convs with padding 1, each with a ReLU,
    then a 2x2 max pool with stride 2."""

    def __init__(self, in_channels: int, out_channels: int, convs: int) -> None:
        layers: list[nn.Module] = []
        for i in range(convs):
            layers += [nn.Conv2d(in_channels if i == 0 else out_channels, out_channels, 3, padding=1), nn.ReLU(True)]
        super().__init__(*layers, nn.MaxPool2d(2, stride=2))


class MLPConv(nn.Sequential):
    """Network in Network's mlpconv (Lin et al. 2013): a conv and two 1x1 convs, each with a ReLU."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 1),
            nn.ReLU(inplace=True),
        )
