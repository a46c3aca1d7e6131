"""Loopback ports for the dashboard's children, and waiting until a child answers on one."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx

logger = logging.getLogger(__name__)

T = TypeVar("T")

START_DEADLINE_S = 30.0
# Connections a listening server queues before accepting them: a run fires all of its at once.
BACKLOG = 4096
# Tries at a free port before giving up: between choosing a port and the child binding it,
# another socket on this machine (any client's outgoing connection) can take it.
PORT_ATTEMPTS = 3
# How the servers say so: uvicorn and daphne ("[Errno 98] ... address already in use"),
# runserver ("That port is already in use"), gunicorn ("Connection in use"), and the dashboard
# itself (`manage.py serve`: "port 8000 on 127.0.0.1 is in use").
_PORT_TAKEN = re.compile(r"\bin use\b", re.IGNORECASE)


class StartFailed(RuntimeError):
    """A child that exited or did not answer in time; the message ends with its log's tail."""


class PortTaken(StartFailed):
    """A child that exited because its port was taken: worth starting on another."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        # As servers bind: a port whose old connections linger in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


async def on_a_free_port(
    start: Callable[[int], Awaitable[T]], port: int, *, what: str, retry: bool = True
) -> T:
    """start(port), and again on another free port each time the child it starts says that
    port was taken (PORT_ATTEMPTS in all; not at all unless retry)."""
    attempt = 1
    while True:
        try:
            return await start(port)
        except PortTaken:
            if not retry or attempt == PORT_ATTEMPTS:
                raise
            logger.warning("%s: port %d was taken as it started; on another", what, port)
            attempt, port = attempt + 1, free_port()


def listens_on(pid: int, port: int) -> bool:
    """Whether process pid holds the socket listening on port, as /proc tells: an answer on a
    port chosen free may come from whatever else bound it first."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rpartition(":")[2], 16) == port:  # 0A: LISTEN
                listening.add(f"socket:[{inode}]")
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) in listening:
                return True
        except OSError:
            continue
    return False


def log_size(log: Path) -> int:
    try:
        return log.stat().st_size
    except FileNotFoundError:
        return 0


def said_port_taken(log: Path, since: int) -> bool:
    """Whether what a child wrote to log after byte since says its port was in use."""
    try:
        with log.open("rb") as output:
            output.seek(since)
            written = output.read().decode(errors="replace")
    except FileNotFoundError:
        return False
    return _PORT_TAKEN.search(written) is not None


def log_tail(log: Path, chars: int = 1500) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return ""


async def wait_until_answers(
    url: str,
    process: asyncio.subprocess.Process,
    log: Path,
    *,
    what: str,
    deadline_s: float = START_DEADLINE_S,
    since: int = 0,
) -> None:
    """Poll url until an HTTP answer comes from the process; StartFailed if it exits or time
    runs out. An answer from another server that took the port first does not count.

    PortTaken when it exited saying its port was in use, in what it wrote to log after since.
    """
    port = httpx.URL(url).port
    deadline = time.monotonic() + deadline_s
    async with httpx.AsyncClient(timeout=1) as client:
        while True:
            if process.returncode is not None:
                taken = said_port_taken(log, since)
                raise (PortTaken if taken else StartFailed)(
                    f"{what} exited with {process.returncode}:\n{log_tail(log)}"
                )
            try:
                await client.get(url)
                if port is None or listens_on(process.pid, port):
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise StartFailed(
                    f"{what} did not answer within {deadline_s:g} s:\n{log_tail(log)}"
                )
            await asyncio.sleep(0.05)
