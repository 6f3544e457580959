"""Photos: live classification, attribution maps, batching concurrent requests, and what a channel wants
(``visualize_channels``, loaded on first use: torch and timm stay out of a plain ``import vizcore.photos``)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "visualize_channels":
        from .featurevis import visualize_channels

        return visualize_channels
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
