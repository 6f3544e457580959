"""The builder page in Chromium: typing into the layer list changes the numbers, the graph is drawn,
and the URL carries the spec so the same link reopens it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import require_chromium

require_chromium()  # skip without Chromium, fail under CI


TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def page(browser: Browser, base_url: str) -> Iterator[tuple[Page, str]]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab, base_url
    context.close()


def metric(page: Page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label)
    return box.get_by_test_id("stMetricValue").inner_text()


def test_typing_a_change_redraws_the_numbers(page: tuple[Page, str]) -> None:
    tab, url = page
    tab.goto(f"{url}/builder")
    expect(tab.get_by_role("heading", name="Build your own CNN")).to_be_visible()
    params = tab.get_by_test_id("stMetric").filter(has_text="Parameters").get_by_test_id("stMetricValue")
    expect(params).to_have_text("61,100,840")
    boxes = tab.locator(".vz-stage svg g.node")
    expect(boxes).to_have_count(13)  # input, 5 convs, 3 pools, 3 fc, output (relus, dropouts, flatten inside)
    box = tab.get_by_role("textbox", name="Layer list")
    text = box.input_value()
    box.fill(text.replace("conv 11x11/4 64 pad 2", "conv 7x7/2 64 pad 1"))
    expect(params).to_have_text("61,087,016")  # 64 x 3 x (121 - 49) fewer weights
    expect(tab.get_by_text("3.52x the MACs of alexnet")).to_be_visible()
    expect(tab.locator(".vz-stage svg text").filter(has_text="7x7 conv, 64, /2")).to_have_count(1)
    expect(tab.get_by_test_id("stStatusWidget")).to_have_count(0)
    link = tab.url
    assert "spec=" in link and "from=alexnet" in link

    # a mistake: one sentence naming the line, the editor still there
    box.fill("input 3x14x14\nconv 3x3 64\nconv 5x5 256\nconv 5x5/2 256\nconv 5x5 64")
    expect(tab.get_by_text("line 5: conv 5x5 64 needs at least 5x5 input, but line 4 leaves 256x2x2.")).to_be_visible()

    # typed key by key, as a student would: the numbers follow without any key to apply them
    box.fill("")
    box.press_sequentially("input 3x32x32\nconv 3x3 8\nflatten\nfc 10", delay=15)
    expect(params).to_have_text("72,234")  # 3*9*8 + 8, then 8*30*30*10 + 10

    # the earlier link reopens the edited net in a new tab
    other = tab.context.new_page()
    other.goto(link)
    expect(other.get_by_test_id("stMetric").filter(has_text="Parameters").get_by_test_id("stMetricValue")).to_have_text(
        "61,087,016"
    )
    assert re.search(r"conv 7x7/2 64 pad 1", other.get_by_role("textbox", name="Layer list").input_value())
    other.close()
