"""The herd: N students rerun at the same moment onto models and pages nobody opened yet, beside a one-line
Streamlit app under the same waves.

A following class reruns the instant the teacher moves, often onto a model no one has analysed. Each wave
is ``../shared/tools/load_sessions.py`` (real Streamlit sessions over the websocket, no browsers) with
models and pages the shared mix does not use: every student opens one of six cold models and clicks through
six pages, all at once, on a server up ``--warm`` seconds (``streamlit run serve.py``, the README's way).
The floor is ``benchmarks/floor_app.py`` served from the repository root, so under our own
``.streamlit/config.toml``: what we cost beyond it is our page runs. ``--other DIR`` also serves another
checkout of the project (the commit before a change) in the same minute, for a before/after on the
same load. Targets, on one server: median <= 1 s, p95 <= 3 s, memory under 2 GiB.

Run from the repository root: ``.venv/bin/python -m benchmarks.bench_herd [--students 60] [--other DIR]``.
The machine's load average is printed with each wave: on a shared machine, compare only rows taken together.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.bench_load import GIB, LINE, rss
from tests.support.browser import free_port

ROOT = Path(__file__).resolve().parents[1]
MODELS = "densenet201,regnet_y_400mf,mobilenet_v3_large,efficientnet_b0,inception_v3,squeezenet1_1"
# the shared script beside the project (../shared), or beside the folder of worktrees it sits in
LOAD = next(
    (p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if (p / "tools").is_dir()), ROOT.parent / "shared"
)
LOAD = LOAD / "tools" / "load_sessions.py"
PAGES = ",paper_figures,tour,compare,residual_flows,branch_diagrams"  # '' is the Overview


@contextmanager
def server(script: str, cwd: Path) -> Iterator[tuple[str, int]]:
    """``streamlit run script`` from ``cwd`` (its .streamlit/config.toml applies) on a free port: its URL, pid."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit(f"{script} in {cwd} did not start")
                time.sleep(0.3)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(30)


def wave(label: str, url: str, pid: int, students: int) -> str:
    """One wave of ``students`` on the server at ``url``: a table row with the machine's load beside it."""
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], rss(lambda: [pid]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    command = [sys.executable, str(LOAD), "--url", url, "--models", MODELS, "--pages", PAGES, str(students)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    done.set()
    sampler.join()
    match = LINE.search(run.stdout)
    if match is None:
        sys.exit(f"load_sessions.py gave no result:\n{run.stdout}\n{run.stderr}")
    _n, ok, total, median, p95, worst, errors = match.groups()
    load = os.getloadavg()[0]
    pages = run.stdout[match.end() :].split("\n")[0].split("; ")[-1]  # each page's median
    row = f"| {label} | {ok}/{total} | {median} s | {p95} s | {worst} s | {errors} | {peak[0] / GIB:.2f} GiB | {load:.1f} | {pages} |"
    print(row, flush=True)
    for line in run.stdout.splitlines():
        if line.startswith("    "):  # the first few errors, as load_sessions.py prints them
            print(f"  {label}: {line.strip()}", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--warm", type=float, default=20, help="seconds between the server answering and the wave")
    parser.add_argument("--rounds", type=int, default=1, help="measure each server this many times, in turn")
    parser.add_argument("--other", type=Path, help="another checkout of the project to measure beside this one")
    args = parser.parse_args()
    apps = [("this checkout", ROOT)] + ([(f"{args.other}", args.other)] if args.other else [])
    print(f"{args.students} students at once, each one of {MODELS}, through pages {PAGES}; {os.cpu_count()} cores")
    print("| server | page runs | median | p95 | max | errors | peak memory | load average | median per page (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, folder in apps * args.rounds:
        with server("serve.py", folder) as (url, pid):
            time.sleep(args.warm)
            wave(label, url, pid, args.students)
        with server("benchmarks/floor_app.py", ROOT) as (url, pid):
            wave("one-line app (floor)", url, pid, args.students)


if __name__ == "__main__":
    main()
