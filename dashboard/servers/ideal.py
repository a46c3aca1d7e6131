"""The ideal wall time of a run: what its scenario could do at best on its server.

The scenario says how its calls overlap (asyncviews/scenarios.py); the server adds its
limits. A server that holds `capacity` requests at once serves n calls in rounds, each round
as fast as one call alone. One that takes every call at once (a task or a thread per request)
runs them on its event loops: one per worker process under ASGI, one per call under WSGI,
where Django runs each async view on a loop of its own.
"""

from __future__ import annotations

import math

from asyncviews.scenarios import Scenario
from dashboard.servers.registry import Config, Server


def ideal_wall_s(scenario: Scenario, server: Server, config: Config, n: int, delay: float) -> float:
    capacity = server.capacity(config.workers, config.threads)
    if capacity is not None:
        return math.ceil(n / capacity) * scenario.ideal_wall_s(1, delay, 1)
    loops = config.workers if server.protocol == "asgi" else n
    return scenario.ideal_wall_s(n, delay, loops)
