"""The builder: the layer-list language, its blocks, and export to a spec or PyTorch source."""
