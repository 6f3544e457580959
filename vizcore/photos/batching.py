"""Dynamic batching, as inference servers do it: requests that arrive together share one forward pass.

Thirty students pressing "classify" at the same moment would otherwise queue behind one model lock for
thirty forward passes of batch 1. A :class:`Batcher` owns one worker thread: it takes the first waiting
request, gathers whatever else arrives within ``max_wait`` seconds (up to ``max_batch``), calls
``run(items)`` once for all of them while holding ``lock``, and hands each caller its own result, or
the exception, which every caller of that batch receives.

The batcher holds no global state: whoever owns the model owns its batcher (the app keeps both in
``st.cache_resource``).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """``submit(item)`` blocks until ``run`` has processed ``item`` in some batch and returns its result."""

    def __init__(
        self,
        run: Callable[[Sequence[T]], Sequence[R]],
        *,
        max_batch: int = 32,
        max_wait: float = 0.005,
        lock: AbstractContextManager[object] | None = None,
        name: str = "batcher",
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be 1 or more, not {max_batch}.")
        self._run = run
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._lock: AbstractContextManager[object] = lock if lock is not None else nullcontext()
        self._queue: queue.SimpleQueue[tuple[T, Future[R]] | None] = queue.SimpleQueue()
        self._closed = False
        self._state = threading.Lock()
        self.batch_sizes: list[int] = []  # how many items each call of run served, newest last (bounded)
        # daemon: a server that exits must not wait for a worker parked on an empty queue
        self._worker = threading.Thread(target=self._serve, name=name, daemon=True)
        self._worker.start()

    def submit(self, item: T) -> R:
        """Process ``item`` in the next batch; returns its result or raises what ``run`` raised."""
        with self._state:  # nothing is queued behind the worker's stop signal
            future: Future[R] | None = None if self._closed else Future()
            if future is not None:
                self._queue.put((item, future))
        if future is None:  # a caller that got the batcher just before it closed is still served
            with self._lock:
                return self._run([item])[0]
        return future.result()

    def close(self) -> None:
        """Serve what is queued, then stop the worker; later requests run one by one in their callers."""
        with self._state:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._worker.join()

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = self._gather(batch)
            self._process(batch)
            if stop:
                return

    def _gather(self, batch: list[tuple[T, Future[R]]]) -> bool:
        """Add requests arriving within ``max_wait`` to ``batch``; True when a close request came."""
        deadline = time.monotonic() + self._max_wait
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                return False
            if item is None:
                return True
            batch.append(item)
        return False

    def _process(self, batch: list[tuple[T, Future[R]]]) -> None:
        items = [item for item, _ in batch]
        try:
            with self._lock:
                results = self._run(items)
            if len(results) != len(items):
                raise RuntimeError(f"a batch of {len(items)} gave {len(results)} results.")
        except BaseException as exc:  # every caller of this batch gets it, and the worker carries on
            for _, future in batch:
                future.set_exception(exc)
            return
        self.batch_sizes = [*self.batch_sizes[-99:], len(items)]
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)


def batch_size_for(device: str) -> int:
    """How many photos to gather into one forward pass on ``device`` (a type: "cpu", "cuda", "mps"): on
    a CPU a pass costs the same per photo at any batch size, so big batches only make the first
    students wait for the last (benchmarks/bench_batching.py); a GPU takes batches of 32."""
    return 32 if device == "cuda" else 4
