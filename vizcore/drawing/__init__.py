"""Drawing: the layer graph, cost charts, block diagrams, the papers' figures and their export."""
