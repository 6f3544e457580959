"""The Paper figures page in Chromium at 1920x1080, presentation mode: every figure is drawn as SVG text
(readable by a screen reader and by this test), with no error, and fits the screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: the README's test command installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright

TIMEOUT_MS = 90_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def page() -> Iterator[tuple[Page, str]]:
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        yield tab, url
        browser.close()


@pytest.mark.parametrize(
    ("query", "must_read"),
    [
        (
            "model=vgg19&models=plain34,resnet34&figure=columns",
            ["34-layer residual", "3x3 conv, 128, /2", "output size: 28"],
        ),
        ("model=alexnet&figure=volumes", ["55x55x64", "11x11 conv, 64, /4", "fc 4096"]),
        ("model=googlenet&figure=network", ["inception4e", "concat, 832", "fc 1000"]),
        ("model=resnet34&figure=columns&orientation=horizontal", ["3x3 conv, 512, /2", "output size: 7"]),
    ],
)
def test_figure_fits_the_projector(page: tuple[Page, str], query: str, must_read: list[str]) -> None:
    tab, url = page
    tab.goto(f"{url}/paper_figures?{query}&present=1")
    figure = tab.locator(".paper-figure svg")
    expect(figure).to_be_visible()
    expect(tab.get_by_test_id("stStatusWidget")).to_have_count(0)
    assert tab.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count() == 0
    words = figure.locator("text").all_text_contents()
    for text in must_read:
        assert text in words, text
    # the whole figure on one 1920x1080 screen
    box = tab.evaluate(
        "el => { el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; }",
        figure.element_handle(),
    )
    assert box[0] >= 0 and box[1] >= 0 and box[2] <= 1920 and box[3] <= 1080, box
    # no label spills out of the figure
    spill = tab.evaluate(
        """svg => { const r = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text')].filter(t => { const b = t.getBoundingClientRect();
          return b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1; }).length; }""",
        figure.element_handle(),
    )
    assert spill == 0
    if "volumes" in query:  # AlexNet's volumes are read from the back of the room: sizes at least 14 px tall
        heights = tab.evaluate(
            "svg => [...svg.querySelectorAll('text.size')].map(t => t.getBoundingClientRect().height)",
            figure.element_handle(),
        )
        assert min(heights) >= 14, heights
