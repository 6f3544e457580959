"""Many sessions at once on one real server (``streamlit run serve.py``), driven over the app's websocket
as the browser does (as ../shared/tools/load_sessions.py does): sessions on different models never see
each other's state, and hostile URLs and broken uploads stay handled while other sessions run, with no
server restart."""

from __future__ import annotations

import os
import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.driver import said
from tests.conftest import ROOT
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from tests.support.sessions import Run, gather


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with streamlit_server() as base:
        yield base


PAGES = ["", "layer_graph", "cost_charts", ""]
PARAMS = {"resnet50": "25,557,032", "vgg16": "138,357,544", "alexnet": "61,100,840"}


def test_sessions_on_different_models_never_see_each_others_state(url: str) -> None:
    models = list(PARAMS) * 3  # nine students on three models, clicking through pages at once
    plans = [[(page, f"model={m}") for page in PAGES] for m in models]
    for model, runs in zip(models, gather(url, plans), strict=True):
        for run in runs:
            assert not run.texts.get("exception"), run.texts["exception"]
            headings = run.all("heading")
            assert model in headings and not any(other in headings for other in PARAMS if other != model)
            assert re.search(rf"\bmodel={model}\b", run.query)
        overview = runs[0].texts["metric"]
        assert overview[0] == PARAMS[model]  # its own model's parameters, no one else's
        assert not any(PARAMS[other] in overview for other in PARAMS if other != model)


HOSTILE = [
    ("layer_graph", "model=nosuchnet&depth=banana", "unknown model 'nosuchnet'"),
    ("layer_graph", "model=vgg16&depth=banana", "?depth='banana' is not valid here"),
    ("", "model=alexnet&input=3x8x8", "too small for alexnet"),
    ("", "model=alexnet&input=banana", "malformed"),
    ("cost_charts", "model=resnet18&input=64x3x224x224&group=%3Cscript%3E", "?group='<script>' is not valid"),
    ("", "model=alexnet&input=3x1000000000x1000000000", "has a size past 1,000,000"),
    ("classify", "model=resnet18&weights=../../etc/passwd&sample=..%2F..%2Fetc%2Fpasswd", "is not valid here"),
    ("residual_flows", "model=resnet50&block=__import__('os')", "is not valid here"),
]


def test_hostile_urls_stay_handled_while_others_work(url: str) -> None:
    hostile = [[(page, query)] for page, query, _ in HOSTILE] * 2
    ordinary = [[(page, "model=alexnet") for page in PAGES] for _ in range(6)]
    results = gather(url, hostile + ordinary)
    for (page, query, expected), runs in zip(HOSTILE * 2, results, strict=False):
        run = runs[0]
        assert not run.texts.get("exception"), (page, query, run.texts["exception"])
        alerts = said(run.all("alert"))
        assert alerts, (page, query)  # one clear sentence, never silence
        assert expected in alerts, (page, query, alerts)
    for runs in results[len(hostile) :]:
        assert all(not run.texts.get("exception") for run in runs)
        assert runs[0].texts["metric"][0] == PARAMS["alexnet"]
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:  # the same server, still up
        assert response.read() == b"ok"


def test_broken_uploads_stay_handled_while_others_work(url: str, tmp_path: Path) -> None:
    """Three browsers upload broken photos while twenty sessions click through the app: each gets its
    sentence, the others finish cleanly, and a good photo still classifies afterwards."""
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect, sync_playwright

    good = sorted((ROOT / "assets" / "samples").glob("*.jpg"))[0]
    broken = {
        "text.jpg": (b"this is not an image, whatever its name says", "not an image Pillow can read"),
        "truncated.jpg": (good.read_bytes()[:300], "damaged or truncated"),
        "empty.png": (b"\x89PNG\r\n\x1a\n", "not an image Pillow can read"),
    }
    for name, (data, _) in broken.items():
        (tmp_path / name).write_bytes(data)
    others: list[list[list[Run]]] = []
    crowd = threading.Thread(
        target=lambda: others.append(gather(url, [[(page, f"model={m}") for page in PAGES] for m in list(PARAMS) * 7]))
    )
    crowd.start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = [browser.new_context().new_page() for _ in broken]
        for page in pages:
            page.set_default_timeout(60_000)
            page.goto(f"{url}/classify")
        for page in pages:
            expect(page.get_by_text("Top 5:", exact=False)).to_be_visible(timeout=60_000)  # the sample, classified
        # the photo uploader in the page itself: the sidebar holds the ONNX model uploader
        for page, name in zip(pages, broken, strict=True):
            page.get_by_test_id("stMain").locator("input[type='file']").first.set_input_files(str(tmp_path / name))
        for page, (_, needle) in zip(pages, broken.values(), strict=True):
            expect(page.get_by_test_id("stAlert").filter(has_text=needle)).to_be_visible(timeout=60_000)
            expect(page.get_by_test_id("stException")).to_have_count(0, timeout=60_000)
        pages[0].get_by_test_id("stMain").locator("input[type='file']").first.set_input_files(str(good))
        expect(pages[0].get_by_text("Top 5:", exact=False)).to_be_visible(timeout=60_000)
        browser.close()
    crowd.join()
    assert all(not run.texts.get("exception") for runs in others[0] for run in runs)
