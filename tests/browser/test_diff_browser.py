"""Compare's "What changed" in Chromium at 1920x1080 in presentation mode: ResNet-34 against plain-34
drawn whole on screen with labels a back row reads, and a click on a removed box saying before -> after.
With VIZCORE_README_SHOTS set, it remakes the docs' screenshot (assets/readme/diff_resnet34_plain34.png)."""

from __future__ import annotations

import os
import statistics

from playwright.sync_api import Browser, expect

from tests.browser.test_projector import GRAPH, TIMEOUT_MS, settled
from tests.support.browser import ROOT, require_chromium

require_chromium()  # skip without Chromium, fail under CI

SHOT = ROOT / "assets" / "readme" / "diff_resnet34_plain34.png"


def test_resnet34_against_plain34_on_a_projector(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{base_url}/compare?models=resnet34,plain34&diff=resnet34,plain34&present=1")
        boxes = page.locator(".vz-stage svg g.node")
        expect(boxes.first).to_be_visible()
        # the stage in the middle of the screen, clear of Streamlit's header bar (which stays over the page)
        page.locator(".vz-stage").evaluate("e => e.scrollIntoView({block: 'center'})")
        settled(page)
        if os.environ.get("VIZCORE_README_SHOTS"):
            page.screenshot(path=str(SHOT))
        graph = page.evaluate(GRAPH)
        left, top, right, bottom = graph["svg"]
        assert left >= 0 and top >= 60 and right <= 1920 and bottom <= 1080, graph["svg"]  # whole on one screen
        assert statistics.median(graph["labels"]) >= 16, graph["labels"]  # px on a 1080p projector
        removed = boxes.filter(has_text="1x1 conv, 128, /2")
        removed.click()
        expect(page.get_by_text("removed: 1x1 conv, 128, /2 -> (none)").first).to_be_visible()
    finally:
        context.close()
