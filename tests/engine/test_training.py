"""What a training step keeps: saved activations against PyTorch's own record of what autograd saved,
gradients and optimizer state exact, the largest batch that fits, and bad input in one sentence."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from tests.support.saved import autograd_saved_bytes
from tests.support.toys import SharedNet, ValueDependent
from vizcore.api import training_cost
from vizcore.engine.training import CARD_GIB, MAX_BATCH
from vizcore.errors import VizcoreError


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("alexnet", 96),  # plain chain, dropout masks, max-pool indices
        ("vgg11", 32),
        ("resnet18", 64),  # residual, in-place ReLUs
        ("densenet121", 64),  # dense: concatenations, functional in-place ReLU
        ("mobilenet_v2", 64),  # depthwise, ReLU6 in place
    ],
)
def test_saved_bytes_match_autograd(name: str, size: int) -> None:
    batch = 5  # measured at 2 and 3 on meta, extended to 5; the reference runs 5 samples for real
    cost = training_cost(name, batch, "sgd", (3, size, size))
    assert cost.measured_on == "meta"
    torch.manual_seed(0)
    model = torchvision.models.get_model(name)
    assert cost.saved_activation_bytes == autograd_saved_bytes(model, torch.randn(batch, 3, size, size))
    assert cost.saved_activation_bytes == sum(r.saved_bytes for r in cost.layers)


def test_per_layer_bytes_of_a_small_chain() -> None:
    b, c, h = 4, 8, 16
    model = nn.Sequential(
        nn.Conv2d(3, c, 3, padding=1),
        nn.BatchNorm2d(c),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(c * (h // 2) ** 2, 10),
        nn.Dropout(0.5),
    )
    cost = training_cost(model, b, "adam", (3, h, h))
    saved = {r.name: r.saved_bytes for r in cost.layers}
    assert saved == {
        "0": b * 3 * h * h * 4,  # the conv keeps its input
        "1": b * c * h * h * 4 + 2 * c * 4,  # batch norm: its input, and the batch's mean and 1/std per channel
        "2": b * c * h * h * 4,  # ReLU in place keeps its result, which the pooling saves again: counted once
        "3": b * c * (h // 2) ** 2 * 8,  # max pooling's int64 indices
        "5": b * c * (h // 2) ** 2 * 4,  # the fc keeps its (flattened) input
        "6": b * 10 * 4,  # dropout's mask: a float per element off CUDA (CUDA's fused kernel keeps a byte)
    }
    assert cost.saved_per_sample == sum(saved.values()) // b - 2 * c * 4 // b
    assert cost.saved_activation_bytes == autograd_saved_bytes(model, torch.randn(b, 3, h, h))
    assert any("Dropout masks are counted as" in n for n in cost.notes)


def test_gradients_and_optimizer_state_are_exact() -> None:
    params = 25_557_032  # ResNet-50, torchvision's count
    sgd = training_cost("resnet50", 32, "sgd")
    adam = training_cost("resnet50", 32, "adam")
    assert sgd.gradient_bytes == adam.gradient_bytes == params * 4
    assert sgd.optimizer_bytes == params * 4 and adam.optimizer_bytes == params * 8
    assert sum(r.params for r in sgd.layers) == params
    assert sgd.saved_activation_bytes == adam.saved_activation_bytes == 2_749_316_608
    with torch.device("meta"):
        buffers = list(torchvision.models.resnet50().buffers())  # running statistics, batch counters
    assert sgd.weight_bytes == params * 4 + sum(t.numel() * t.element_size() for t in buffers)
    assert any("161 step counters" in n for n in adam.notes)


def test_shared_parameters_get_one_gradient() -> None:
    cost = training_cost(SharedNet(), 3, "sgd", (3, 10))
    assert cost.gradient_bytes == (10 * 10 + 10) * 4


def test_auxiliary_heads_train() -> None:
    cost = training_cost("googlenet", 4, "sgd")
    assert cost.gradient_bytes == 13_004_888 * 4  # aux1 and aux2 run in train mode (6,379,984 params)
    assert cost.analysis.totals.params == 13_004_888 - 6_379_984
    assert any(n.startswith("The 6,379,984 parameters that do not run in eval mode") for n in cost.notes)
    assert cost.layer("aux1.fc2").saved_bytes == 4 * 1024 * 4  # its input, a float per sample and feature


def test_largest_batch_that_fits() -> None:
    cost = training_cost("resnet18", 1, "adam", (3, 64, 64))
    assert [f.gib for f in cost.fits] == list(CARD_GIB)
    for fit in cost.fits:
        assert fit.max_batch > 0
        at_most = training_cost("resnet18", min(fit.max_batch, MAX_BATCH), "adam", (3, 64, 64))
        if fit.max_batch <= MAX_BATCH:
            assert at_most.step_bytes <= fit.gib * 2**30 < at_most.step_bytes + cost.saved_per_sample


def test_a_model_that_reads_values_is_measured_on_the_cpu() -> None:
    cost = training_cost(ValueDependent(), 3, "sgd", (1, 8, 8))
    assert cost.measured_on == "cpu"
    assert cost.saved_activation_bytes == autograd_saved_bytes(ValueDependent(), torch.randn(3, 1, 8, 8))


def test_a_layer_list_trains_too() -> None:
    cost = training_cost("input 3x32x32\nconv 3x3 16 pad 1\nrelu\nflatten\nfc 10", 8, "sgd")
    assert cost.gradient_bytes == (3 * 9 * 16 + 16 + 16 * 32 * 32 * 10 + 10) * 4
    assert cost.saved_activation_bytes == 8 * (3 * 32 * 32 + 16 * 32 * 32) * 4


@pytest.mark.parametrize(
    ("batch", "optimizer", "needle"),
    [
        (0, "sgd", "batch 0 has no samples to train on: use a batch of 1 or more"),
        (-4, "sgd", "batch -4 has no samples"),
        (10**12, "sgd", "batch 1,000,000,000,000 is more than any GPU holds: use at most 65,536 samples."),
        (2.5, "sgd", "batch must be a whole number, not 2.5"),
        (True, "sgd", "batch must be a whole number, not True"),
        (8, "rmsprop", "unknown optimizer 'rmsprop': use 'sgd' or 'adam'."),
    ],
)
def test_bad_input_is_one_sentence(batch: object, optimizer: str, needle: str) -> None:
    with pytest.raises(VizcoreError) as info:
        training_cost("resnet18", batch, optimizer)  # type: ignore[arg-type]
    message = str(info.value)
    assert needle in message and "\n" not in message and message.endswith(".")
