"""A lecture hall on this machine: waves of simulated students on one server (one class of 30, then two
classes of 60), then 30 against replicas.

Each wave is ``../shared/tools/load_sessions.py --url ...`` (real Streamlit sessions over the app's
websocket, no browsers: read its docstring): every student opens the app on its own model and clicks
through the Overview, the layer graph, the cost charts and the classify page. This script starts the
servers the README's way (``streamlit run serve.py``; ``deploy/replicas.sh`` for replicas behind nginx),
samples their memory during each wave, and prints one table (targets: median <= 1 s, p95 <= 3 s,
memory under 2 GiB and back within 300 MiB of the warm baseline once everyone has left). Beside it, one
student's re-run of each page, next to the same re-run of a one-line Streamlit app: the difference is
what our page costs (target 30 ms), the rest is Streamlit's own round trip over the websocket.

Run from the repository root: ``.venv/bin/python -m benchmarks.bench_load [--replicas 2] [--rest 120]``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

from tests.support.browser import free_port, streamlit_server  # noqa: E402
from tests.support.sessions import gather  # noqa: E402

LOAD = ROOT.parent / "shared" / "tools" / "load_sessions.py"
LINE = re.compile(r"N=\s*(\d+): (\d+)/(\d+) page runs .*?median ([\d.]+)s p95 ([\d.]+)s max ([\d.]+)s; errors (\d+)")
GIB = 2**30
# every page, on a model that has what the page shows: (page, URL query)
RERUNS = [
    ("", "model=resnet50"),
    ("layer_graph", "model=resnet50"),
    ("cost_charts", "model=resnet50"),
    ("compare", "model=resnet50"),
    ("branch_diagrams", "model=googlenet"),
    ("residual_flows", "model=resnet50"),
    ("classify", "model=resnet50"),
]


@dataclass
class Wave:
    label: str
    runs: str
    median: float
    p95: float
    max: float
    errors: int
    before: float
    peak: float


def rss(pids: Callable[[], list[int]]) -> float:
    """Resident memory of the server's processes, in bytes."""
    total = 0
    for pid in pids():
        with suppress(psutil.NoSuchProcess):
            total += psutil.Process(pid).memory_info().rss
    return float(total)


def wave(url: str, students: int, label: str, pids: Callable[[], list[int]]) -> Wave:
    before, peak, done = rss(pids), [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], rss(pids))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run = subprocess.run(
        [sys.executable, str(LOAD), "--url", url, str(students)], cwd=ROOT, capture_output=True, text=True
    )
    done.set()
    sampler.join()
    match = LINE.search(run.stdout)
    if match is None:
        sys.exit(f"load_sessions.py gave no result:\n{run.stdout}\n{run.stderr}")
    for line in run.stdout.splitlines():
        if line.startswith("    "):  # the first few errors, as load_sessions.py prints them
            print(f"  {label}: {line.strip()}")
    _n, ok, total, median, p95, worst, errors = match.groups()
    failed = int(total) - int(ok)
    print(f"  {label}: {match.group(0)}; memory peak {peak[0] / GIB:.2f} GiB", flush=True)
    return Wave(label, f"{ok}/{total}", float(median), float(p95), float(worst), int(errors) + failed, before, peak[0])


def reruns(url: str, times: int = 5) -> dict[str, float]:
    """One student alone: each page opened once, then re-run ``times`` times; the median re-run, seconds
    from asking to the run's end (server time plus a loopback round trip)."""
    plan = [visit for visit in RERUNS for _ in range(times + 1)]
    runs = gather(url, [plan])[0]
    return {
        page or "overview": statistics.median(r.seconds for r in runs[i * (times + 1) + 1 : (i + 1) * (times + 1)])
        for i, (page, _) in enumerate(RERUNS)
    }


def streamlit_floor(times: int = 20) -> float:
    """The median re-run of a one-line Streamlit app, measured as ``reruns`` measures ours."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "hello.py"
        script.write_text('import streamlit as st\n\nst.write("hello")\n')
        with streamlit_server(script=str(script)) as url:
            warm(url, settle=0)
            runs = gather(url, [[("", "")] * (times + 1)])[0]
    return statistics.median(r.seconds for r in runs[1:])


def warm(url: str, settle: float = 15) -> None:
    """The server's warm baseline: the default model analysed (serve.py does it at start) and one visit."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    time.sleep(settle)


@contextmanager
def replicas(n: int) -> Iterator[tuple[str, Callable[[], list[int]]]]:
    port = free_port()
    env = {**os.environ, "PYTHON": sys.executable}
    launcher = subprocess.Popen(
        [str(ROOT / "deploy" / "replicas.sh"), str(n), str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}", lambda: [p.pid for p in psutil.Process(launcher.pid).children(recursive=True)]
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--rest", type=float, default=120, help="seconds of quiet before 'after' is read")
    args = parser.parse_args()
    waves: list[Wave] = []
    floor = streamlit_floor()
    with streamlit_server() as url:
        server = psutil.Process(next(c.pid for c in psutil.Process().children() if "serve.py" in c.cmdline()))
        pids = lambda: [server.pid]  # noqa: E731
        warm(url)
        waves.append(wave(url, 1, "1", pids))
        alone = reruns(url)
        baseline = rss(pids)
        waves.append(wave(url, 10, "10", pids))
        for i in range(3):
            waves.append(wave(url, 30, f"30 (wave {i + 1} of 3)", pids))
        for i in range(2):
            waves.append(wave(url, 60, f"60, two classes (wave {i + 1} of 2)", pids))
        time.sleep(args.rest)
        after = rss(pids)
    with replicas(args.replicas) as (url, pids):
        warm(url)
        waves.append(wave(url, 10, f"10, {args.replicas} replicas behind nginx", pids))
        waves.append(wave(url, 30, f"30, {args.replicas} replicas behind nginx", pids))
        time.sleep(args.rest)
        after_replicas = rss(pids)

    print(
        f"one student, model already analysed, median re-run per page, and beyond Streamlit's own round trip "
        f"({floor * 1e3:.0f} ms for a one-line app; target 30 ms beyond it):"
    )
    print("  " + ", ".join(f"{page} {s * 1e3:.0f} ms (+{(s - floor) * 1e3:.0f})" for page, s in alone.items()))
    print(f"load: {LOAD.name}, each student 4 pages; {os.cpu_count()} cores; memory is the servers' RSS")
    print("| students at once | page runs | median | p95 | max | errors | server memory: before → peak |")
    print("|---|---|---|---|---|---|---|")
    for w in waves:
        print(
            f"| {w.label} | {w.runs} | {w.median:.2f} s | {w.p95:.2f} s | {w.max:.2f} s | {w.errors} "
            f"| {w.before / GIB:.2f} → {w.peak / GIB:.2f} GiB |"
        )
    warm_up = waves[0].before
    print(
        f"one server: {warm_up / GIB:.2f} GiB warmed up, {baseline / GIB:.2f} GiB after the first student, "
        f"peak {max(w.peak for w in waves[:-2]) / GIB:.2f} GiB (target < 2 GiB); "
        f"{args.rest:.0f} s after everyone left {after / GIB:.2f} GiB ({(after - warm_up) / 2**20:+.0f} MiB over "
        "warmed up, target within 300 MiB)"
    )
    print(f"{args.replicas} replicas + nginx: {args.rest:.0f} s after everyone left {after_replicas / GIB:.2f} GiB")


if __name__ == "__main__":
    main()
