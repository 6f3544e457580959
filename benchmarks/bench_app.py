"""The app in headless Chromium: the first visitor's wait for the Overview's numbers on a server started
15 s earlier (target: 3 s; ``serve.py``, which warms up when the server starts, beside a bare
``streamlit run app.py``), time to a drawn, interactive ResNet-152 layer graph after choosing it
for the first time (target: 3 s), and a page switch for an already analysed model (target: 1 s).
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_app``."""

from __future__ import annotations

import re
import statistics
import time

from playwright.sync_api import Page, expect, sync_playwright

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server

IDLE = "[data-testid='stStatusWidget']"
BOXES = ".vz-stage svg g.node"


def settle(page: Page) -> None:
    """Wait until Streamlit's run is over (its status widget gone)."""
    expect(page.locator(IDLE)).to_have_count(0, timeout=60_000)


def choose_model(page: Page, name: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Model").click()
    page.keyboard.type(name)
    page.get_by_role("option", name=re.compile(rf"· {name}$")).click()


def first_visit(script: str, up_for: float = 15.0) -> float:
    """Seconds from opening the app to the Overview's numbers, on a server started ``up_for`` s earlier."""
    started = time.perf_counter()
    with streamlit_server(script=script) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        time.sleep(max(up_for - (time.perf_counter() - started), 0.0))
        start = time.perf_counter()
        page.goto(url)
        expect(page.get_by_test_id("stMetricValue").first).to_have_text("61,100,840", timeout=60_000)
        elapsed = time.perf_counter() - start
        browser.close()
    return elapsed


def main() -> None:
    bare, served = first_visit("app.py"), first_visit("serve.py")
    print(
        f"first visit, server up 15 s, to the Overview's numbers: streamlit run serve.py {served:.2f} s, "
        f"streamlit run app.py {bare:.2f} s (target 3 s, ratio {served / 3:.2f})"
    )
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/layer_graph?model=alexnet")
        settle(page)
        expect(page.locator(BOXES).first).to_be_visible(timeout=60_000)

        start = time.perf_counter()
        choose_model(page, "resnet152")
        expect(page.get_by_text(re.compile(r"^\d+ boxes for 515 layers"))).to_be_visible(timeout=60_000)
        expect(page.locator(BOXES).first).to_be_visible()
        settle(page)
        page.locator(BOXES).first.click()  # interactive: a click shows the box's numbers
        expect(page.locator(".vz-info")).not_to_be_empty()
        first = time.perf_counter() - start
        print(f"ResNet-152 layer graph (depth 2), first time: {first:.2f} s (target 3 s, ratio {first / 3:.2f})")

        for model in ("resnet152", "densenet201"):  # every layer, in a new tab: page load included
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            tab.goto(f"{url}/layer_graph?model={model}&depth=all")
            expect(tab.locator(BOXES).first).to_be_visible(timeout=60_000)
            settle(tab)
            tab.locator(BOXES).first.click()
            expect(tab.locator(".vz-info")).not_to_be_empty()
            took = time.perf_counter() - start
            boxes = tab.locator(BOXES).count()
            print(f"{model} at full depth ({boxes} boxes), new tab: {took:.2f} s (target 3 s, ratio {took / 3:.2f})")
            tab.close()

        switches = []
        for _ in range(3):
            for label, ready in (
                ("Cost charts", ".js-plotly-plot .bars"),
                ("Layer graph", BOXES),
                ("Overview", "[data-testid='stDataFrame']"),
            ):
                start = time.perf_counter()
                page.get_by_test_id("stSidebarNav").get_by_text(label, exact=True).click() if page.get_by_test_id(
                    "stSidebarNav"
                ).count() else page.get_by_role("link", name=label).click()
                expect(page.locator(ready).first).to_be_visible(timeout=60_000)
                settle(page)
                switches.append(time.perf_counter() - start)
        print("  each:", " ".join(f"{s:.2f}" for s in switches))
        median, worst = statistics.median(switches), max(switches)
        print(
            f"page switch, model already analysed: median {median:.2f} s, worst {worst:.2f} s over {len(switches)} (target 1 s, ratio {worst:.2f})"
        )
        browser.close()


if __name__ == "__main__":
    main()
