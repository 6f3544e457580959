"""Params and GMACs equal torchvision's published weights metadata, for every classifier that has them."""

from __future__ import annotations

import pytest
import torchvision
from torchvision.models import get_model_weights

import vizcore

TORCHVISION = torchvision.models.list_models(module=torchvision.models)


def test_every_torchvision_classifier_is_in_the_zoo() -> None:
    assert len(TORCHVISION) >= 80
    assert set(TORCHVISION) <= set(vizcore.list_models())


@pytest.mark.parametrize("name", TORCHVISION)
def test_params_and_gmacs_match_torchvision(name: str) -> None:
    meta = get_model_weights(name).DEFAULT.meta
    result = vizcore.analyze(name, device="cpu")
    counted = result.totals.params
    if name == "inception_v3":
        # torchvision's count includes the auxiliary head, which does not run in eval mode
        assert result.totals.unused_params == 3_326_696
        counted += result.totals.unused_params
    assert counted == meta["num_params"]
    assert round(result.totals.macs / 1e9, 3) == pytest.approx(meta["_ops"], abs=1e-9)
    assert not result.uncounted_ops


def test_card_carries_published_numbers() -> None:
    card = vizcore.get_card("resnet50")
    assert (card.published_params, card.published_gmacs, card.acc1) == (25_557_032, 4.089, 80.858)
    assert card.family == "ResNet" and card.year == 2015 and "3.57%" in card.ilsvrc
    assert card.input_size == (3, 224, 224)
    assert vizcore.get_card("inception_v3").input_size == (3, 299, 299)
