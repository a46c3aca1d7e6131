"""The ideal and written-well wall times: pure functions of scenario, server and configuration."""

from __future__ import annotations

import math

import pytest

from asyncviews.scenarios import SCENARIOS, at_once
from dashboard.servers.ideal import CORES, ideal_wall_s, written_well_s
from dashboard.servers.registry import SERVERS, Config

CONFIGS = [
    Config(server.slug, workers, threads)
    for server in SERVERS.values()
    # The least, the default and the most of each (the least is always 1).
    for workers in sorted({1, *server.workers})
    for threads in sorted({1, *server.threads})
]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_the_yardstick_is_never_slower_than_the_ideal(config: Config) -> None:
    server = SERVERS[config.server]
    # Views that answer before their work is done have an ideal of 0: the card says so instead.
    timed = [s for s in SCENARIOS.values() if s.ideal_wall_s is not at_once]
    for scenario in timed:
        for n in (1, 3, 4, 10, 50):
            ideal = ideal_wall_s(scenario, server, config, n, 0.5)
            assert written_well_s(scenario, server, config, n, 0.5) <= ideal, (scenario.slug, n)


def test_a_process_pool_computes_no_more_calls_at_once_than_the_server_holds() -> None:
    pool = SCENARIOS["async-cpu-process"]
    one_worker = Config("gunicorn-sync", 1, 1)
    assert ideal_wall_s(pool, SERVERS["gunicorn-sync"], one_worker, 4, 0.25) == 4 * 0.25
    uvicorn = SERVERS["uvicorn"].default()
    assert ideal_wall_s(pool, SERVERS["uvicorn"], uvicorn, 4, 0.25) == math.ceil(4 / CORES) * 0.25
