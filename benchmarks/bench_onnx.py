"""ONNX files: from an upload to the layer graph, and conversion time for large zoo models.

1. A ResNet-50 graph-only file (weights as external data, never read): seconds for each step a page
   takes, store -> open -> analyze (parse, simplify, convert, trace) -> layer graph SVG; then the same file
   dropped on the sidebar's uploader of the Layer graph page in Chromium: seconds until its graph is on screen.
2. For the largest zoo models, exported graph-only by PyTorch's default exporter: file size, seconds
   from the file's bytes to an analysis, and the MACs against the zoo's (they must be equal).

Run from the repository root: ``.venv/bin/python -m benchmarks.bench_onnx [model ...]``
(default models: vgg16, resnet152, efficientnet_b7 at 224).
"""

from __future__ import annotations

import re
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


def on_screen(data: bytes, folder: Path) -> float | None:
    """Seconds from handing ``data`` to the sidebar's ONNX uploader, on the Layer graph page in Chromium at
    1920x1080, to the uploaded ResNet-50's blocks drawn on screen; None without Chromium."""
    from playwright.sync_api import expect, sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

    if not Path(CHROMIUM).exists():
        return None
    path = folder / "resnet50_graph_only.onnx"
    path.write_bytes(data)
    wait = 300_000
    with streamlit_server() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{url}/layer_graph")
        expect(page.locator(".vz-stage svg g.node").first).to_be_visible(timeout=wait)  # the default model's
        start = time.perf_counter()
        page.get_by_test_id("stSidebar").locator("input[type='file']").set_input_files(str(path))
        expect(page.get_by_role("heading", name=re.compile("upload-"))).to_be_visible(timeout=wait)
        block = page.locator(".vz-stage svg text").filter(has_text="1x1-3x3-1x1 block").first
        expect(block).to_be_visible(timeout=wait)
        seconds = time.perf_counter() - start
        browser.close()
    return seconds


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
        seconds = on_screen(data, folder)
        print(
            f"  in Chromium, dropped on the Layer graph page to its graph on screen: {seconds:.2f} s"
            if seconds is not None
            else "  (no Chromium: the in-browser step is skipped)"
        )
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
