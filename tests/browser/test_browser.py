"""Real-browser tests (Playwright + Debian's Chromium): what AppTest cannot see, charts and graphs drawn,
downloads, URL state. Chromium comes from the README's test command; without it these are skipped,
except in CI, where a missing browser is a failure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import require_chromium

require_chromium()  # skip without Chromium, fail under CI


TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)  # a cold server on a 2-core CI machine builds and traces slowly


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    yield p
    context.close()


def open_page(page: Page, url: str) -> None:
    """Open ``url`` and wait until the script has run: something is drawn in the main area and the
    "Running..." status is gone."""
    page.goto(url)
    expect(page.locator("[data-testid='stMain'] [data-testid='stElementContainer']").first).to_be_attached()
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``. A rerun that lands between the click and the
    pick (a busy CI machine) redraws the widget and closes its list, so open it again until it takes."""
    item = page.get_by_role("option", name=option, exact=True)
    for _ in range(10):
        page.get_by_test_id("stSelectbox").filter(has_text=label).locator("input").click()
        try:
            item.click(timeout=5_000)
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    raise AssertionError(f"the {label} list never offered {option!r}")


def test_overview_from_url_and_download(page: Page, base_url: str, tmp_path: Path) -> None:
    open_page(page, f"{base_url}/?model=resnet50")
    expect(page.get_by_role("heading", name="resnet50")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("25,557,032")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    path = tmp_path / "table.csv"
    info.value.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "name,label,type,output_shape,params,macs,flops,output_bytes,receptive_field,effective_stride"
    assert lines[1].startswith('conv1,"7x7 conv, 64, /2",Conv2d,1x64x112x112,9408,118013952,')
    assert info.value.suggested_filename == "resnet50_1x3x224x224_depth2.csv"  # a big model opens at depth 2


def test_layer_graph_drawn_and_depth_control(page: Page, base_url: str) -> None:
    open_page(page, f"{base_url}/layer_graph?model=resnet50&depth=1")
    boxes = page.locator(".vz-stage svg g.node")
    expect(boxes.first).to_be_visible()
    expect(boxes).to_have_count(10)  # input, stem conv (bn, relu inside), pool, 4 stages, pool, fc, output
    expect(page.locator(".vz-stage svg text").filter(has_text="4 x [1x1-3x3-1x1], 512, /2")).to_have_count(1)
    choose(page, "Depth", "2")
    expect(boxes).to_have_count(22)
    assert "depth=2" in page.url
    boxes.filter(has_text="1x1-3x3-1x1 block, 256").first.click()  # a click shows its numbers ...
    expect(page.locator(".vz-info")).to_contain_text("layer1.0: 1x1-3x3-1x1 block, 256")
    page.get_by_role("button", name="Expand layer1.0 (12 layers)").click()  # ... and opens it
    texts = page.locator(".vz-stage svg text")
    expect(texts.filter(has_text="1x1 conv, 256")).to_have_count(2)  # opened one level: conv3, the shortcut
    expect(boxes).to_have_count(26)  # layer1.0 is now its 3 convolutions, the shortcut block and the add
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)  # the expand's rerun is over
    with page.expect_download() as info:
        page.get_by_role("button", name="Download SVG").click()
    assert info.value.suggested_filename == "resnet50_graph.svg"


def test_cost_charts_drawn(page: Page, base_url: str) -> None:
    open_page(page, f"{base_url}/cost_charts?model=resnet50")
    forward = page.get_by_role("tabpanel").first.locator(".js-plotly-plot")
    expect(forward).to_have_count(3)
    expect(forward.first.locator(".bars .point").first).to_be_attached()
    assert forward.nth(1).locator(".bars .point").count() > 100
    expect(page.get_by_text(re.compile(r"^Parameters: \d+% in the convolutions"))).to_be_visible()
    page.get_by_role("tab", name="Training step").click()
    page.get_by_text("Measure a training step").click()
    training = page.get_by_role("tabpanel", name="Training step").locator(".js-plotly-plot")
    expect(training.locator(".bars .point").first).to_be_attached(timeout=120_000)


def test_compare_page(page: Page, base_url: str) -> None:
    open_page(page, f"{base_url}/compare?models=alexnet,vgg16")
    expect(page.get_by_text(re.compile(r"has 2\.26x the parameters of alexnet and 21\.7x"))).to_be_visible()
    expect(page.locator(".js-plotly-plot .scatterlayer .point")).to_have_count(2)


def test_bad_url_keeps_the_app_working(page: Page, base_url: str) -> None:
    open_page(page, f"{base_url}/layer_graph?model=nosuchnet&depth=banana")
    expect(page.get_by_text(re.compile(r"unknown model 'nosuchnet'"))).to_be_visible()
    expect(page.locator(".vz-stage svg g.node")).to_have_count(13)  # alexnet instead
    open_page(page, f"{base_url}/?model=alexnet&input=3x8x8")
    expect(page.get_by_text(re.compile(r"too small for alexnet"))).to_be_visible()
    page.get_by_role("button", name="Use 3x63x63").click()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("61,100,840")


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/branch_diagrams?model=googlenet&block=inception4a", "concatenate: 512x14x14"),
        ("/branch_diagrams?model=inception_v3&block=Mixed_7c.cat_2", "concatenate: 2048x8x8"),
        ("/residual_flows?model=resnet50&block=layer2.0", "add, then relu: 512x28x28"),
        ("/residual_flows?model=mobilenet_v2&block=features.3", "add: 24x56x56"),
    ],
)
def test_block_diagrams_render(page: Page, base_url: str, url: str, text: str) -> None:
    open_page(page, base_url + url)
    diagram = page.locator(".vz-stage svg").first
    expect(diagram).to_be_visible()
    expect(diagram.get_by_text(text)).to_be_visible()
    assert diagram.locator("g.node").count() >= 5


def test_upload_a_photo_and_see_top5_and_cam(page: Page, base_url: str, tmp_path: Path) -> None:
    from PIL import Image
    from skimage import data

    photo = tmp_path / "espresso.png"
    Image.fromarray(data.coffee()).save(photo)
    open_page(page, f"{base_url}/classify")
    page.get_by_test_id("stMain").locator("input[type='file']").first.set_input_files(str(photo))
    expect(page.get_by_text("Top 5: espresso", exact=False)).to_be_visible()
    expect(page.get_by_text("Red: where conv_head's features that raise the score of espresso")).to_be_visible()
    expect(page.locator(".stPlotlyChart").nth(1)).to_be_visible()  # the Grad-CAM overlay, after the top 5


def test_every_attribution_map_on_a_sample_photo(page: Page, base_url: str) -> None:
    """Each method's map is drawn (the overlay and its colour scale) on the coffee sample, with no error."""
    open_page(page, f"{base_url}/classify?sample=coffee")
    for title, reading in [
        ("Grad-CAM", "Red: where conv_head's features"),
        ("Saliency (input gradient)", "Red: the pixels where the smallest change"),
        ("Guided backpropagation", "passed back only through positive gradients"),
        ("Integrated gradients", "on the way from a grey image"),
        ("Occlusion (Zeiler & Fergus)", "square (stride 16) lowers p(espresso)"),
    ]:
        choose(page, "Method", title)
        expect(page.get_by_text(reading, exact=False)).to_be_visible(timeout=180_000)
        chart = page.locator(".stPlotlyChart").filter(has_text="for espresso")
        expect(chart.locator(".colorbar")).to_have_count(1)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


# --- lecture pages --------------------------------------------------------------------------------------


def _fits(page: Page) -> bool:
    """The main content needs no scrolling: the page is no taller than the window."""
    return bool(page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight <= window.innerHeight + 2"))


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_tour_walked_with_the_keyboard(browser: Browser, base_url: str, size: tuple[int, int]) -> None:
    from vizcore.course.tour import TOUR

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        open_page(page, f"{base_url}/tour?slide={TOUR[0][0]}")
        for i, (key, _, title) in enumerate(TOUR):
            if i:
                page.locator("body").press("ArrowRight")
            expect(page.get_by_role("heading", name=title)).to_be_visible()
            expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
            expect(page.get_by_test_id("stGraphVizChart").first.locator("svg g.node").first).to_be_attached()
            assert f"slide={key}" in page.url and "present=1" in page.url
            assert page.get_by_test_id("stException").count() == 0
            assert _fits(page), f"{key} scrolls at {size}"
        page.locator("body").press("ArrowLeft")
        expect(page.get_by_role("heading", name=TOUR[-2][2])).to_be_visible()
    finally:
        context.close()


def test_every_lecture_table_opens(page: Page, base_url: str) -> None:
    from vizcore.course.lectures import table_ids

    for table_id in table_ids():
        open_page(page, f"{base_url}/lecture_tables?table={table_id}")
        expect(page.locator("table.lecture-table")).to_be_visible()
        assert page.get_by_test_id("stException").count() == 0, table_id
    open_page(page, f"{base_url}/lecture_tables?table=alexnet-227")
    flagged = page.locator("table.lecture-table td.differs")
    expect(flagged).to_have_count(1)
    assert "149,520,384" in (flagged.get_attribute("title") or "")
    open_page(page, f"{base_url}/lecture_tables?table=nosuch")
    expect(
        page.get_by_text(re.compile(r"there is no lecture table 'nosuch'; the tables are: alexnet-227"))
    ).to_be_visible()


def test_ilsvrc_chart_links_to_the_zoo(page: Page, base_url: str) -> None:
    open_page(page, f"{base_url}/ilsvrc")
    chart = page.locator(".js-plotly-plot").first
    expect(chart.locator(".bars .point")).to_have_count(10)
    expect(chart.locator("a").first).to_be_attached()
    links = chart.locator("a").evaluate_all(
        "els => els.map(e => e.getAttribute('xlink:href') || e.getAttribute('href'))"
    )
    models = ["alexnet2012", "zfnet", "vgg19", "googlenet_paper", "resnet152_v1"]  # the bars the zoo has
    assert set(links) == {f"./?model={m}" for m in models}
    expect(page.locator("table.lecture-table td.differs")).to_have_count(1)  # GoogLeNet's 4 million
    chart.locator(".bars .point").nth(6).click(force=True)  # the bar itself: ResNet, 2015
    expect(page).to_have_url(re.compile(r"/\?model=resnet152_v1"))
