"""The zoo: every model by name with its card (the registry), the paper-faithful classics, and the
lecture decks' tables and tour built from them."""

from ..cards import Family, ModelCard
from .registry import FAMILIES, get_card, get_model, list_models

__all__ = ["FAMILIES", "Family", "ModelCard", "get_card", "get_model", "list_models"]
