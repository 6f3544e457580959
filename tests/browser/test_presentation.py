"""Presentation mode on a projector, measured in Chromium: every diagram opens fitted to the window, no
text outside its box, and AlexNet whole on a 1920x1080 screen with labels at least 16 px tall."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import require_chromium

require_chromium()  # skip without Chromium, fail under CI


TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)

# The geometry of every diagram on the page, in CSS pixels: its frame, the drawing, and per box the
# shape's bounding box and each text's (with its font size in SVG units).
GEOMETRY = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const hosts = [...document.querySelectorAll('*')].filter(e => e.shadowRoot && e.shadowRoot.querySelector('.vz-stage'));
  return hosts.map((host) => {
    const stage = host.shadowRoot.querySelector('.vz-stage');
    const svg = stage.querySelector('svg');
    const nodes = [...svg.querySelectorAll('g.node')].map((g) => {
      const shape = g.querySelector('path, polygon, ellipse');
      const texts = [...g.querySelectorAll('text')].map((t) => [...box(t), parseFloat(t.getAttribute('font-size')), t.textContent]);
      return { shape: shape ? box(shape) : null, texts };
    });
    return { stage: box(stage), svg: box(svg), nodes };
  });
}"""


def diagrams(browser: Browser, url: str, width: int, height: int, count: int = 1) -> list[dict[str, Any]]:
    """Open ``url`` in presentation mode on a ``width`` x ``height`` screen and measure its diagrams."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page: Page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{url}&present=1")
        expect(page.locator(".vz-stage svg g.node").first).to_be_visible()
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
        expect(page.locator(".vz-stage")).to_have_count(count)
        page.wait_for_timeout(500)  # the fit runs on the next animation frame
        assert page.evaluate("() => window.scrollY") == 0
        return list(page.evaluate(GEOMETRY))
    finally:
        context.close()


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def check_fitted(diagram: dict[str, Any], width: int, height: int) -> None:
    """The frame is on screen, and every text sits inside its box."""
    assert inside(diagram["stage"], [0, 0, width, height]), diagram["stage"]
    for node in diagram["nodes"]:
        if node["shape"] is None:  # a plain-text node has no box to stay in
            continue
        for text in node["texts"]:
            assert inside(text[:4], node["shape"]), (text, node["shape"])


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_layer_graph_fits(browser: Browser, base_url: str, width: int, height: int) -> None:
    (graph,) = diagrams(browser, f"{base_url}/layer_graph?model=alexnet&input=3x227x227&depth=all", width, height)
    check_fitted(graph, width, height)
    assert len(graph["nodes"]) == 13  # input, 11 boxes, output
    labels = [t for n in graph["nodes"] for t in n["texts"] if t[4] == max(u[4] for u in n["texts"])]
    smallest = min(t[3] - t[1] for t in labels)
    assert inside(graph["svg"], graph["stage"]), "AlexNet is whole on screen"
    assert smallest >= (16 if height == 1080 else 8), f"labels {smallest:.1f} px tall"


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_residual_block_fits(browser: Browser, base_url: str, width: int, height: int) -> None:
    block, stage = diagrams(browser, f"{base_url}/residual_flows?model=resnet34&block=layer1.0", width, height, 2)
    check_fitted(block, width, height)
    assert inside(block["svg"], block["stage"]), "ResNet-34's first block fits the screen"
    assert any(t[5] == "3x3 conv, 64" for n in block["nodes"] for t in n["texts"])
    check_fitted(stage, width, height + 2000)  # further down the page: only its texts are checked


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_branch_block_fits(browser: Browser, base_url: str, width: int, height: int) -> None:
    (block,) = diagrams(browser, f"{base_url}/branch_diagrams?model=googlenet&block=inception3a", width, height)
    check_fitted(block, width, height)
    assert inside(block["svg"], block["stage"]), "one inception module fits the screen"
    assert any("1x1 conv, 64" in t[5] for n in block["nodes"] for t in n["texts"])
