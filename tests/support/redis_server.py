"""A throwaway ``redis-server`` (Debian's) on a free loopback port, for the tests of rooms shared between
replicas. Absent, the tests that need it skip, except under CI, where the README's test command installs
it and a missing server fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.browser import free_port


def require_redis() -> str:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if found:
        return found
    if os.environ.get("CI"):
        raise RuntimeError("redis-server is missing: the README's test command installs Debian's redis-server")
    pytest.skip("redis-server is not installed (apt-get install redis-server)")


@contextmanager
def redis_server() -> Iterator[str]:
    """Yields its URL; stops it (and its data: nothing is saved) afterwards."""
    binary = require_redis()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            import redis

            client = redis.Redis(port=port)
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)
