"""The ideal wall time of a run: what its scenario could do at best on its server.

The scenario says how its calls overlap (asyncviews/scenarios.py); the server adds its
limits. A server that holds `capacity` requests at once serves n calls in rounds, each round
as fast as one call alone. One that takes every call at once (a task or a thread per request)
runs them on its event loops: one per worker process under ASGI, one per call under WSGI,
where Django runs each async view on a loop of its own.

Computing is another matter: a process computes on one core at a time whatever its threads
(the GIL), so CPU-bound calls take turns in rounds of min(worker processes, cores); handed to
a pool of one process per core, in rounds of the cores (or of the requests the server holds at
once, when fewer).

written_well_s is the yardstick for a view written the wrong way: what the same work would take
if its calls overlapped, as many at once as the server holds (computing: as many as there are
cores). For the views written well, the two agree.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

from asyncviews.scenarios import Scenario
from dashboard.servers.registry import Config, Server

CORES = os.cpu_count() or 1
# A wall time for n calls with this delay, of this scenario on this server so configured.
Yardstick = Callable[[Scenario, Server, Config, int, float], float]


def ideal_wall_s(scenario: Scenario, server: Server, config: Config, n: int, delay: float) -> float:
    if scenario.work == "cpu":
        return math.ceil(n / min(config.workers, CORES)) * delay
    if scenario.work == "cpu-pool":
        # Written well: the pool computes on every core, as many calls as the server holds.
        return written_well_s(scenario, server, config, n, delay)
    capacity = server.capacity(config.workers, config.threads)
    if capacity is not None:
        return math.ceil(n / capacity) * scenario.ideal_wall_s(1, delay, 1)
    loops = config.workers if server.protocol == "asgi" else n
    return scenario.ideal_wall_s(n, delay, loops)


def written_well_s(
    scenario: Scenario, server: Server, config: Config, n: int, delay: float
) -> float:
    slots = server.capacity(config.workers, config.threads)
    if scenario.work != "wait":
        slots = CORES if slots is None else min(slots, CORES)
    return delay if slots is None else math.ceil(n / slots) * delay
