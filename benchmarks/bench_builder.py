"""Builder: edit-to-redraw time for an AlexNet-sized layer list (target: 200 ms).

Library: parse, build on meta, trace, receptive fields, the summary rows and the graph laid out by Graphviz as SVG, for a spec
never seen before (each edit changes fc6's width, so no cache helps). Chromium: the builder page, from
an edit in the layer list (the box sends it after a 120 ms pause in typing) to the new parameter count
on screen, graph redrawn and the run over.
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_builder``."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

import vizcore
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from vizcore.builder import export
from vizcore.drawing.graphview import graph_dot, layer_graph
from vizcore.drawing.render import render_svg

TARGET_MS = 200.0
ALEXNET = export.spec_of("alexnet")


def edited(width: int) -> str:
    return ALEXNET.replace("fc 4096\nrelu\ndropout", f"fc {width}\nrelu\ndropout", 1)


def library() -> float:
    times = []
    for width in range(4000, 4020):
        start = time.perf_counter()
        result = vizcore.analyze(edited(width), device="cpu")
        result.rows(1)
        render_svg(graph_dot(layer_graph(result, 1)))
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def browser() -> float:
    with streamlit_server() as url, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/builder?from=alexnet")
        params = page.get_by_test_id("stMetric").filter(has_text="Parameters").get_by_test_id("stMetricValue")
        expect(params).to_have_text("61,100,840", timeout=60_000)
        box = page.get_by_role("textbox", name="Layer list")
        times = []
        for width in range(3000, 3008):
            text = edited(width)
            expected = f"{vizcore.analyze(text).totals.params:,}"
            start = time.perf_counter()
            box.fill(text)
            expect(params).to_have_text(expected, timeout=60_000)
            expect(page.locator(".vz-stage svg text").filter(has_text=f"fc {width}")).to_have_count(1)
            expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
            times.append((time.perf_counter() - start) * 1e3)
        chromium.close()
    return statistics.median(times[1:])


def main() -> None:
    ms = library()
    print(
        f"library, AlexNet-sized spec edit -> analysis + rows + SVG graph: {ms:.1f} ms median (target {TARGET_MS:.0f} ms)"
    )
    if Path(CHROMIUM).exists():
        ms = browser()
        print(
            f"Chromium, edit -> new numbers and graph drawn, run over (120 ms typing pause included): {ms:.0f} ms median (target {TARGET_MS:.0f} ms)"
        )
    else:
        print(f"{CHROMIUM} missing: browser part skipped")


if __name__ == "__main__":
    main()
