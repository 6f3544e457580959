"""Model cards as plain data: what a lecture slide says about an architecture. The zoo fills them in;
the engine carries one beside an analysis without knowing where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Family:
    name: str
    year: int
    paper: str
    ilsvrc: str
    key_idea: str


@dataclass(frozen=True)
class ModelCard:
    """What a lecture slide says about a model; published numbers where torchvision publishes them."""

    name: str
    family: str
    year: int
    paper: str
    ilsvrc: str
    key_idea: str
    input_size: tuple[int, int, int]  # C, H, W
    source: str  # "torchvision" or "vizcore"
    weights: str | None = None  # torchvision's default weights enum, e.g. "ResNet50_Weights.IMAGENET1K_V2"
    published_params: int | None = None
    published_gmacs: float | None = None  # torchvision calls these GFLOPS; they are multiply-adds
    acc1: float | None = None
    acc5: float | None = None
    notes: tuple[str, ...] = ()
    build_kwargs: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "family": self.family,
            "year": self.year,
            "paper": self.paper,
            "ilsvrc": self.ilsvrc,
            "key_idea": self.key_idea,
            "input_size": list(self.input_size),
            "source": self.source,
            "weights": self.weights,
            "published_params": self.published_params,
            "published_gmacs": self.published_gmacs,
            "acc1": self.acc1,
            "acc5": self.acc5,
            "notes": list(self.notes),
        }
