"""The engine: trace a model, count what each layer costs, find its blocks and receptive fields, label it."""
