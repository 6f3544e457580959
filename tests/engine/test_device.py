"""Which devices exist is worked out in one place (vizcore.device.available_devices), best first."""

from __future__ import annotations

import pytest
import torch

from vizcore import VizcoreError
from vizcore.device import available_devices, best_device, resolve_device


def test_the_devices_are_what_torch_finds_best_first() -> None:
    found = available_devices()
    assert found[-1] == "cpu"
    assert ("cuda" in found) == torch.cuda.is_available()
    assert ("mps" in found) == torch.backends.mps.is_available()
    assert best_device().type == found[0] == resolve_device("auto").type
    assert resolve_device("cpu") == torch.device("cpu")
    for missing in {"cuda", "mps"} - set(found):
        with pytest.raises(VizcoreError, match=f"device '{missing}' is not available on this machine"):
            resolve_device(missing)
