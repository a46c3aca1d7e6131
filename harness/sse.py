"""Reading the site's event stream in tests, over a real connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

LINE_LIMIT = 16 * 1024 * 1024


@dataclass
class Event:
    name: str
    data: Any
    received: float


def events(url: str, *, deadline_s: float) -> Iterator[Event]:
    """The events of /events/ as they arrive, until deadline_s has passed."""
    end = time.monotonic() + deadline_s
    with httpx.stream("GET", url + "/events/", timeout=deadline_s) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name, data = "message", []
        for line in response.iter_lines():
            if time.monotonic() > end:
                return
            if line.startswith("event:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data.append(line.partition(":")[2].strip())
            elif line == "" and data:
                yield Event(name, json.loads("\n".join(data)), time.monotonic())
                name, data = "message", []


@dataclass
class Stream:
    """A raw connection to /events/, for holding many at once in one event loop."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def next_event(self) -> str:
        """Read one whole event and answer its name.

        The body is chunked, one event a chunk: the chunk-size lines between are skipped.
        """
        name = ""
        while True:
            line = (await self.reader.readline()).rstrip(b"\r\n")
            if not line and self.reader.at_eof():
                raise ConnectionError("the server closed the stream")
            if line.startswith(b"event:"):
                name = line.partition(b":")[2].strip().decode()
            elif line == b"" and name:
                return name

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


def _request(url: str) -> tuple[tuple[str, int], bytes]:
    host, _, port = url.removeprefix("http://").partition(":")
    return (host, int(port)), f"GET /events/ HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


def stalled_client(url: str) -> socket.socket:
    """A client that asks for /events/ and then reads nothing, with a small receive buffer."""
    address, request = _request(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(address)
    sock.sendall(request)
    return sock


async def open_stream(url: str, *, read_head: bool = True) -> Stream:
    """Connect to url's /events/ and, unless told not to, read past the response head."""
    (host, port), request = _request(url)
    # A history event is one line of up to two minutes of frames.
    reader, writer = await asyncio.open_connection(host, port, limit=LINE_LIMIT)
    writer.write(request)
    if read_head:
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), head
    return Stream(reader, writer)
