"""What `manage.py fire` prints of a run: its summary, and a race's verdict.

Plain functions of the run's JSON, as the runs API answers it.
"""

from __future__ import annotations

from typing import Any

from dashboard.servers.registry import SERVERS, Config

PEAK_LABELS = {
    "in_flight": "in flight {}",
    "in_view": "in view {}",
    "threads": "threads {}",
    "loop_lag_ms": "loop lag {:.1f} ms",
}
# A peak with no value: loop lag under WSGI, where no event loop serves the requests.
NO_PEAK = {"loop_lag_ms": "no event loop"}


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def progress_line(run: dict[str, Any], elapsed_s: float) -> str:
    return f"{run['done']} of {run['n']} done, {run['errors']} errors, {elapsed_s:.1f} s"


def on_server(run: dict[str, Any]) -> str:
    """'on gunicorn-sync, 4 workers': where the run ran, and how that server was shaped."""
    server = SERVERS.get(run["server"])
    if server is None:  # a server this copy of the registry does not know
        shape = f"{run['workers']} worker(s), {run['threads']} thread(s)"
    else:
        shape = server.shape(Config(run["server"], run["workers"], run["threads"]))
    return f"on {run['server']}, {shape}"


def summary(run: dict[str, Any]) -> str:
    wall, ideal = run["wall_s"], run["ideal_wall_s"]
    wall_line = f"wall      {seconds(wall)}   ideal {seconds(ideal)}"
    if wall and ideal:
        wall_line += f"   ratio {wall / ideal:.2f}"
    rate = f"{run['done'] / wall:.1f} requests/s" if wall else "-"
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(run["error_kinds"].items()))
    return "\n".join(
        [
            f"run {run['id']}: {run['scenario']} x{run['n']}, delay {run['delay']:g} s, "
            f"{on_server(run)}, {run['status']}",
            wall_line,
            f"rate      {rate}",
            "latency   "
            + "  ".join(f"{q} {seconds(run[f'{q}_s'])}" for q in ("p50", "p95", "p99", "max")),
            f"errors    {run['errors']}" + (f": {kinds}" if kinds else ""),
            "peaks     " + ", ".join(peak_texts(run["peaks"])),
            *phase_lines(run.get("phases") or {}),
        ]
    )


def phase_lines(phases: dict[str, Any]) -> list[str]:
    """Where the requests spent their time, from the probe's spans: waiting, then in view."""
    lines = []
    for key, label in (("waiting_s", "waiting "), ("in_view_s", "in view ")):
        if spread := phases.get(key):
            lines.append(
                f"{label}  " + "  ".join(f"{q} {seconds(spread[q])}" for q in ("p50", "p95", "max"))
            )
    if phases.get("reached_view"):
        lines.append(
            f"ran on    {phases['processes']} process(es), {phases['threads']} thread(s); "
            f"{phases['reached_view']} request(s) reached a view"
        )
    return lines


def peak_texts(peaks: dict[str, Any]) -> list[str]:
    return [
        label.format(peaks[key]) if peaks[key] is not None else NO_PEAK.get(key, f"{key} -")
        for key, label in PEAK_LABELS.items()
        if key in peaks
    ]


def contender(run: dict[str, Any], rival: dict[str, Any]) -> str:
    """What tells a run of a race from its rival: its scenario, its server, or both."""
    if run["server"] == rival["server"]:
        return str(run["scenario"])
    if run["scenario"] == rival["scenario"]:
        return str(run["server"])
    return f"{run['scenario']} on {run['server']}"


def race_line(runs: list[dict[str, Any]]) -> str:
    """Which of a race's two runs finished first, and by how much."""
    first, second = sorted(runs, key=lambda run: run["wall_s"] or float("inf"))
    if first["wall_s"] is None or second["wall_s"] is None:
        return "race: no winner, a run did not finish"
    by = second["wall_s"] - first["wall_s"]
    return f"race: {contender(first, second)} finished first, {by:.3f} s sooner"
