"""Photos: live classification, attribution maps, and batching concurrent requests."""
