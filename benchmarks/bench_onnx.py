"""ONNX files: from an upload to the layer graph, and conversion time for large zoo models.

1. A ResNet-50 graph-only file (weights as external data, never read): seconds for each step a page
   takes, store -> open -> analyze (parse, simplify, convert, trace) -> layer graph SVG.
2. For the largest zoo models, exported graph-only by PyTorch's default exporter: file size, seconds
   from the file's bytes to an analysis, and the MACs against the zoo's (they must be equal).

Run from the repository root: ``.venv/bin/python -m benchmarks.bench_onnx [model ...]``
(default models: vgg16, resnet152, efficientnet_b7 at 224).
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

import onnx
import torch

import vizcore
from vizcore.drawing.graphview import layer_graph_svg
from vizcore.files.uploads import UploadStore
from vizcore.zoo import get_model

SHAPE = (1, 3, 224, 224)


def graph_only(name: str, folder: Path) -> bytes:
    """``name`` exported by the default exporter, with its weights outside the file: the graph's bytes."""
    path = folder / f"{name}.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(get_model(name).eval(), (torch.zeros(SHAPE),), str(path), dynamo=True, external_data=True)
    model = onnx.load(str(path), load_external_data=False)
    return model.SerializeToString()


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    print(f"  {label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    names = sys.argv[1:] or ["vgg16", "resnet152", "efficientnet_b7"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = graph_only("resnet50", folder)
        print(f"ResNet-50 graph-only file: {len(data) / 1024:,.0f} KiB")
        store = UploadStore(folder / "uploads")
        upload_id = timed("store (check, hash, write)", lambda: store.store(data))
        opened = timed("open by id", lambda: store.open(upload_id))
        a = timed("analyze (parse, simplify, convert, trace)", lambda: vizcore.analyze(opened, device="cpu"))
        timed("layer graph SVG", lambda: layer_graph_svg(a, 2))
        print(f"  MACs {a.totals.macs:,} (zoo {vizcore.analyze('resnet50', SHAPE, 'cpu').totals.macs:,})")
        print(f"\n{'model':<16} {'file KiB':>9} {'to analysis s':>14} {'MACs':>16} {'zoo MACs':>16}")
        for name in names:
            data = graph_only(name, folder)
            start = time.perf_counter()
            ours = vizcore.analyze(data, device="cpu")
            seconds = time.perf_counter() - start
            zoo = vizcore.analyze(name, SHAPE, "cpu").totals.macs
            print(f"{name:<16} {len(data) / 1024:>9,.0f} {seconds:>14.2f} {ours.totals.macs:>16,} {zoo:>16,}")


if __name__ == "__main__":
    main()
