"""A redis-server of the benchmark's own, on a Unix socket, and a listener counting what the
probes publish on it, so a benchmark can tell that the sampler really published."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from probe.protocol import CHANNEL

START_DEADLINE_S = 10.0


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """Debian's redis-server on a socket in directory, persistence off; its URL while it runs."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("redis-server is not installed: `apt-get install redis-server`")
    socket = directory / "redis.sock"
    url = f"unix://{socket}"
    process = subprocess.Popen(
        [
            *(executable, "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"),
            *("--save", "", "--appendonly", "no", "--dir", str(directory)),
            *("--loglevel", "warning"),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            try:
                client.ping()
                break
            except (redis.RedisError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"redis-server did not start on {socket}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        process.wait()


class Published:
    """Counts, per probe server name, the messages and spans published on the probes' channel."""

    def __init__(self) -> None:
        self.messages: Counter[str] = Counter()
        self.spans: Counter[str] = Counter()
        self._lock = threading.Lock()

    def handle(self, message: dict[str, Any]) -> None:
        data = json.loads(message["data"])
        with self._lock:
            self.messages[data["server"]] += 1
            self.spans[data["server"]] += len(data["spans"])

    def counts(self, server: str) -> tuple[int, int]:
        """Messages and spans so far from server's probes."""
        with self._lock:
            return self.messages[server], self.spans[server]


@contextmanager
def listening(url: str) -> Iterator[Published]:
    """Subscribe to the probes' channel, in a thread, for the life of the block."""
    client = redis.Redis.from_url(url)
    published = Published()
    # redis-py's synchronous client leaves pubsub() unannotated.
    pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    pubsub.subscribe(**{CHANNEL: published.handle})
    thread = pubsub.run_in_thread(sleep_time=0.1, daemon=True)
    try:
        yield published
    finally:
        thread.stop()
        thread.join()
        pubsub.close()
        client.close()
