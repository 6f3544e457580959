"""Upload to top-5 against the bare preprocess + forward of the same model, side by side on the CPU
(target: at most 2x). The model is built and loaded once, as the app does, not per upload. Then the
Classify page's warm rerun (a session's rerun once the sample photo's results are computed; target:
30 ms), with ``streamlit.testing.v1.AppTest``, median of 20.
Run from the repository root: ``.venv/bin/python -m benchmarks.bench_inference``."""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import torch
from PIL import Image

from vizcore.photos import images, inference

ROUNDS = 20


def main() -> None:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    start = time.perf_counter()
    clf = inference.default_classifier("cpu")
    print(f"load EfficientNet-Lite0 once: {time.perf_counter() - start:.2f} s")
    upload = (Path(__file__).resolve().parents[1] / "assets" / "samples" / "cat.jpg").read_bytes()
    decoded = Image.open(io.BytesIO(upload)).convert("RGB")

    def bare() -> None:
        with torch.no_grad():
            clf.model(clf.transform(decoded).unsqueeze(0)).softmax(-1)

    def ours() -> None:
        inference.classify(clf, images.load_image(upload), top=5)

    for fn in (bare, ours):  # warm-up
        fn()
    bare_s, ours_s = [], []
    for _ in range(ROUNDS):  # interleaved, so both see the same machine
        for fn, out in ((bare, bare_s), (ours, ours_s)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    b, o = statistics.median(bare_s), statistics.median(ours_s)
    print(
        f"bare preprocess + forward: {b * 1e3:.1f} ms; upload bytes -> decoded, checked, top-5: {o * 1e3:.1f} ms; ratio {o / b:.2f} (target <= 2)"
    )
    warm_rerun()


def warm_rerun() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=300)
    at.query_params["sample"] = "coffee"
    at.switch_page("pages/classify.py").run()  # the first run computes what the page shows
    assert not at.exception, at.exception
    times = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    print(
        f"Classify, warm rerun: median {statistics.median(times) * 1e3:.1f} ms, best {min(times) * 1e3:.1f} ms (target <= 30)"
    )


if __name__ == "__main__":
    main()
