"""CPU-bound views and the GIL: threads and event loops take turns, only processes spread."""

from __future__ import annotations

import math
import os

from harness.server import Server
from tests.runs import launch_and_finish, views_per_worker

CORES = os.cpu_count() or 1


def test_threads_of_one_process_compute_one_at_a_time_and_each_worker_its_share(
    server: Server,
) -> None:
    one_process = launch_and_finish(server.url, "sync-cpu", 4, 0.25)
    two_workers = launch_and_finish(
        server.url, "sync-cpu", 4, 0.25, server="gunicorn-sync", workers=2
    )
    print(
        f"sync-cpu x4 0.25 s: uvicorn {one_process['wall_s']} s, gunicorn-sync x2 "
        f"{two_workers['wall_s']} s, cpu {one_process['peaks']['cpu_pct']} % vs "
        f"{two_workers['peaks']['cpu_pct']} %"
    )

    assert (one_process["errors"], two_workers["errors"]) == (0, 0)
    # Four threads, one GIL: a second of CPU takes at least a second, however many threads.
    assert one_process["wall_s"] >= 0.8
    assert one_process["peaks"]["in_view"] >= 2
    assert one_process["phases"]["processes"] == 1
    # Two processes, two GILs: the work can go to both, each computing one view at a time
    # (whether it went to both is a race: a worker that wakes late leaves its share to the
    # other; whether it ran faster depends on a second core being free, which a busy machine
    # does not promise). So the busiest worker's share took at least its CPU time.
    assert 1 <= two_workers["phases"]["processes"] <= 2
    per_worker = views_per_worker(two_workers)
    assert two_workers["wall_s"] >= 0.95 * max(per_worker.values()) * 0.25
    assert two_workers["peaks"]["in_view"] <= len(per_worker)
    assert one_process["ideal_wall_s"] == 1.0
    assert two_workers["ideal_wall_s"] == math.ceil(4 / min(2, CORES)) * 0.25
    assert one_process["cores"] == CORES


def test_computing_in_an_async_view_holds_the_loop_and_a_process_pool_does_not(
    server: Server,
) -> None:
    on_the_loop = launch_and_finish(server.url, "async-cpu", 4, 0.25)
    in_a_pool = launch_and_finish(server.url, "async-cpu-process", 4, 0.25)
    print(
        f"loop lag: async-cpu {on_the_loop['peaks']['loop_lag_ms']} ms, "
        f"async-cpu-process {in_a_pool['peaks']['loop_lag_ms']} ms"
    )

    assert (on_the_loop["errors"], in_a_pool["errors"]) == (0, 0)
    assert on_the_loop["peaks"]["in_view"] == 1
    assert on_the_loop["wall_s"] >= 0.8
    assert on_the_loop["peaks"]["loop_lag_ms"] >= 150
    assert in_a_pool["peaks"]["in_view"] >= 2
    assert in_a_pool["peaks"]["loop_lag_ms"] < on_the_loop["peaks"]["loop_lag_ms"] / 2


def test_a_thread_frees_the_loop_but_not_the_gil(server: Server) -> None:
    run = launch_and_finish(server.url, "async-cpu-thread", 4, 0.25)

    assert run["errors"] == 0
    assert run["peaks"]["in_view"] >= 2
    assert run["wall_s"] >= 0.8
    assert run["ideal_wall_s"] == 1.0
