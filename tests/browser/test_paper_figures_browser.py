"""The Paper figures page in Chromium at 1920x1080, presentation mode: every figure is drawn as SVG text
(readable by a screen reader and by this test), with no error, and fits the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import require_chromium

require_chromium()  # skip without Chromium, fail under CI


TIMEOUT_MS = 90_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def page(browser: Browser, base_url: str) -> Iterator[tuple[Page, str]]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab, base_url
    context.close()


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


def test_downloads_are_the_figure_on_screen(page: tuple[Page, str], tmp_path: Path) -> None:
    tab, url = page
    tab.goto(f"{url}/paper_figures?model=lenet5&figure=volumes")
    expect(tab.locator(".paper-figure svg")).to_be_visible()
    on_screen = tab.locator(".paper-figure svg text.size").all_text_contents()
    files = {}
    for fmt in ("SVG", "PNG", "PDF"):
        with tab.expect_download() as download:
            tab.get_by_role("button", name=f"Download {fmt}").click()
        files[fmt] = tmp_path / download.value.suggested_filename
        download.value.save_as(files[fmt])
    assert files["PNG"].name == "lenet5_volumes.png"
    from PIL import Image

    with Image.open(files["PNG"]) as image:
        assert image.format == "PNG" and image.width >= 1920
    assert files["PDF"].read_bytes().startswith(b"%PDF-")
    import xml.etree.ElementTree as ET

    saved = [
        t.text
        for t in ET.parse(files["SVG"]).getroot().iter("{http://www.w3.org/2000/svg}text")
        if t.get("class") == "size"
    ]
    assert saved == on_screen == ["32x32x1", "28x28x6", "14x14x6", "10x10x16", "5x5x16", "1x1x120", "84", "10"]
