"""The dashboard's child processes: started so that they die with it, stopped as a group.

Design choices:
- Each child starts a session of its own: Ctrl-C in the terminal reaches the dashboard only,
  which then stops its children in order (runs saved first), instead of every process
  printing its own interruption at once.
- Each child asks the kernel for a signal when the dashboard dies (PR_SET_PDEATHSIG), so a
  dashboard killed with kill -9 leaves no subject, upstream, Redis or load generator behind.
  A gunicorn master that gets it stops its own workers. The signal is tied to the thread that
  started the child: children are only started from the event loop's thread.
- Stopping sends the signal to the child's whole process group (a gunicorn master and its
  workers), waits up to a grace period a little longer than uvicorn's own graceful shutdown
  (registry.GRACE_S; gunicorn shuts down at once on the SIGINT the pool sends), then kills
  the group: Ctrl-C must return within two seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent(sig: int, parent: int) -> None:
    _libc.prctl(PR_SET_PDEATHSIG, sig)
    # The dashboard may have died between fork and prctl: then nobody would send the signal.
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)


async def spawn(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
    death_signal: signal.Signals = signal.SIGTERM,
    **pipes: Any,
) -> asyncio.subprocess.Process:
    """Start argv as a child that dies with this process; its output to log, or as pipes say."""
    parent = os.getpid()
    with contextlib.ExitStack() as stack:
        if log is not None:
            output = stack.enter_context(log.open("ab"))
            pipes = {"stdout": output, "stderr": output, **pipes}
        return await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=lambda: _die_with_parent(death_signal, parent),
            **pipes,
        )


async def stop(
    process: asyncio.subprocess.Process,
    sig: signal.Signals = signal.SIGTERM,
    *,
    grace_s: float = 1.2,
) -> int:
    """Signal the child's process group, kill it after grace_s; answers the exit status."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), grace_s)
    # Its workers may outlive a master that exited: the group goes in any case.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    return await process.wait()
