"""Loopback ports for the dashboard's children, and waiting until a child answers on one."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from pathlib import Path

import httpx

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
    """Poll url until any HTTP answer comes; StartFailed if the process exits or time runs out.

    PortTaken when it exited saying its port was in use, in what it wrote to log after since.
    """
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
                return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise StartFailed(
                    f"{what} did not answer within {deadline_s:g} s:\n{log_tail(log)}"
                )
            await asyncio.sleep(0.05)
